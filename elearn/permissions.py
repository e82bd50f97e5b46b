"""Access rules in one place: the role decorator, the 404/403 helper and the named rules
(``can_view_course``, ``can_study``, ``can_manage_course``, ``can_see_person``,
``can_view_certificate``, ``can_change_certificate``, ``can_view_webinar``,
``can_manage_webinar``, ``can_see_join_link``, ``can_see_centre``)
that views, services and the API call instead of writing a rule again. The loaders that fetch
an object and apply these rules (404 or 403, the same way everywhere) are in
``elearn.loaders``."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from elearn.accounts.models import Role
from elearn.courses.models import Course
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db, login_manager
from elearn.webinars.models import RegistrationStatus


def require(*roles: Role):
    """View decorator: the user must be logged in and hold one of ``roles`` (any role if none).

    Anonymous users are sent to the login page; logged-in users without the role get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
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


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def can_manage_course(user, course) -> bool:
    """Change a course, see its results, manage its quizzes: its trainers and admins."""
    return _signed_in(user) and (user.role is Role.admin or course.is_trainer(user))


def can_view_course(user, course) -> bool:
    """A course exists for everyone once published; before that, for its managers only."""
    return course.published or can_manage_course(user, course)


def can_see_person(user, person) -> bool:
    """A participant's person page and report: admins, the coordinators of the person's
    centre, and the trainers of a course the person is (or was) enrolled in."""
    if not _signed_in(user) or person is None:
        return False
    if user.role is Role.admin:
        return True
    if user.role is Role.coordinator:
        return user.centre_id is not None and person.centre_id == user.centre_id
    if user.role is Role.trainer:
        return db.session.scalar(
            sa.select(Enrolment.id).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == person.id, Course.trained_by(user.id)).limit(1)
        ) is not None
    return False


def can_view_certificate(user, certificate) -> bool:
    """A certificate's private page and credentials: its holder, the course's trainers and
    admins, and the coordinators of the holder's centre."""
    if not _signed_in(user):
        return False
    if user.id == certificate.user_id or can_manage_course(user, certificate.course):
        return True
    return user.role is Role.coordinator and can_see_person(user, certificate.user)


def can_change_certificate(user, certificate) -> bool:
    """Revoke and reissue: the course's trainers and admins."""
    return can_manage_course(user, certificate.course)


def can_see_centre(user, centre_id: int | None) -> bool:
    """Coordinators see their own centre only; admins see every centre."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.admin:
        return True
    return user.role is Role.coordinator and centre_id is not None and user.centre_id == centre_id


def can_study(user, course, enrolment) -> bool:
    """Read a course's modules and take its quizzes: learners with an active or completed
    ``enrolment`` (loaded by the caller), the course's trainers and admins."""
    if enrolment is not None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role is Role.admin or course.is_trainer(user)


def studied_course_ids(user) -> set[int]:
    """Ids of the courses ``user`` is enrolled in (active or completed)."""
    import sqlalchemy as sa

    if not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        sa.select(Enrolment.course_id).where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_([EnrolmentStatus.active, EnrolmentStatus.completed]),
        )
    ))


def can_manage_webinar(user, webinar) -> bool:
    """Change, cancel, take attendance of a webinar: its organiser, the trainers of its course
    and admins."""
    if not _signed_in(user):
        return False
    if user.role is Role.admin or user.id == webinar.organiser_id:
        return True
    return (webinar.course is not None and user.role is Role.trainer
            and webinar.course.is_trainer(user))


def can_view_webinar(webinar, user, registration=None, enrolled: set[int] | None = None) -> bool:
    """Public webinars are for everyone; others for the course's learners, registrants and
    managers. ``enrolled``: the user's course ids when the caller already has them."""
    if webinar.is_public or can_manage_webinar(user, webinar):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if registration is not None and registration.status is not RegistrationStatus.cancelled:
        return True
    enrolled = studied_course_ids(user) if enrolled is None else enrolled
    return webinar.course_id is not None and webinar.course_id in enrolled


def can_see_join_link(webinar, user, registration=None) -> bool:
    """The join link of a webinar is for people with a place (not the waiting list) and for the
    webinar's managers; pages, single-event downloads and feeds all follow this rule."""
    if can_manage_webinar(user, webinar):
        return True
    return registration is not None and getattr(registration.status, "value", None) == "registered"
