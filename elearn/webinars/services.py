"""Webinar domain logic: scheduling and changes (the iTIP emails they cause are built in
``elearn.webinars.itip``; registration is in ``elearn.webinars.registering``; the event data in
``elearn.webinars.ics_data``). No request objects here; callers queue the returned mails
(``itip.queue_mails``), then commit.

Every change of time, place (join URL) or status raises the webinar's SEQUENCE and refreshes its
stored iCalendar text, so feeds stay a join of stored bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.reference import services as reference
from elearn.webinars import ical
from elearn.webinars.ics_data import ics_key, recurrence_stamp, to_ics_event
from elearn.webinars.itip import INVITE_BODY, N_, Mail, _mail, _people
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    Webinar,
    WebinarOccurrence,
    WebinarStatus,
)
from elearn.webinars.schedule import (
    Session,
    last_end,
    series_starts,
    sessions,
)


class WebinarError(ValueError):
    """A change that cannot be made (shown to the user as is)."""


# --------------------------------------------------------------------------- iCalendar data


def refresh_derived(webinar: Webinar) -> None:
    """Recompute what is stored for speed: the end of the last session and the VEVENT text."""
    webinar.last_end_utc = last_end(webinar)
    webinar.ics_event = ical.vevent_text(to_ics_event(webinar, with_join=False))
    webinar.ics_event_joined = ical.vevent_text(to_ics_event(webinar))
    webinar.ics_key = ics_key(webinar)


def _changed(webinar: Webinar, *, bump: bool) -> None:
    if bump:
        webinar.sequence += 1
    now = utcnow().replace(microsecond=0)
    # LAST-MODIFIED must rise even for two changes within one second
    webinar.updated_at = max(now, (webinar.updated_at or now) + timedelta(seconds=1)) if bump else now


# --------------------------------------------------------------------------- mail


# --------------------------------------------------------------------------- scheduling


@dataclass
class WebinarData:
    title: str
    description: str
    course_id: int | None
    start_utc: datetime
    timezone: str
    duration_minutes: int
    join_url: str
    capacity: int
    is_public: bool
    rrule: str | None = None
    attendance_threshold: int = 75
    sessions_required: int = 1


def schedule_webinar(organiser: User, data: WebinarData) -> Webinar:
    """Create a webinar (or a series: one row with an RRULE)."""
    now = utcnow().replace(microsecond=0)
    webinar = Webinar(
        organiser_id=organiser.id, title=data.title, description=data.description,
        course_id=data.course_id, start_utc=data.start_utc, timezone=data.timezone,
        duration_minutes=data.duration_minutes, join_url=data.join_url, capacity=data.capacity,
        is_public=data.is_public, rrule=data.rrule,
        attendance_threshold=data.attendance_threshold, sessions_required=data.sessions_required,
        sequence=0, created_at=now,
        updated_at=now, status=WebinarStatus.scheduled,
    )
    webinar.organiser = organiser
    db.session.add(webinar)
    db.session.flush()
    refresh_derived(webinar)
    return webinar


def update_webinar(webinar: Webinar, data: WebinarData) -> list[Mail]:
    """Apply an edit. Time, duration, series or URL changes raise SEQUENCE and email registrants
    a METHOD:REQUEST update; text-only edits update the feeds without mail."""
    if webinar.status is WebinarStatus.cancelled:
        raise WebinarError(_("A cancelled webinar cannot be changed."))
    timing_changed = (
        data.start_utc != webinar.start_utc
        or not reference.same_zone(data.timezone, webinar.timezone)  # an alias renamed: same
        or data.duration_minutes != webinar.duration_minutes or data.rrule != webinar.rrule
    )
    significant = timing_changed or data.join_url != webinar.join_url
    text_changed = (data.title, data.description) != (webinar.title, webinar.description)
    old_capacity = webinar.capacity
    webinar.title = data.title
    webinar.description = data.description
    webinar.course_id = data.course_id
    webinar.start_utc = data.start_utc
    webinar.timezone = data.timezone
    webinar.duration_minutes = data.duration_minutes
    webinar.join_url = data.join_url
    webinar.capacity = data.capacity
    webinar.is_public = data.is_public
    webinar.rrule = data.rrule
    webinar.attendance_threshold = data.attendance_threshold
    webinar.sessions_required = data.sessions_required
    if timing_changed and webinar.overrides:
        # overrides name sessions of the old rule; keep those the new rule still has
        starts = set(series_starts(webinar.start_utc, webinar.timezone, webinar.rrule))
        for override in list(webinar.overrides):
            if override.recurrence_id_utc not in starts:
                webinar.overrides.remove(override)
            else:
                override.recurrence_id_local = recurrence_stamp(webinar,
                                                                override.recurrence_id_utc)
    _changed(webinar, bump=significant or text_changed)
    db.session.flush()
    refresh_derived(webinar)
    mails: list[Mail] = []
    if significant:
        mails += [
            _mail(u, webinar, N_("Changed: %(title)s"), INVITE_BODY, "REQUEST")
            for u in _people(webinar)
        ]
    if webinar.capacity != old_capacity:
        mails += promote_waiting(webinar)
    return mails


def cancel_webinar(webinar: Webinar) -> list[Mail]:
    """Cancel the whole webinar: it stays in feeds with STATUS:CANCELLED; registrants get
    METHOD:CANCEL."""
    if webinar.status is WebinarStatus.cancelled:
        return []
    webinar.status = WebinarStatus.cancelled
    _changed(webinar, bump=True)
    db.session.flush()
    refresh_derived(webinar)
    body = N_("Hello %(name)s,\n\n%(title)s (%(when)s) is cancelled.\n\nDetails: %(url)s")
    return [
        _mail(u, webinar, N_("Cancelled: %(title)s"), body, "CANCEL", start_utc=webinar.start_utc)
        for u in _people(webinar)
    ] + [  # people on the waiting list never had it in their calendar: no attachment
        _mail(u, webinar, N_("Cancelled: %(title)s"), body, None, start_utc=webinar.start_utc)
        for u in _people(webinar, (RegistrationStatus.waitlisted,))
    ]


def find_session(webinar: Webinar, recurrence_utc: datetime) -> Session:
    for session in sessions(webinar):
        if session.recurrence_utc == recurrence_utc:
            return session
    raise WebinarError(_("This session is not part of the series."))


def _override(webinar: Webinar, recurrence_utc: datetime) -> WebinarOccurrence:
    for override in webinar.overrides:
        if override.recurrence_id_utc == recurrence_utc:
            return override
    override = WebinarOccurrence(
        recurrence_id_utc=recurrence_utc,
        recurrence_id_local=recurrence_stamp(webinar, recurrence_utc),
        start_utc=recurrence_utc, status=WebinarStatus.scheduled,
    )
    webinar.overrides.append(override)
    return override


def cancel_session(webinar: Webinar, recurrence_utc: datetime) -> list[Mail]:
    """Cancel one session of a series: EXDATE on the master and a cancelled override."""
    if not webinar.rrule:
        raise WebinarError(_("Only sessions of a series can be cancelled one by one."))
    if webinar.status is WebinarStatus.cancelled:
        raise WebinarError(_("A cancelled webinar cannot be changed."))
    session = find_session(webinar, recurrence_utc)
    if session.cancelled:
        return []
    if sum(1 for s in sessions(webinar) if not s.cancelled) <= 1:
        raise WebinarError(_("This is the last session left: cancel the whole webinar instead."))
    _changed(webinar, bump=True)
    override = _override(webinar, recurrence_utc)
    override.status = WebinarStatus.cancelled
    override.sequence = webinar.sequence
    override.updated_at = webinar.updated_at
    db.session.flush()
    refresh_derived(webinar)
    return [
        _mail(u, webinar, N_("Session cancelled: %(title)s"),
              N_("Hello %(name)s,\n\nThe session of %(title)s on %(when)s is cancelled. "
                 "The other sessions take place as planned.\n\nDetails: %(url)s"),
              "CANCEL", start_utc=session.start_utc, only_session=override)
        for u in _people(webinar)
    ]


def move_session(webinar: Webinar, recurrence_utc: datetime, new_start_utc: datetime) -> list[Mail]:
    """Move one session of a series: a RECURRENCE-ID override with the new DTSTART."""
    if not webinar.rrule:
        raise WebinarError(_("Move a single webinar by editing its time."))
    if webinar.status is WebinarStatus.cancelled:
        raise WebinarError(_("A cancelled webinar cannot be changed."))
    session = find_session(webinar, recurrence_utc)
    if session.cancelled:
        raise WebinarError(_("This session is cancelled."))
    if new_start_utc == session.start_utc:
        return []
    _changed(webinar, bump=True)
    override = _override(webinar, recurrence_utc)
    override.start_utc = new_start_utc
    override.sequence = webinar.sequence
    override.updated_at = webinar.updated_at
    db.session.flush()
    refresh_derived(webinar)
    return [
        _mail(u, webinar, N_("Session moved: %(title)s"),
              N_("Hello %(name)s,\n\nOne session of %(title)s moved. It now starts "
                 "%(when)s.\n\nJoin: %(join)s\nDetails: %(url)s"),
              "REQUEST", start_utc=new_start_utc)
        for u in _people(webinar)
    ]


# --------------------------------------------------------------------------- registration


# --------------------------------------------------------------------------- lists


def upcoming_query(now: datetime | None = None):
    now = now or utcnow()
    return (
        sa.select(Webinar)
        .where(Webinar.last_end_utc > now)
        .options(selectinload(Webinar.overrides), selectinload(Webinar.organiser),
                 selectinload(Webinar.course).selectinload(Course.trainers))
        .order_by(Webinar.start_utc)
    )


def promote_waiting(webinar: Webinar) -> list[Mail]:
    """Move waiting people up, first come first served, while places are free (the caller holds
    the webinar's lock)."""
    if webinar.status is WebinarStatus.cancelled:
        return []
    free = None if webinar.capacity == 0 else webinar.capacity - registered_count(webinar.id)
    query = (
        sa.select(Registration).where(Registration.webinar_id == webinar.id,
                                      Registration.status == RegistrationStatus.waitlisted)
        .order_by(Registration.created_at, Registration.id)
        .options(selectinload(Registration.user))
    )
    if free is not None:
        if free <= 0:
            return []
        query = query.limit(free)
    mails = []
    for registration in db.session.scalars(query):
        registration.status = RegistrationStatus.registered
        mails.append(_mail(
            registration.user, webinar, N_("A place is yours: %(title)s"),
            N_("Hello %(name)s,\n\nA place became free and you are now registered for "
               "%(title)s, %(when)s.\n\nJoin: %(join)s\nDetails: %(url)s"), "REQUEST",
        ))
    db.session.flush()
    return mails


def registered_count(webinar_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.webinar_id == webinar_id,
            Registration.status == RegistrationStatus.registered,
        )
    )
