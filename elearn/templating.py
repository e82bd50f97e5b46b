"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, get_locale
from flask_login import current_user
from jinja2 import pass_context
from wtforms import Form as BaseForm

from elearn import number_format
from elearn.accounts.models import Role
from elearn.config import LANGUAGES
from elearn.enrolments.place_requests import waiting_request_count
from elearn.i18n import language_name, text_direction
from elearn.webinars.display import zone_place


def nav_items() -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the navigation, by role (a missing endpoint fails the page)."""
    from flask_babel import gettext as _

    items = [("courses.catalog", _("Courses")), ("webinars.index", _("Webinars"))]
    if current_user.is_authenticated:
        items.append(("enrolments.my_learning", _("My learning")))
        if current_user.role in (Role.trainer, Role.admin):
            items.append(("reports.trainer_reports", _("My courses' results")))
        if current_user.role in (Role.trainer, Role.coordinator, Role.admin):
            from flask_babel import ngettext

            waiting = waiting_request_count(current_user)
            items.append(("enrolments.requests", ngettext(
                "%(num)s request waiting", "%(num)s requests waiting", waiting)
                if waiting else _("Place requests")))
        if current_user.role is Role.coordinator:
            items.append(("reports.centre_dashboard", _("Centre")))  # admins: Administration
    return items


def admin_nav_items() -> list[tuple[str, str]]:
    """(endpoint, label) pairs of the admins' own pages: one "Administration" menu in the
    header, so that the header stays on one line at 1280 px."""
    from flask_babel import gettext as _

    if not (current_user.is_authenticated and current_user.role is Role.admin):
        return []
    return [("reports.centre_dashboard", _("Regional centres")), ("accounts.admin_users", _("Users")),
            ("certificates.admin_search", _("Certificates")),
            ("reference.index", _("Reference data")), ("outbox.index", _("Mail"))]


def format_when(value) -> str:
    """THE date-and-time format of every page: the locale's medium date and short time, in the
    user's time zone, no seconds ("Nov 30, 2026, 2:34 PM"; the webinar pages use the same
    pieces). Templates use it as ``|datetime``."""
    from flask_babel import format_time
    from flask_babel import gettext as _

    if not value:
        return ""
    return _("%(date)s, %(time)s", date=format_date(value, "medium"),
             time=format_time(value, "short"))


def format_day(value) -> str:
    """THE date format of every page (``|date``): the locale's medium date."""
    return format_date(value, "medium") if value else ""


def datetime_with_zone(value) -> str:
    """``format_when`` followed by the user's time zone, for deadlines where the zone matters:
    "Nov 30, 2026, 3:49 PM (Zurich time)"."""
    from flask_babel import get_timezone
    from flask_babel import gettext as _

    if not value:
        return ""
    return _("%(time)s (%(zone)s time)", time=format_when(value),
             zone=zone_place(str(get_timezone()), str(get_locale())))


def content_lang(code: str | None):
    """`` lang=".." dir=".."`` for an element holding content written in ``code`` (course and
    quiz text may be in another language than the interface: WCAG 3.1.2)."""
    from markupsafe import Markup, escape

    if not code:
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (escape(code), text_direction(code))


@pass_context
def forms_with_errors(context) -> list:
    """The page's forms (any WTForms form in the template context) that failed validation, for
    the error summary and the "Error:" title that base.html shows on every page."""
    seen = []
    for value in context.get_all().values():
        if isinstance(value, BaseForm) and value.errors and all(value is not f for f in seen):
            seen.append(value)
    return seen


def error_links(form) -> list[tuple[str | None, str]]:
    """(field id or None, message) for every error of ``form``, in field order."""
    links = []
    for f in form:
        for error in f.errors if isinstance(f.errors, list) else []:
            visible = f.widget.input_type != "hidden" if hasattr(f.widget, "input_type") else True
            links.append((f.id if visible else None, error))
    return links


def language_links(next_path: str) -> list[tuple[str, str, str, str]]:
    """(code, name, direction, href) of the footer's language switch, back to ``next_path``:
    one URL built per page (not one per language)."""
    from urllib.parse import quote

    from flask import url_for

    base = url_for("core.set_language")
    back = quote(next_path, safe="/")
    return [(code, name, text_direction(code), f"{base}?locale={code}&next={back}")
            for code, name in LANGUAGES.items()]


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        # one format per locale everywhere: the fmt argument of older templates is ignored
        datetime=lambda value, fmt=None: format_when(value),
        date=lambda value, fmt=None: format_day(value),
        datetime_zone=datetime_with_zone,
        decimal=number_format.decimal,
        percent=number_format.percent,
    )

    @app.after_request
    def language_headers(response):
        # Pages are in the language chosen by cookie or Accept-Language: caches must key on both.
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", str(get_locale()).replace("_", "-"))
            response.vary.update(("Accept-Language", "Cookie"))
        return response

    @app.context_processor
    def shell_context():
        locale = str(get_locale())
        current_path = request.full_path.rstrip("?") if request else "/"
        return {
            # the page's language and direction, worked out once per page (the shell uses them
            # many times)
            "page_locale": locale,
            "page_dir": text_direction(locale),
            "language_links": language_links(current_path),
            "nav_items": nav_items,
            "admin_nav_items": admin_nav_items,
            "get_locale": get_locale,
            "languages": LANGUAGES,
            # text_direction(): the page's; text_direction(code): content written in ``code``
            "text_direction": lambda code=None: text_direction(
                get_locale() if code is None else code),
            "language_name": language_name,
            "Role": Role,
            "forms_with_errors": forms_with_errors,
            "content_lang": content_lang,
            "error_links": error_links,
            "current_path": current_path,
        }
