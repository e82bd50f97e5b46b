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
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalog"))
    return render_template("home.html")


@bp.route("/language", methods=["GET", "POST"])
def set_language():
    """Switch the interface language: plain links in the footer (GET, no script, no CSRF
    token needed on anonymous pages); a logged-in user's choice is saved to their profile,
    so mails and certificates follow it too. Only a choice of language can be made here."""
    values = request.values
    code = values.get("locale", "")
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            db.session.flush()
    target = values.get("next")
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
