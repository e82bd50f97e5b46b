"""Webinar domain logic: scheduling, changes, registration with a waiting list, and the iTIP
emails they cause. No request objects here; callers queue the returned mails (``queue_mails``),
then commit.

Every change of time, place (join URL) or status raises the webinar's SEQUENCE and refreshes its
stored iCalendar text, so feeds stay a join of stored bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.mail import Attachment, send_mail
from elearn.reference import services as reference
from elearn.urls import absolute_url
from elearn.webinars import ical
from elearn.webinars.display import when_text
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    Webinar,
    WebinarOccurrence,
    WebinarStatus,
)
from elearn.webinars.schedule import (
    Session,
    clock_change_sessions,
    last_end,
    rule_wall_time,
    series_starts,
    sessions,
)


class WebinarError(ValueError):
    """A change that cannot be made (shown to the user as is)."""


# --------------------------------------------------------------------------- iCalendar data


def base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def webinar_url(webinar: Webinar) -> str:
    return absolute_url("webinars.show", webinar_id=webinar.id)


def to_ics_event(webinar: Webinar, join_text: str = "", *,
                 with_join: bool = True) -> ical.IcsEvent:
    """The pure-data view of a webinar that ical.py serialises; ``with_join=False`` leaves the
    join link out (for shared feeds); ``join_text`` is the join line in a recipient's language
    (invitations)."""
    return ical.IcsEvent(
        join_text=join_text,
        uid=webinar.uid,
        title=webinar.title,
        description=webinar.description or "",
        start_utc=webinar.start_utc,
        timezone=webinar.timezone,
        duration_minutes=webinar.duration_minutes,
        join_url=webinar.join_url if with_join else None,
        url=webinar_url(webinar),
        organiser_name=webinar.organiser.name,
        organiser_email=webinar.organiser.email,
        sequence=webinar.sequence,
        last_modified=webinar.updated_at,
        cancelled=webinar.status is WebinarStatus.cancelled,
        rrule=webinar.rrule,
        overrides=tuple(
            ical.IcsOverride(
                recurrence_id_local=o.recurrence_id_local, start_utc=o.start_utc,
                cancelled=o.status is WebinarStatus.cancelled, sequence=o.sequence,
                last_modified=o.updated_at,
            )
            for o in webinar.overrides
        ),
        created=webinar.created_at,
        pinned=tuple(
            (wall.strftime("%Y%m%dT%H%M%S"), instant)
            for instant, wall, _kind in clock_change_sessions(webinar.start_utc, webinar.timezone,
                                                              webinar.rrule)
        ),
    )


def recurrence_stamp(webinar: Webinar, recurrence_utc: datetime) -> str:
    """RECURRENCE-ID/EXDATE value of a session: the local time the rule generates it at."""
    return rule_wall_time(recurrence_utc, webinar.start_utc,
                          webinar.timezone).strftime("%Y%m%dT%H%M%S")


def ics_key(webinar: Webinar, site: str | None = None) -> str:
    """What the stored text depends on besides the webinar's own columns (changes raise
    updated_at): the sequence, the modification time and the site address.

    ``webinar`` may be a model or a row with ``sequence`` and ``updated_at`` columns;
    ``site`` (default ``base_url()``) lets a caller comparing many rows read it once."""
    site = base_url() if site is None else site
    return f"{webinar.sequence}:{webinar.updated_at.isoformat()}:{site}"


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


def N_(message: str) -> str:
    """Mark a message for extraction (pybabel -k N_); it is translated when the mail is built,
    in the recipient's locale."""
    return message


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def queue_mails(mails: list[Mail]) -> None:
    """Put mails prepared by a service in the outbox, in the caller's transaction (before it
    commits): they leave with the change, or not at all."""
    for mail in mails:
        send_mail(mail.to, mail.subject, mail.text, mail.attachments)


def invite_attachment(webinar: Webinar, user: User, method: str,
                      only_session: WebinarOccurrence | None = None) -> Attachment:
    """``invite.ics`` for one recipient: METHOD:REQUEST (new or changed) or METHOD:CANCEL."""
    with force_locale(user.locale or "en"):
        event = to_ics_event(webinar, _("Join: %(link)s", link=webinar.join_url))
    content = ical.events_to_ical(
        [event], name=webinar.title, method=method, attendee=(user.email, user.name),
        only_override=only_session.recurrence_id_local if only_session else None,
        include_master=only_session is None,
    )
    return Attachment(
        filename="invite.ics", content=content, mimetype="text/calendar",
        params={"method": method, "charset": "utf-8"},
    )


def _people(webinar: Webinar, statuses=(RegistrationStatus.registered,)) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.webinar_id == webinar.id, Registration.status.in_(statuses))
        .order_by(User.id)
    ))


def _mail(user: User, webinar: Webinar, subject_fmt: str, body_fmt: str, method: str | None,
          start_utc: datetime | None = None, only_session: WebinarOccurrence | None = None,
          **extra) -> Mail:
    with force_locale(user.locale or "en"):
        when = when_text(start_utc or next_start(webinar) or webinar.start_utc,
                         webinar.timezone, user.timezone, user.locale or "en")
        values = dict(title=webinar.title, when=when, url=webinar_url(webinar),
                      join=webinar.join_url, name=user.name, **extra)
        subject = _(subject_fmt, **values)
        text = _(body_fmt, **values)
    attachments = [invite_attachment(webinar, user, method, only_session)] if method else []
    return Mail(user.email, subject, text, attachments)


INVITE_BODY = N_(
    "Hello %(name)s,\n\n%(title)s\n%(when)s\n\nJoin: %(join)s\nDetails: %(url)s\n\n"
    "The attached invitation adds it to your calendar (or updates it)."
)


def invitation(webinar: Webinar, user: User) -> Mail:
    return _mail(user, webinar, N_("Registered: %(title)s"), INVITE_BODY, "REQUEST")


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


def next_start(webinar: Webinar, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    for session in sessions(webinar):
        if session.end_utc > now and not session.cancelled:
            return session.start_utc
    return None


# --------------------------------------------------------------------------- registration


def lock_webinar(webinar_id: int) -> Webinar | None:
    """Load the webinar holding its row lock until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks: a no-op UPDATE takes the
    database write lock, so concurrent registrations run one after the other (a stale reader
    gets "database is locked" and the caller retries, see ``elearn.database.retrying``).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Webinar).where(Webinar.id == webinar_id)
                           .values(capacity=Webinar.capacity))
    webinar = db.session.scalar(
        sa.select(Webinar).where(Webinar.id == webinar_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    return webinar


def registered_count(webinar_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.webinar_id == webinar_id,
            Registration.status == RegistrationStatus.registered,
        )
    )


def registration_of(webinar_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(Registration.webinar_id == webinar_id,
                                      Registration.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def register(webinar_id: int, user: User) -> tuple[Registration, list[Mail]]:
    """Register ``user``: a place when one is free, else the waiting list. Idempotent."""
    webinar = lock_webinar(webinar_id)
    if webinar is None:
        raise WebinarError(_("This webinar does not exist."))
    if webinar.status is WebinarStatus.cancelled:
        raise WebinarError(_("This webinar is cancelled."))
    if webinar.last_end_utc is not None and webinar.last_end_utc <= utcnow():
        raise WebinarError(_("This webinar is over."))
    registration = registration_of(webinar.id, user.id)
    if registration is not None and registration.status is not RegistrationStatus.cancelled:
        return registration, []
    full = webinar.capacity > 0 and registered_count(webinar.id) >= webinar.capacity
    status = RegistrationStatus.waitlisted if full else RegistrationStatus.registered
    if registration is None:
        registration = Registration(webinar_id=webinar.id, user_id=user.id, status=status,
                                    created_at=utcnow())
        db.session.add(registration)
    else:
        registration.status = status
        registration.created_at = utcnow()  # back of the queue
    db.session.flush()
    mails = [invitation(webinar, user)] if status is RegistrationStatus.registered else []
    return registration, mails


def unregister(webinar_id: int, user: User) -> list[Mail]:
    """Give up a place (or leave the waiting list); the first waiting person moves up."""
    webinar = lock_webinar(webinar_id)
    if webinar is None:
        raise WebinarError(_("This webinar does not exist."))
    registration = registration_of(webinar.id, user.id)
    if registration is None or registration.status is RegistrationStatus.cancelled:
        return []
    was_registered = registration.status is RegistrationStatus.registered
    registration.status = RegistrationStatus.cancelled
    db.session.flush()
    mails = []
    if was_registered and webinar.status is WebinarStatus.scheduled:
        mails.append(_mail(user, webinar, N_("Unregistered: %(title)s"),
                           N_("Hello %(name)s,\n\nYou are no longer registered for %(title)s."),
                           "CANCEL"))
        mails += promote_waiting(webinar)
    return mails


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


def registrations(webinar_id: int) -> list[tuple[Registration, User]]:
    return list(db.session.execute(
        sa.select(Registration, User).join(User, User.id == Registration.user_id)
        .where(Registration.webinar_id == webinar_id)
        .order_by(Registration.status, Registration.created_at, Registration.id)
    ).all())


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
