"""Security headers sent with every response; proxies and host names the app trusts."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(  # noqa: FLY002 - one directive a line
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-* headers of ``ELEARN_PROXY_COUNT`` reverse proxies (default 0:
    none). Behind one proxy, the client address (rate limits, logs) is then the real one and
    not the proxy's; with 0, a forged X-Forwarded-For changes nothing."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count,
                                x_prefix=count)


def init_app(app: Flask) -> None:
    # Requests for a host outside TRUSTED_HOSTS (Flask >= 3.1, set from ELEARN_TRUSTED_HOSTS in
    # elearn.config) are refused with 400 by Flask itself.
    trust_proxies(app)
    app.after_request(add_security_headers)
