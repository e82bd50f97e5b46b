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
    #: for a series: how many sessions a person must attend (from reports) to count as having
    #: attended the webinar (capped at the number of sessions)
    sessions_required: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: end of the last session (UTC), kept by the services; "upcoming" means last_end_utc > now
    last_end_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: serialised VEVENTs (master and overrides) as they appear in shared feeds, CRLF lines,
    #: without the join link (people without a place must not get it)
    ics_event: Mapped[str | None] = mapped_column(sa.Text)
    #: the same VEVENTs with the join link, for the personal feed of people with a place
    ics_event_joined: Mapped[str | None] = mapped_column(sa.Text)
    #: what ``ics_event`` and ``ics_event_joined`` were built from: "<sequence>:<updated_at>:<base url>"; stale when different
    ics_key: Mapped[str | None] = mapped_column(sa.String(300))

    course: Mapped[Course | None] = relationship()
    organiser: Mapped[User] = relationship()
    overrides: Mapped[list[WebinarOccurrence]] = relationship(
        back_populates="webinar", order_by="WebinarOccurrence.recurrence_id_utc",
        cascade="all, delete-orphan",
    )

    @property
    def is_series(self) -> bool:
        return bool(self.rrule)

    @property
    def is_cancelled(self) -> bool:
        return self.status is WebinarStatus.cancelled


class WebinarOccurrence(db.Model):
    """An exception to a series: one session moved or cancelled (a RECURRENCE-ID override)."""

    __tablename__ = "webinar_occurrences"
    __table_args__ = (sa.UniqueConstraint("webinar_id", "recurrence_id_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"))
    #: the session's original start as the series gives it, UTC (the RECURRENCE-ID instant)
    recurrence_id_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the same original start in the organiser's local time, as written in RECURRENCE-ID;TZID
    recurrence_id_local: Mapped[str] = mapped_column(sa.String(15))
    #: the session's start after a move, UTC (equal to recurrence_id_utc when only cancelled)
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[WebinarStatus] = mapped_column(
        enum_column(WebinarStatus, "webinar_occurrence_status"),
        default=WebinarStatus.scheduled,
        server_default=WebinarStatus.scheduled.value,
    )
    #: SEQUENCE of this override VEVENT (the webinar's sequence when it last changed)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    webinar: Mapped[Webinar] = relationship(back_populates="overrides")

    @property
    def is_cancelled(self) -> bool:
        return self.status is WebinarStatus.cancelled


class ReminderKind(enum.Enum):
    day = "24h"
    hour = "1h"


class SentReminder(db.Model):
    """A reminder mailed for one session to one person; the unique constraint makes it once only."""

    __tablename__ = "webinar_reminders"
    __table_args__ = (
        sa.UniqueConstraint("webinar_id", "occurrence_utc", "kind", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"))
    #: start of the session the reminder is for (UTC)
    occurrence_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class SessionAttendance(db.Model):
    """Attendance of one registrant at one session of a webinar, as a meeting report gave it.
    The registration's ``attended`` rolls these up (Webinar.sessions_required)."""

    __tablename__ = "session_attendances"
    __table_args__ = (sa.UniqueConstraint("registration_id", "session_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    #: the session's original start from the rule (UTC): its RECURRENCE-ID
    session_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the report's minutes reached the webinar's threshold
    attended: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@sa.event.listens_for(User.password_hash, "set", active_history=True)
def _password_change_revokes_calendar_feed(user, value, oldvalue, initiator):
    """A new password (change or reset) ends the personal calendar feed: a token that leaked
    with a compromised account must not survive the reset. (An argon2 rehash at login, done
    only when the hashing parameters change, ends it too; the user makes a new address.)"""
    if oldvalue not in (None, sa.orm.attributes.NO_VALUE, sa.orm.attributes.NEVER_SET) \
            and value != oldvalue:
        user.calendar_token_hash = None


class CalendarFeedState(db.Model):
    """What a calendar feed last served, so that Last-Modified moves when its content changes
    in a way no remaining event shows (a webinar left the feed: made private, moved to another
    course, a registration cancelled, the series ended)."""

    __tablename__ = "calendar_feed_states"

    #: which feed, in which language: "public:<locale>", "course:<id>:<insider|public>:<locale>",
    #: "user:<id>:<locale>", "webinar:<id>:<locale>"
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: the ETag last served
    etag: Mapped[str] = mapped_column(sa.String(64))
    #: when the feed's content last changed (its Last-Modified is at least this)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
