"""Calendar feeds: which webinars each feed holds, read as stored VEVENT text in one query.

A feed is a handful of queries whatever its size: the webinar rows' stored ``ics_event`` are
joined with the VTIMEZONEs of their zones. Rows whose stored text is stale (the site address
changed, or a row written by an older version) are rebuilt in memory from one extra query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from elearn.accounts.models import Role, User
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.webinars import ical
from elearn.webinars.ics_data import base_url, ics_key, to_ics_event
from elearn.webinars.models import CalendarFeedState, Registration, RegistrationStatus, Webinar
from elearn.webinars.services import refresh_derived


@dataclass
class Feed:
    body: bytes
    last_modified: datetime | None
    etag: str


def build_feed(condition, name: str, key: str | None = None, joined=None) -> Feed:
    """The calendar of the webinars matching ``condition`` (a SQL expression on Webinar).

    Join links are left out, except in the webinars matching ``joined`` (a SQL expression:
    those where the reader has a place or which they manage, see ``joined_condition``).

    With ``key`` (which feed this is), Last-Modified also moves when the feed's content
    changes without a remaining event changing, e.g. when a webinar leaves the feed: a client
    sending only If-Modified-Since then gets the new calendar, not a 304."""
    joined = sa.false() if joined is None else joined
    rows = db.session.execute(
        sa.select(Webinar.id, Webinar.timezone,
                  sa.case((joined, Webinar.ics_event_joined), else_=Webinar.ics_event)
                  .label("text"),
                  sa.case((joined, 1), else_=0).label("joined"),
                  Webinar.ics_key, Webinar.sequence, Webinar.updated_at)
        .where(condition)
        .order_by(Webinar.start_utc, Webinar.id)
    ).all()
    site = base_url()
    stale = {r.id: bool(r.joined) for r in rows
             if r.text is None or r.ics_key != ics_key(r, site)}
    rebuilt: dict[int, str] = {}
    if stale:
        for webinar in db.session.scalars(
            sa.select(Webinar).where(Webinar.id.in_(stale))
            .options(selectinload(Webinar.overrides), selectinload(Webinar.organiser))
        ):
            rebuilt[webinar.id] = ical.vevent_text(
                to_ics_event(webinar, with_join=stale[webinar.id]))
    texts = [rebuilt.get(r.id) or r.text for r in rows]
    body = ical.calendar_bytes(texts, (r.timezone for r in rows), name=name)
    last_modified = max((r.updated_at for r in rows), default=None)
    etag = hashlib.sha256(body).hexdigest()[:32]
    if key is not None:
        changed = content_changed_at(key, etag, last_modified)
        last_modified = max(last_modified, changed) if last_modified else changed
    return Feed(body, last_modified, etag)


def content_changed_at(key: str, etag: str, fallback: datetime | None) -> datetime:
    """When feed ``key`` last served other content than ``etag``: recorded now when the ETag
    differs from the one stored (a conditional update, so two requests racing agree).
    The caller's request commits."""
    now = utcnow().replace(microsecond=0)
    state = db.session.get(CalendarFeedState, key)
    if state is None:
        try:
            with db.session.begin_nested():
                db.session.add(CalendarFeedState(key=key, etag=etag, changed_at=fallback or now))
        except IntegrityError:  # another request recorded it first
            state = db.session.get(CalendarFeedState, key)
        else:
            return fallback or now
    if state.etag != etag:
        db.session.execute(
            sa.update(CalendarFeedState)
            .where(CalendarFeedState.key == key, CalendarFeedState.etag == state.etag)
            .values(etag=etag, changed_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(state)
        return now
    return state.changed_at


def cancelled_single(webinar: Webinar) -> Feed:
    """METHOD:CANCEL download of one cancelled webinar (DTSTAMP fixed, so the ETag is stable)."""
    body = ical.events_to_ical([to_ics_event(webinar, with_join=False)], name=webinar.title,
                               method="CANCEL",
                               dtstamp=webinar.updated_at)
    return Feed(body, webinar.updated_at, hashlib.sha256(body).hexdigest()[:32])


def refresh_stale(everything: bool = False) -> int:
    """Rebuild and store the VEVENT text of stale rows, or of every row (after organisers'
    names or emails changed): ``flask webinars refresh-ics [--all]``."""
    site = base_url()
    count = 0
    for webinar in db.session.scalars(
        sa.select(Webinar).options(selectinload(Webinar.overrides),
                                   selectinload(Webinar.organiser))
    ):
        if everything or webinar.ics_event is None or webinar.ics_event_joined is None \
                or webinar.ics_key != ics_key(webinar, site):
            refresh_derived(webinar)
            count += 1
    db.session.flush()
    return count


# --------------------------------------------------------------------------- which webinars


def single_condition(webinar_id: int):
    return Webinar.id == webinar_id


def course_condition(course_id: int, include_private: bool):
    condition = Webinar.course_id == course_id
    return condition if include_private else sa.and_(condition, Webinar.is_public.is_(True))


def public_condition(now: datetime | None = None):
    return sa.and_(Webinar.is_public.is_(True), Webinar.last_end_utc > (now or utcnow()))


def personal_condition(user_id: int):
    """The user's registrations (with a place; the waiting list is not a place) and the
    webinars of their courses."""
    registered = sa.select(Registration.webinar_id).where(
        Registration.user_id == user_id, Registration.status == RegistrationStatus.registered,
    )
    courses = sa.select(Enrolment.course_id).where(
        Enrolment.user_id == user_id,
        Enrolment.status.in_([EnrolmentStatus.active, EnrolmentStatus.completed]),
    )
    return sa.or_(Webinar.id.in_(registered), Webinar.course_id.in_(courses))


def joined_condition(user: User):
    """The webinars whose join link ``user`` gets in a feed: those where they have a place and
    those they manage (SQL form of ``elearn.permissions.can_see_join_link``)."""
    if user.role is Role.admin:
        return sa.true()
    place = sa.select(Registration.webinar_id).where(
        Registration.user_id == user.id, Registration.status == RegistrationStatus.registered,
    )
    conditions = [Webinar.id.in_(place), Webinar.organiser_id == user.id]
    if user.role is Role.trainer:
        trained = sa.select(Course.id).where(Course.trained_by(user.id))
        conditions.append(Webinar.course_id.in_(trained))
    return sa.or_(*conditions)


# --------------------------------------------------------------------------- personal tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_token(user: User) -> str:
    """Create (or replace) the user's feed token; returns the secret, which is not stored."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_token(token)
    db.session.flush()
    return token


def revoke_calendar_token(user: User) -> None:
    user.calendar_token_hash = None
    db.session.flush()


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(User).where(User.calendar_token_hash == hash_token(token),
                              User.active.is_(True))
    )


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))
