"""URL helpers."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def absolute_url(endpoint: str, **values) -> str:
    """``ELEARN_BASE_URL`` + the path of ``endpoint``: for links in mail, PDFs and QR codes.

    Works with or without a request (commands, services), and gives the public address even
    behind a proxy.
    """
    from flask import current_app

    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
