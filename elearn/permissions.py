"""Role and ownership checks, used by every view through one decorator and one helper."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from elearn.accounts.models import Role


def require(*roles: Role):
    """View decorator: the user must be logged in and hold one of ``roles`` (any role if none).

    Anonymous users are sent to the login page; logged-in users without the role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from elearn.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles and current_user.role is not Role.admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure(allowed: bool, *, hide: bool = True) -> None:
    """Ownership check inside a view: 404 (hide the object exists) or 403 when not allowed."""
    if not allowed:
        abort(404 if hide else 403)


def can_manage_course(user, course) -> bool:
    return course.can_manage(user)


def can_see_centre(user, centre_id: int | None) -> bool:
    """Coordinators see their own centre only; admins see every centre."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.admin:
        return True
    return user.role is Role.coordinator and centre_id is not None and user.centre_id == centre_id


def can_see_join_link(webinar, user, registration=None) -> bool:
    """The join link of a webinar is for people with a place (not the waiting list) and for the
    webinar's managers; pages, single-event downloads and feeds all follow this rule."""
    if webinar.can_manage(user):
        return True
    return registration is not None and getattr(registration.status, "value", None) == "registered"
