from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db


class EnrolmentStatus(enum.Enum):
    active = "active"
    completed = "completed"
    withdrawn = "withdrawn"


class EnrolmentSource(enum.Enum):
    self = "self"
    bulk = "bulk"
    trainer = "trainer"


class Enrolment(db.Model):
    """A learner taking a course: one per user and course."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        sa.Index("ix_enrolments_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus, "enrolment_status"),
        default=EnrolmentStatus.active,
        server_default=EnrolmentStatus.active.value,
    )
    #: how the enrolment was made
    source: Mapped[EnrolmentSource] = mapped_column(
        enum_column(EnrolmentSource, "enrolment_source"),
        default=EnrolmentSource.self,
        server_default=EnrolmentSource.self.value,
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: share of the course done, 0-100, kept up to date by the completion service
    progress_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    #: this learner's time on timed quizzes, in percent of their limit (None: the course's default)
    quiz_time_percent: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()


class ModuleProgress(db.Model):
    """A module marked as done within an enrolment."""

    __tablename__ = "module_progress"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestStatus(enum.Enum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


class EnrolmentRequest(db.Model):
    """A learner asking for a place in a restricted course their audience is not listed for."""

    __tablename__ = "enrolment_requests"
    __table_args__ = (
        # at most one pending request per user and course (decided ones are kept as history)
        sa.Index(
            "uq_enrolment_requests_one_pending", "user_id", "course_id", unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_enrolment_requests_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the learner asking
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "enrolment_request_status"),
        default=RequestStatus.pending,
        server_default=RequestStatus.pending.value,
    )
    #: why the learner asks (optional, shown to the deciders)
    message: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: trainer, coordinator or admin who approved or declined
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: note sent to the learner with the decision (optional)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
