"""Whose enrolments a report covers (:class:`Scope`), as WHERE clauses, and the tables reports read.

A :class:`Scope` says whose enrolments count: the people of one regional centre (coordinators),
the courses of one trainer, one person (API callers who are learners), or everything (admins),
narrowed by course and by enrolment date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.courses.models import Course
from elearn.enrolments.models import Enrolment
from elearn.quizzes.models import Quiz, QuizAttempt
from elearn.reference.models import Audience, RegionalCentre
from elearn.webinars.models import Registration, Webinar

users = User.__table__
enrolments = Enrolment.__table__
courses = Course.__table__
attempts = QuizAttempt.__table__
quizzes = Quiz.__table__
certificates = Certificate.__table__
registrations = Registration.__table__
webinars = Webinar.__table__
audiences = Audience.__table__
centres = RegionalCentre.__table__

GROUPINGS = ("course", "country", "audience")


@dataclass(frozen=True)
class Scope:
    """Whose enrolments a report covers. ``None`` means no restriction on that axis."""

    #: only people of this regional centre
    centre_id: int | None = None
    #: only courses this trainer owns or co-trains
    trainer_id: int | None = None
    #: only this person's enrolments
    user_id: int | None = None
    #: only this course
    course_id: int | None = None
    #: enrolled on or after this day (UTC)
    date_from: date | None = None
    #: enrolled on or before this day (UTC)
    date_to: date | None = None
    #: only people of this country (ISO code): the participant list a chart bar links to
    country: str | None = None
    #: only people of this target audience
    audience_id: int | None = None

    def narrowed(self, **changes) -> Scope:
        return replace(self, **changes)


def trainer_course_ids(trainer_id: int) -> sa.Select:
    """The ids of the courses ``trainer_id`` owns or co-trains, as a subquery."""
    return sa.select(Course.id).where(Course.trained_by(trainer_id))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def conditions(scope: Scope, *, course_col=None, user_col=None, date_col=None) -> list:
    """WHERE clauses for ``scope``; the query must join ``users`` (for the centre)."""
    course_col = enrolments.c.course_id if course_col is None else course_col
    user_col = enrolments.c.user_id if user_col is None else user_col
    date_col = enrolments.c.enrolled_at if date_col is None else date_col
    where = []
    if scope.centre_id is not None:
        where.append(users.c.centre_id == scope.centre_id)
    if scope.trainer_id is not None:
        where.append(course_col.in_(trainer_course_ids(scope.trainer_id)))
    if scope.user_id is not None:
        where.append(user_col == scope.user_id)
    if scope.course_id is not None:
        where.append(course_col == scope.course_id)
    if scope.date_from is not None:
        where.append(date_col >= _day_start(scope.date_from))
    if scope.date_to is not None:
        where.append(date_col < _day_start(scope.date_to + timedelta(days=1)))
    if scope.country is not None:
        where.append(users.c.country == scope.country)
    if scope.audience_id is not None:
        where.append(users.c.audience_id == scope.audience_id)
    return where


def _enrolments_join():
    return enrolments.join(users, users.c.id == enrolments.c.user_id)
