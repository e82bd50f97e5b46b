from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db


class WebinarStatus(enum.Enum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class RegistrationStatus(enum.Enum):
    registered = "registered"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


def new_uid() -> str:
    return f"{uuid.uuid4()}@elearn"


class Webinar(db.Model):
    """A live session (or a series of them, by recurrence rule)."""

    __tablename__ = "webinars"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: iCalendar UID, never changes
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True, default=new_uid)
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    organiser_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: first session's start, UTC
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: organiser's IANA time zone; the series recurs in local time of this zone
    timezone: Mapped[str] = mapped_column(sa.String(64))
    duration_minutes: Mapped[int] = mapped_column(default=60)
    #: https link of the meeting room
    join_url: Mapped[str] = mapped_column(sa.String(500))
    #: 0 means unlimited
    capacity: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[WebinarStatus] = mapped_column(
        enum_column(WebinarStatus, "webinar_status"),
        default=WebinarStatus.scheduled,
        server_default=WebinarStatus.scheduled.value,
    )
    #: iCalendar SEQUENCE, raised on each change of time, place or status
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    #: RFC 5545 RRULE value (without the ``RRULE:`` prefix), or None for a single session
    rrule: Mapped[str | None] = mapped_column(sa.String(200))
    #: listed in the public feed
    is_public: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: share of a session (percent) a person must attend to count as attended
    attendance_threshold: Mapped[int] = mapped_column(default=75, server_default="75")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course | None] = relationship()
    organiser: Mapped[User] = relationship()


class Registration(db.Model):
    """A person registered (or waiting) for a webinar."""

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("webinar_id", "user_id"),
        sa.Index("ix_registrations_webinar_status", "webinar_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status"),
        default=RegistrationStatus.registered,
        server_default=RegistrationStatus.registered.value,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when attendance was recorded (by hand or from a meeting report)
    attended: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    minutes_attended: Mapped[int | None] = mapped_column()

    webinar: Mapped[Webinar] = relationship()
    user: Mapped[User] = relationship()
