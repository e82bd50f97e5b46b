"""Question text to sanitised HTML: Markdown (markdown-it-py), HTML or plain text, cleaned by nh3.

Kept tiny on purpose: the courses feature has the same need, and both will share one helper.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul", "h3", "h4", "h5", "h6",
    "span", "del", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def sanitise_html(source: str) -> str:
    """Keep a small set of harmless tags; drop scripts, styles, event handlers, odd URLs."""
    return nh3.clean(
        source, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
    ).strip()


def render(source: str, fmt: str = "markdown") -> str:
    """``source`` in ``fmt`` (markdown, html, plain) as sanitised HTML."""
    if not source or not source.strip():
        return ""
    if fmt == "html":
        return sanitise_html(source)
    if fmt == "plain":
        return "<p>" + html.escape(source.strip()).replace("\n", "<br>") + "</p>"
    return sanitise_html(_markdown.render(source))


def render_inline(source: str, fmt: str = "markdown") -> str:
    """Like ``render`` but without the wrapping paragraph of a one-paragraph text (choices)."""
    out = render(source, fmt)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out
