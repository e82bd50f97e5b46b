"""State kept for one request only, per purpose: in the request's WSGI environ, not ``g``, which
outlives a request inside a test's app context (the test client shares one across requests)."""

from __future__ import annotations

from flask import has_request_context, request


def request_state(name: str) -> dict:
    """The current request's dict for ``name``; a throwaway dict outside requests."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(f"elearn.{name}", {})
