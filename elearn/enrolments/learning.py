"""My learning: the learner's courses with progress, for the dashboard page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from elearn.certificates.models import Certificate
from elearn.courses.models import Course
from elearn.enrolments.models import (
    Enrolment,
    EnrolmentRequest,
    EnrolmentStatus,
    RequestStatus,
)
from elearn.extensions import db


@dataclass(frozen=True)
class LearningRow:
    enrolment_id: int
    status: EnrolmentStatus
    progress: int
    enrolled_at: datetime
    completed_at: datetime | None
    course_slug: str
    course_title: str
    certificate_code: str | None
    certificate_revoked: bool


@dataclass
class MyLearning:
    current: list[LearningRow]
    completed: list[LearningRow]
    withdrawn: list[LearningRow]
    pending_requests: list[tuple[str, str, datetime]]  # (course slug, title, asked at)


def my_learning(user_id: int) -> MyLearning:
    """Everything "My learning" shows, in two queries whatever the number of enrolments."""
    rows = db.session.execute(
        sa.select(
            Enrolment.id, Enrolment.status, Enrolment.progress_percent, Enrolment.enrolled_at,
            Enrolment.completed_at, Course.slug, Course.title, Certificate.code,
            Certificate.revoked_at,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Certificate, sa.and_(Certificate.user_id == Enrolment.user_id,
                                        Certificate.course_id == Enrolment.course_id))
        .where(Enrolment.user_id == user_id)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    ).all()
    result = MyLearning([], [], [], [])
    for (enrolment_id, status, progress, enrolled_at, completed_at, slug, title, code,
         revoked_at) in rows:
        row = LearningRow(enrolment_id, status, progress, enrolled_at, completed_at, slug, title,
                          code, revoked_at is not None)
        {EnrolmentStatus.active: result.current, EnrolmentStatus.completed: result.completed,
         EnrolmentStatus.withdrawn: result.withdrawn}[status].append(row)
    result.completed.sort(key=lambda r: r.completed_at or r.enrolled_at, reverse=True)
    result.pending_requests = [tuple(r) for r in db.session.execute(
        sa.select(Course.slug, Course.title, EnrolmentRequest.created_at)
        .join(Course, Course.id == EnrolmentRequest.course_id)
        .where(EnrolmentRequest.user_id == user_id,
               EnrolmentRequest.status == RequestStatus.pending)
        .order_by(EnrolmentRequest.created_at)
    )]
    return result
