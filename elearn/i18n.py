"""Locale and time zone of the current request."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from elearn.config import LANGUAGES


def select_locale() -> str:
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config[
        "DEFAULT_LOCALE"
    ]


def select_timezone() -> str:
    if getattr(current_user, "is_authenticated", False):
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]
