"""Demo webinars for `make run`: a single one, a weekly series with one moved and one cancelled
session, a cancelled webinar, organised from four time zones. Idempotent (fixed UIDs)."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.webinars import registering, services
from elearn.webinars.models import Webinar
from elearn.webinars.schedule import build_rrule, local_to_utc, sessions
from elearn.webinars.services import WebinarData

JOIN = "https://meet.example.org/brs-{}"


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _course(slug: str) -> int | None:
    return db.session.scalar(sa.select(Course.id).where(Course.slug == slug))


def _day(days_ahead: int) -> date:
    return (utcnow() + timedelta(days=days_ahead)).date()


def _start(days_ahead: int, at: time, zone: str):
    day = _day(days_ahead)
    while True:  # step over a daylight-saving gap should the demo date fall on one
        try:
            return local_to_utc(day, at, zone)
        except ValueError:
            day += timedelta(days=1)


def _make(uid: str, organiser: User, **fields) -> Webinar | None:
    if db.session.scalar(sa.select(Webinar.id).where(Webinar.uid == uid)) is not None:
        return None
    webinar = services.schedule_webinar(organiser, WebinarData(**fields))
    webinar.uid = uid
    services.refresh_derived(webinar)
    db.session.flush()
    return webinar


def seed(participants: int = 0) -> None:
    trainer = _user("trainer@elearn.test")
    admin = _user("admin@elearn.test")
    learner = _user("learner@elearn.test")
    if trainer is None or admin is None:
        return
    single = _make(
        "demo-customs-qa@elearn", trainer,
        title="Customs and the conventions: live questions and answers",
        description="Bring your questions on Basel and Rotterdam procedures at the border.",
        course_id=_course("customs-and-the-conventions"),
        start_utc=_start(3, time(14, 0), "Africa/Nairobi"), timezone="Africa/Nairobi",
        duration_minutes=90, join_url=JOIN.format("customs-qa"), capacity=50, is_public=True,
    )
    series = _make(
        "demo-esm-clinic@elearn", trainer,
        title="ESM of hazardous wastes: weekly clinic",
        description="Weekly clinic on environmentally sound management; one topic per week.",
        course_id=_course("esm-hazardous-wastes"),
        start_utc=_start(2, time(10, 0), "America/Montevideo"), timezone="America/Montevideo",
        duration_minutes=60, join_url=JOIN.format("esm-clinic"), capacity=0, is_public=True,
        rrule=build_rrule("weekly", count=6),
    )
    if series is not None:
        plan = sessions(series)
        services.move_session(series, plan[2].recurrence_utc,
                              plan[2].start_utc + timedelta(days=1, hours=2))
        services.cancel_session(series, plan[3].recurrence_utc)
    cancelled = _make(
        "demo-nip-kickoff@elearn", admin,
        title="NIP review and update: kick-off",
        description="Kick-off for national implementation plan teams.",
        course_id=_course("nip-review-and-update"),
        start_utc=_start(5, time(15, 0), "Asia/Bangkok"), timezone="Asia/Bangkok",
        duration_minutes=60, join_url=JOIN.format("nip-kickoff"), capacity=0, is_public=False,
    )
    if cancelled is not None:
        services.cancel_webinar(cancelled)
    small = _make(
        "demo-pic-briefing@elearn", admin,
        title="Rotterdam PIC procedure: briefing for designated national authorities",
        description="A short briefing with a few places; others join the waiting list.",
        course_id=None, start_utc=_start(9, time(16, 0), "Europe/Zurich"),
        timezone="Europe/Zurich", duration_minutes=45, join_url=JOIN.format("pic-briefing"),
        capacity=2, is_public=True,
    )
    if learner is not None:
        for webinar in (single, series, small):
            if webinar is not None:
                registering.register(webinar.id, learner)
    db.session.flush()
