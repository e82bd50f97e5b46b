"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user

from elearn.accounts.models import Role
from elearn.config import LANGUAGES


def nav_items() -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the navigation, by role; endpoints that don't exist are skipped."""
    from flask import current_app
    from flask_babel import gettext as _

    items = [("courses.catalog", _("Courses")), ("webinars.index", _("Webinars"))]
    if current_user.is_authenticated:
        items.append(("enrolments.my_learning", _("My learning")))
        if current_user.role in (Role.trainer, Role.admin):
            items.append(("reports.trainer_reports", _("My courses' results")))
        if current_user.role in (Role.coordinator, Role.admin):
            items.append(("reports.centre_dashboard", _("Centre")))
        if current_user.role is Role.admin:
            items.append(("accounts.admin_users", _("Users")))
            items.append(("reference.index", _("Reference data")))
            items.append(("outbox.index", _("Mail")))
    return [(endpoint, label) for endpoint, label in items if endpoint in current_app.view_functions]


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        decimal=format_decimal,
        percent=format_percent,
    )

    @app.context_processor
    def shell_context():
        return {
            "nav_items": nav_items,
            "get_locale": get_locale,
            "languages": LANGUAGES,
            "Role": Role,
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
