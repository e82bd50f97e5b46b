"""One loader per object kind: fetch what a URL names and apply an access rule of
``elearn.permissions``, answering the same way everywhere.

- 404 when the object does not exist, or exists but the user may not know it does (an
  unpublished course, another learner's certificate, a private webinar);
- 403 (``hide=False``) when the user may see the object but not do this with it.

The ``rule`` is a predicate ``rule(user, obj) -> bool`` from ``elearn.permissions``; the object
must first pass its kind's visibility rule (``can_view_course``, ``can_view_certificate``,
``can_view_webinar``), so a stricter rule never reveals what the visibility rule hides.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from elearn.accounts.models import User
from elearn.certificates.services import get_by_code
from elearn.courses.models import Course
from elearn.extensions import db
from elearn.permissions import can_view_certificate, can_view_course, ensure
from elearn.quizzes.services import find_quiz
from elearn.webinars.models import Webinar

Rule = Callable[[object, object], bool]


def _apply(user, obj, visible: bool, rule: Rule | None, hide: bool) -> None:
    ensure(obj is not None and visible)
    if rule is not None:
        ensure(rule(user, obj), hide=hide)


def load_course(slug: str, rule: Rule | None = None, *, hide: bool = True):
    """The course named by ``slug`` (audiences loaded), visible to the current user and
    allowed by ``rule``; 404 otherwise (403 for ``rule`` with ``hide=False``)."""
    course = db.session.scalar(
        sa.select(Course).where(Course.slug == slug).options(selectinload(Course.audiences)))
    user = current_user
    _apply(user, course, course is not None and can_view_course(user, course), rule, hide)
    return course


def load_quiz(course, quiz_slug: str):
    """The live (not archived) quiz ``quiz_slug`` of a course loaded by ``load_course``; 404."""
    quiz = find_quiz(course.id, quiz_slug)
    ensure(quiz is not None)
    return quiz


def load_certificate(code: str, rule: Rule | None = None, *, hide: bool = False):
    """The certificate with ``code``, when the current user may view it (404 otherwise) and
    ``rule`` allows (403 otherwise: the user already sees it)."""
    certificate = get_by_code(code)
    user = current_user
    _apply(user, certificate,
           certificate is not None and can_view_certificate(user, certificate), rule, hide)
    return certificate


def load_webinar(webinar_id: int, rule: Rule | None = None, *, hide: bool = True):
    """The webinar (sessions, organiser and course loaded). Without ``rule`` it only has to
    exist (public pages apply ``can_view_webinar`` with the user's registration); with a rule,
    404 (or 403 with ``hide=False``) when it refuses."""
    webinar = db.session.scalar(
        sa.select(Webinar).where(Webinar.id == webinar_id)
        .options(selectinload(Webinar.overrides), selectinload(Webinar.organiser),
                 selectinload(Webinar.course))
    )
    ensure(webinar is not None)
    if rule is not None:
        ensure(rule(current_user, webinar), hide=hide)
    return webinar


def load_person(user_id: int, rule: Rule | None = None, *, hide: bool = True):
    """The account ``user_id``, when ``rule`` (e.g. ``can_see_person``) allows the current
    user to see it; 404 otherwise (403 with ``hide=False``)."""
    person = db.session.get(User, user_id)
    ensure(person is not None)
    if rule is not None:
        ensure(rule(current_user, person), hide=hide)
    return person
