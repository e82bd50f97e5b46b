"""Question text to sanitised HTML: Markdown, HTML or plain text, cleaned with the question
allow-list of :mod:`elearn.markup` (shared with course modules)."""

from __future__ import annotations

import html

from elearn.markup import AllowList, markdown_parser, sanitise

_markdown = markdown_parser(allow_html=False)

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "em", "i", "li", "ol", "p", "pre", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul", "h3", "h4", "h5", "h6",
    "span", "del", "hr",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
QUESTION_ALLOW = AllowList(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)


def sanitise_html(source: str) -> str:
    """Keep a small set of harmless tags; drop scripts, styles, event handlers, odd URLs."""
    return sanitise(source, QUESTION_ALLOW).strip()


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
