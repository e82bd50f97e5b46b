"""Module Markdown to sanitised HTML, done once at import time.

Markdown is parsed with markdown-it-py (CommonMark plus tables). Before rendering, the token
stream is rewritten: an image with a relative path inside the course folder points at the
course's stored asset (``../assets/<path>``, relative to the module page), a link to another
module's ``.md`` file points at that module's page, and table header cells get ``scope="col"``.
The HTML is then cleaned by :mod:`elearn.markup` (nh3) with the module allow-list: no script or style, no event
handler or style attribute, links only to http, https, mailto or relative URLs, images only
from the course's own assets.

``references(markdown)`` walks the same tokens for the checker, with the line of each image and
link, so the checker and the renderer agree on what a module refers to.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from elearn.markup import AllowList, markdown_parser
from elearn.markup import sanitise as _sanitise

#: bump when the rendering changes, so the next sync re-renders every module
RENDER_VERSION = "1"

#: image URL prefix in stored HTML, relative to /courses/<slug>/modules/<module>
ASSET_PREFIX = "../assets/"

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

ALLOWED_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
    "a", "img", "strong", "em", "b", "i", "code", "pre", "kbd", "samp",
    "del", "s", "sup", "sub", "abbr", "figure", "figcaption",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
ALLOWED_CLASSES = {
    "th": {"align-left", "align-center", "align-right"},
    "td": {"align-left", "align-center", "align-right"},
    "code": {f"language-{lang}" for lang in (
        "text", "python", "sql", "yaml", "json", "bash", "shell", "html", "xml", "csv",
    )},
}


_MD = markdown_parser(allow_html=True)


@dataclass(frozen=True)
class Reference:
    kind: str  # "image" or "link"
    url: str
    line: int  # 1-based line in the Markdown file


def references(markdown: str) -> list[Reference]:
    """Every image and link of a Markdown text, with its line."""
    found = []
    for token in _MD.parse(markdown):
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] if token.map else 0) + 1
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "image":
                found.append(Reference("image", str(child.attrGet("src") or ""), line))
            elif child.type == "link_open":
                found.append(Reference("link", str(child.attrGet("href") or ""), line))
    return found


def is_external(url: str) -> bool:
    return bool(_SCHEME.match(url)) or url.startswith("//")


def resolve(url: str, module_file: str) -> str | None:
    """The course-folder path a relative URL in ``module_file`` points at.

    None when it escapes the course folder or is absolute. ``module_file`` is relative to the
    course folder (``modules/01-intro.md``).
    """
    path = unquote(urlsplit(url).path)
    if not path or path.startswith("/") or "\\" in path:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(module_file), path))
    if joined == ".." or joined.startswith(("../", "/")):
        return None
    return joined


def render_module(markdown: str, module_file: str, assets: set[str],
                  module_links: dict[str, str]) -> str:
    """Sanitised HTML of a module.

    ``assets``: course-folder paths of the images that were imported; ``module_links``: course-
    folder path of each module file -> that module's slug.
    """
    tokens = _MD.parse(markdown)
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if token.attrs.get("style") is not None:
                del token.attrs["style"]
            match = re.search(r"text-align:\s*(left|center|right)", style)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")
            if token.type == "th_open":
                token.attrSet("scope", "col")
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                target = None if is_external(src) else resolve(src, module_file)
                if target in assets:
                    child.attrSet("src", ASSET_PREFIX + quote(target))
                else:
                    child.attrSet("src", "")
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if is_external(href) or href.startswith("#"):
                    continue
                target = resolve(href, module_file)
                if target in module_links:
                    fragment = urlsplit(href).fragment
                    child.attrSet("href", quote(module_links[target])
                                  + (f"#{fragment}" if fragment else ""))
    return sanitise(_MD.renderer.render(tokens, _MD.options, {}))


def _filter(tag: str, attribute: str, value: str) -> str | None:
    # Only the course's own stored images: nothing external, no data: URLs.
    if tag == "img" and attribute == "src" and (
        not value.startswith(ASSET_PREFIX) or ".." in value[len(ASSET_PREFIX):]
    ):
        return None
    return value


MODULE_ALLOW = AllowList(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
    clean_content_tags=frozenset({"script", "style", "iframe", "object", "embed", "template",
                                  "noscript", "svg", "math"}),
    attribute_filter=_filter,
)


def sanitise(html: str) -> str:
    """Clean HTML with the module allow-list (also used by tests on hostile input)."""
    cleaned = _sanitise(html, MODULE_ALLOW)
    # An image whose source was refused is dropped rather than left broken.
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)
