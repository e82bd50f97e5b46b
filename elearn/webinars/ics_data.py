"""iCalendar data of a webinar: its event, recurrence stamps, the feed cache key and the links they
carry.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from elearn.db_types import utcnow
from elearn.urls import absolute_url
from elearn.webinars import ical
from elearn.webinars.models import (
    Webinar,
    WebinarStatus,
)
from elearn.webinars.schedule import (
    clock_change_sessions,
    rule_wall_time,
    sessions,
)


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


def next_start(webinar: Webinar, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    for session in sessions(webinar):
        if session.end_utc > now and not session.cancelled:
            return session.start_utc
    return None
