"""Enrolment: who may enrol, enrolling, marking a module done, withdrawing.

Completion lives in ``elearn.enrolments.completion``, requests for a place in
``elearn.enrolments.place_requests``, the learner's dashboard in ``elearn.enrolments.learning``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from elearn.courses.models import Course, EnrolmentPolicy, Module
from elearn.enrolments.completion import recompute_progress
from elearn.enrolments.models import (
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    ModuleProgress,
)
from elearn.extensions import db
from elearn.permissions import can_manage_course


def get_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def active_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The enrolment that lets a user study a course (active or completed), or None."""
    return studying(get_enrolment(user_id, course_id))


def studying(enrolment: Enrolment | None) -> Enrolment | None:
    """``enrolment`` when it lets its user study (active or completed), else None."""
    if enrolment is None or enrolment.status is EnrolmentStatus.withdrawn:
        return None
    return enrolment


def enrol(user, course: Course, source: EnrolmentSource = EnrolmentSource.self) -> Enrolment:
    """Enrol ``user`` (or re-activate a withdrawn enrolment, keeping its progress).

    Access rules (audience, requests) are checked by the caller; the database's unique
    constraint keeps one enrolment per user and course.
    """
    enrolment = get_enrolment(user.id, course.id)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, source=source)
        db.session.add(enrolment)
        db.session.flush()
    elif enrolment.status is EnrolmentStatus.withdrawn:
        enrolment.status = EnrolmentStatus.active
    recompute_progress(enrolment)
    return enrolment


def mark_module_done(enrolment: Enrolment, module: Module) -> ModuleProgress:
    """Record the module as done in this enrolment (idempotent) and recompute completion."""
    if module.course_id != enrolment.course_id:
        raise ValueError("module of another course")
    progress = db.session.scalar(
        sa.select(ModuleProgress).where(
            ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id
        )
    )
    if progress is None:
        progress = ModuleProgress(enrolment_id=enrolment.id, module_id=module.id)
        db.session.add(progress)
        db.session.flush()
    recompute_progress(enrolment)
    return progress


# --- who may enrol ----------------------------------------------------------------------------

#: reason codes returned by ``enrolment_block``
BLOCK_AUDIENCE = "audience"
BLOCK_UNPUBLISHED = "unpublished"


def enrolment_block(user, course: Course) -> str | None:
    """None when ``user`` may enrol in ``course`` in one click, else the reason code.

    Open courses take everyone; restricted courses take the audiences they list. The course's
    trainers and admins may always enrol (to try the course as a learner sees it).
    """
    if can_manage_course(user, course):
        return None
    if not course.published:
        return BLOCK_UNPUBLISHED
    if course.enrolment_policy is EnrolmentPolicy.open:
        return None
    if any(audience.id == user.audience_id for audience in course.audiences):
        return None
    return BLOCK_AUDIENCE


def block_message(reason: str | None, course: Course) -> str:
    """The sentence that explains a block to the learner."""
    if reason == BLOCK_AUDIENCE:
        names = ", ".join(audience.name for audience in course.audiences)
        return _("This course is reserved for: %(audiences)s. You can ask the course's trainers "
                 "for a place.", audiences=names)
    if reason == BLOCK_UNPUBLISHED:
        return _("This course is not open for enrolment yet.")
    return ""


class EnrolmentRefused(Exception):
    """The user may not enrol themselves; ``reason`` is a block code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def enrol_self(user, course: Course) -> Enrolment:
    """One-click enrolment of ``user`` by themselves, after the audience rules."""
    reason = enrolment_block(user, course)
    if reason is not None:
        raise EnrolmentRefused(reason)
    return enrol(user, course, EnrolmentSource.self)


def withdraw(enrolment: Enrolment) -> bool:
    """Withdraw an active enrolment (its progress is kept for a later re-enrolment).

    Completed enrolments are not withdrawn: their certificate stands. Returns True when the
    status changed.
    """
    if enrolment.status is not EnrolmentStatus.active:
        return False
    enrolment.status = EnrolmentStatus.withdrawn
    db.session.flush()
    return True
