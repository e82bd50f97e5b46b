"""Core pages: home, language choice, health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from elearn.config import LANGUAGES
from elearn.extensions import db
from elearn.urls import is_safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated and "courses.catalog" in _endpoints():
        return redirect(url_for("courses.catalog"))
    return render_template("home.html")


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


@bp.route("/language", methods=["POST"])
def set_language():
    code = request.form.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.flush()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.home"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page: answer with the icon, cached for a day."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.static_folder, "img/favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
