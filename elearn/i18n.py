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


def text_direction(locale: object) -> str:
    """``"rtl"`` for languages written right to left (Arabic), else ``"ltr"``."""
    from elearn.config import RTL_LANGUAGES

    return "rtl" if str(locale or "").split("_")[0] in RTL_LANGUAGES else "ltr"


def compile_catalogues(directory: str | None = None) -> list[str]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or older.

    `make setup` does this with pybabel; tests and the app's CLI call this so a checkout
    run without make still shows translated pages. Returns the languages compiled.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from elearn.config import TRANSLATIONS_DIR

    compiled = []
    for po_path in sorted(Path(directory or TRANSLATIONS_DIR).glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled.append(po_path.parent.parent.name)
    return compiled
