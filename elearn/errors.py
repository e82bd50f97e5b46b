"""Error pages rendered in the shell."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError


def init_app(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/") or request.path.endswith(".json")

    def page(status: int, message: str | None = None):
        if wants_json():
            return {"error": status, "message": message or ""}, status
        return render_template(f"errors/{status}.html", message=message), status

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, getattr(error, "description", None))

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # a Host outside TRUSTED_HOSTS: no URL can be built for it, so no page shell either
        return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return page(400, "The form expired or was not sent from this site. Please try again.")

    @app.errorhandler(403)
    def forbidden(error):
        return page(403)

    @app.errorhandler(404)
    def not_found(error):
        return page(404)

    @app.errorhandler(413)
    def too_large(error):
        return page(413)

    @app.errorhandler(429)
    def too_many(error):
        return page(429)

    @app.errorhandler(500)
    def server_error(error):
        return page(500)
