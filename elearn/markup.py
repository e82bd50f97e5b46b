"""Markdown to sanitised HTML: the one place where markdown-it-py and nh3 are configured.

Two allow-lists use it: question text (``elearn.quizzes.markup``: no raw HTML in Markdown, a
small set of inline tags) and course modules (``elearn.courses.render``: raw HTML allowed in
the Markdown, images from the course's own assets, table alignment classes). Both keep links to
http, https, mailto or relative URLs, add ``rel="noopener noreferrer"`` and drop comments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt

#: URL schemes a link may use (relative URLs are always kept)
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def markdown_parser(*, allow_html: bool) -> MarkdownIt:
    """CommonMark plus tables; ``allow_html`` lets raw HTML through to the sanitiser."""
    return MarkdownIt("commonmark", {"html": allow_html, "linkify": False}).enable("table")


@dataclass(frozen=True)
class AllowList:
    """What survives sanitising: tags, attributes per tag, and optional extras of nh3."""

    tags: frozenset[str]
    attributes: dict[str, set[str]]
    allowed_classes: dict[str, set[str]] | None = None
    #: tags removed with their content (nh3's default, script and style, when None)
    clean_content_tags: frozenset[str] | None = None
    attribute_filter: Callable[[str, str, str], str | None] | None = field(default=None)


def sanitise(html: str, allow: AllowList) -> str:
    """``html`` cleaned by nh3 with ``allow``: no scripts, event handlers or odd URLs."""
    extra = {}
    if allow.allowed_classes is not None:
        extra["allowed_classes"] = allow.allowed_classes
    if allow.clean_content_tags is not None:
        extra["clean_content_tags"] = set(allow.clean_content_tags)
    if allow.attribute_filter is not None:
        extra["attribute_filter"] = allow.attribute_filter
    return nh3.clean(
        html, tags=set(allow.tags), attributes=allow.attributes, url_schemes=set(URL_SCHEMES),
        strip_comments=True, link_rel="noopener noreferrer", **extra,
    )
