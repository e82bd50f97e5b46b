"""Locale and time zone of the current request."""

from __future__ import annotations

import functools

from flask import current_app, request, session
from flask_login import current_user

from elearn.config import LANGUAGES, RTL_LANGUAGES, TRANSLATIONS_DIR


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
    code = str(locale or "").replace("-", "_").split("_")[0].lower()
    return "rtl" if code in RTL_LANGUAGES else "ltr"


def compile_catalogues(directory: str | None = None) -> list[str]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or older.

    `make setup` does this with pybabel; tests and the app's CLI call this so a checkout
    run without make still shows translated pages. Returns the languages compiled.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

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


def _column_names() -> dict[str, str]:
    """Export column headers in the current language (context "column": the English header
    is the column's identifier, kept as it was so English exports do not change)."""
    from flask_babel import pgettext

    return {
        # participants export (reports)
        "name": pgettext("column", "name"),
        "email": pgettext("column", "email"),
        "country": pgettext("column", "country"),
        "audience": pgettext("column", "audience"),
        "centre": pgettext("column", "centre"),
        "course": pgettext("column", "course"),
        "course_title": pgettext("column", "course_title"),
        "status": pgettext("column", "status"),
        "progress_percent": pgettext("column", "progress_percent"),
        "enrolled_at": pgettext("column", "enrolled_at"),
        "completed_at": pgettext("column", "completed_at"),
        "certificate_code": pgettext("column", "certificate_code"),
        # breakdowns export (reports)
        "breakdown": pgettext("column", "breakdown"),
        "key": pgettext("column", "key"),
        "label": pgettext("column", "label"),
        "participants": pgettext("column", "participants"),
        "enrolments": pgettext("column", "enrolments"),
        "in_progress": pgettext("column", "in_progress"),
        "completed": pgettext("column", "completed"),
        "withdrawn": pgettext("column", "withdrawn"),
        "completion_rate": pgettext("column", "completion_rate"),
        "median_days_to_complete": pgettext("column", "median_days_to_complete"),
        "average_best_quiz_score": pgettext("column", "average_best_quiz_score"),
        "certificates": pgettext("column", "certificates"),
        "webinar_registrations": pgettext("column", "webinar_registrations"),
        "webinar_attended": pgettext("column", "webinar_attended"),
        # webinar registrations export
        "registered_at": pgettext("column", "registered_at"),
        "attended": pgettext("column", "attended"),
        "minutes_attended": pgettext("column", "minutes_attended"),
        # quiz item analysis export
        "quiz": pgettext("column", "quiz"),
        "attempts": pgettext("column", "attempts"),
        "learners": pgettext("column", "learners"),
        "pass rate %": pgettext("column", "pass rate %"),
        "average score %": pgettext("column", "average score %"),
        "position": pgettext("column", "position"),
        "question": pgettext("column", "question"),
        "type": pgettext("column", "type"),
        "archived": pgettext("column", "archived"),
        "answered": pgettext("column", "answered"),
        "right": pgettext("column", "right"),
        "share right %": pgettext("column", "share right %"),
        "most chosen wrong answer": pgettext("column", "most chosen wrong answer"),
        "times chosen": pgettext("column", "times chosen"),
    }


def column_labels(columns) -> list[str]:
    """The headers of a CSV or XLSX export in the reader's language."""
    names = _column_names()
    return [names.get(column, column) for column in columns]


def language_name(code: str, locale: object = None) -> str:
    """The name of language ``code`` in the reader's language ("French", "français",
    "الفرنسية"); the code itself when Babel does not know it."""
    from flask_babel import get_locale

    return _language_name(code, str(locale or get_locale() or "en"))


@functools.lru_cache(maxsize=1024)
def _language_name(code: str, locale: str) -> str:
    """Babel's display name (parsing locales is slow; the answer never changes)."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name or code
