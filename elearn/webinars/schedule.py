"""Local times, series and sessions: the time arithmetic of webinars, pure functions.

A series recurs in the organiser's local time (``dateutil.rrule`` over zone-aware datetimes keeps
the wall-clock time), then each session is converted to UTC, so a weekly 14:00 in Zurich stays at
14:00 Zurich across daylight-saving changes, as RFC 5545 readers compute it from RRULE + TZID.

Local times that do not exist (the hour skipped when clocks go forward) or exist twice (the hour
repeated when they go back) are refused for the first session with a clear message. Later sessions
of a series that land on such a time follow RFC 5545 3.3.5 (what every calendar client does): a
skipped time is read with the offset before the gap, a repeated time is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import vRecur

from elearn.webinars.models import WebinarStatus

#: a series has at most this many sessions
MAX_SESSIONS = 104


class LocalTimeError(ValueError):
    """A local time that does not exist or is ambiguous in its zone."""

    def __init__(self, kind: str, local: datetime, zone: str):
        super().__init__(f"{kind}: {local} in {zone}")
        self.kind = kind  # "nonexistent" | "ambiguous"
        self.local = local
        self.zone = zone


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local date and time in ``zone``; raises LocalTimeError for gaps/folds."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise LocalTimeError("nonexistent", naive, zone)
    if first.utcoffset() != second.utcoffset():
        raise LocalTimeError("ambiguous", naive, zone)
    return first.astimezone(UTC)


def build_rrule(freq: str, *, count: int | None = None, until: date | None = None,
                zone: str = "UTC") -> str:
    """An RRULE value: ``freq`` weekly or monthly, ending after ``count`` sessions or on ``until``
    (a local date in ``zone``: sessions on that day are included)."""
    if freq not in ("weekly", "monthly"):
        raise ValueError(freq)
    rule = f"FREQ={freq.upper()}"
    if count is not None:
        return f"{rule};COUNT={int(count)}"
    if until is None:
        raise ValueError("a series needs a count or an end date")
    end_local = datetime.combine(until, time(23, 59, 59)).replace(tzinfo=ZoneInfo(zone))
    end = end_local.astimezone(UTC)
    return f"{rule};UNTIL={end.strftime('%Y%m%dT%H%M%SZ')}"


@dataclass(frozen=True)
class RecurrenceParts:
    """What ``build_rrule`` was given, read back from a stored RRULE value."""

    freq: str  # "weekly" | "monthly"
    count: int | None
    #: the last local day in ``zone`` with a session (None with a count)
    until: date | None


def parse_rrule(rrule: str, zone: str = "UTC") -> RecurrenceParts:
    """The inverse of ``build_rrule``, parsed by icalendar (the RRULE grammar of RFC 5545)."""
    recur = vRecur.from_ical(rrule)
    count = recur.get("COUNT")
    until = recur.get("UNTIL")
    until_day = None
    if not count and until:
        end = until[0]
        end = end if isinstance(end, datetime) else datetime.combine(end, time(23, 59, 59))
        end = end if end.tzinfo else end.replace(tzinfo=UTC)
        until_day = end.astimezone(ZoneInfo(zone)).date()
    return RecurrenceParts(freq=str(recur["FREQ"][0]).lower(),
                           count=int(count[0]) if count else None, until=until_day)


def series_starts(start_utc: datetime, zone: str, rrule: str | None,
                  limit: int = MAX_SESSIONS + 1) -> list[datetime]:
    """Start instants (UTC) of every session the rule gives, before exceptions."""
    if not rrule:
        return [start_utc]
    tz = ZoneInfo(zone)
    local = start_utc.astimezone(tz)
    rule = rrulestr(rrule, dtstart=local)
    starts = []
    for occurrence in rule:
        # rrule keeps the wall-clock time and zone; normalise through UTC (RFC 5545 rules for
        # skipped and repeated local times match zoneinfo's fold=0)
        wall = occurrence.replace(tzinfo=None)
        aware = wall.replace(tzinfo=tz, fold=0)
        starts.append(aware.astimezone(UTC))
        if len(starts) >= limit:
            break
    return starts


@dataclass(frozen=True)
class Session:
    """One session of a webinar as people attend it."""

    #: original start from the rule (UTC): identifies the session (RECURRENCE-ID)
    recurrence_utc: datetime
    start_utc: datetime
    end_utc: datetime
    cancelled: bool
    moved: bool
    #: position in the series, 1-based
    number: int


def sessions(webinar, overrides=None) -> list[Session]:
    """Every session of ``webinar`` (anything with start_utc, timezone, rrule, duration_minutes,
    status and overrides), with moved and cancelled sessions applied, ordered by start."""
    overrides = webinar.overrides if overrides is None else overrides
    by_id = {o.recurrence_id_utc: o for o in overrides}
    duration = timedelta(minutes=webinar.duration_minutes)
    whole_cancelled = webinar.status is WebinarStatus.cancelled
    result = []
    for number, original in enumerate(series_starts(webinar.start_utc, webinar.timezone,
                                                    webinar.rrule), start=1):
        override = by_id.get(original)
        start = override.start_utc if override is not None else original
        cancelled = whole_cancelled or (
            override is not None and override.status is WebinarStatus.cancelled
        )
        result.append(Session(
            recurrence_utc=original, start_utc=start, end_utc=start + duration,
            cancelled=cancelled, moved=override is not None and start != original, number=number,
        ))
    result.sort(key=lambda s: s.start_utc)
    return result


def last_end(webinar, overrides=None) -> datetime:
    """End of the latest session (moved sessions included)."""
    return max(s.end_utc for s in sessions(webinar, overrides))


def rule_wall_time(recurrence_utc: datetime, series_start_utc: datetime, zone: str) -> datetime:
    """The local wall-clock time (naive) at which the series' rule generates the session that
    starts at ``recurrence_utc``: the form RECURRENCE-ID and EXDATE must take (RFC 5545 3.8.4.4).

    Normally the session's local time. In a daylight-saving gap it differs: a weekly 02:30 in
    New York generates 20270314T023000 on 14 March 2027, read as 03:30 EDT; writing the
    converted 03:30 would name a time the rule never generates and clients would ignore it."""
    tz = ZoneInfo(zone)
    wall = series_start_utc.astimezone(tz).time().replace(tzinfo=None)
    local = recurrence_utc.astimezone(tz)
    for day in (local.date(), local.date() - timedelta(days=1), local.date() + timedelta(days=1)):
        candidate = datetime.combine(day, wall)
        if candidate.replace(tzinfo=tz, fold=0).astimezone(UTC) == recurrence_utc:
            return candidate
    return local.replace(tzinfo=None)


def clock_change_sessions(start_utc: datetime, zone: str, rrule: str | None,
                          ) -> list[tuple[datetime, datetime, str]]:
    """(session start UTC, rule wall time, "nonexistent" | "ambiguous") for each session of a
    series whose local time falls in a daylight-saving gap or fold. Calendar clients disagree
    on such times (ical.js reads another hour than RFC 5545 says), so the feeds pin these
    sessions to an instant and the trainer is warned."""
    if not rrule:
        return []
    found = []
    for instant in series_starts(start_utc, zone, rrule):
        wall = rule_wall_time(instant, start_utc, zone)
        try:
            local_to_utc(wall.date(), wall.time(), zone)
        except LocalTimeError as error:
            found.append((instant, wall, error.kind))
    return found
