"""iCalendar (RFC 5545 / 5546 / 7986) for webinars: pure functions of data, no request, no database.

``events_to_ical(events, name=...) -> bytes`` builds a whole calendar. Feeds are fast because
the two expensive parts are done once: each time zone's VTIMEZONE is generated once per process
(``vtimezone_text``), and each webinar's VEVENTs are serialised once per change (``vevent_text``),
stored by the services in ``Webinar.ics_event`` and joined by ``calendar_bytes``.

What calendar clients get:
- the master VEVENT: UID (never changes), DTSTAMP, DTSTART/DTEND with TZID (the organiser's zone)
  and a VTIMEZONE for every TZID, RRULE for a series, EXDATE for each cancelled session,
  SUMMARY, DESCRIPTION (with the join link), URL, ORGANIZER, SEQUENCE, LAST-MODIFIED, STATUS,
  CONFERENCE (RFC 7986);
- one override VEVENT per moved or cancelled session (same UID, RECURRENCE-ID in the organiser's
  zone, its own DTSTART/STATUS/SEQUENCE). A cancelled session is both an EXDATE on the master
  and an override with STATUS:CANCELLED: Outlook, Google Calendar and Thunderbird drop EXDATE'd
  instances (the override is then ignored by them), while clients that show cancelled sessions,
  and iTIP CANCEL messages for one session, use the override.
- RECURRENCE-ID and EXDATE name a session by the local time the rule generates (see
  schedule.rule_wall_time), also in a daylight-saving gap (02:30 on the night clocks skip it);
- sessions whose local time falls in a gap or a fold are pinned: an override VEVENT with the
  rule's RECURRENCE-ID and DTSTART/DTEND in UTC, so that every client (RFC 5545 readers and
  ical.js/Thunderbird alike) shows the same instant. Any DTSTART or DTEND whose local time is
  ambiguous (a fold) is written in UTC for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

PRODID = "-//elearn//BRS conventions webinars//EN"
#: VTIMEZONE definitions cover this range (transitions outside it are not written)
TZ_FIRST = date(2020, 1, 1)
TZ_LAST = date(2045, 1, 1)
REFRESH = "PT1H"
CRLF = "\r\n"


@dataclass(frozen=True)
class IcsOverride:
    """One moved or cancelled session of a series."""

    #: original start in the organiser's local time, ``YYYYMMDDTHHMMSS``
    recurrence_id_local: str
    #: start after a move (UTC); equals the original start when only cancelled
    start_utc: datetime
    cancelled: bool
    sequence: int
    last_modified: datetime


@dataclass(frozen=True)
class IcsEvent:
    """Everything one webinar's VEVENTs are made of."""

    uid: str
    title: str
    description: str
    start_utc: datetime
    timezone: str
    duration_minutes: int
    #: the meeting link; None leaves it out (feeds that people without a place can read)
    join_url: str | None
    #: page of the webinar on the platform
    url: str
    organiser_name: str
    organiser_email: str
    sequence: int
    last_modified: datetime
    cancelled: bool = False
    #: RRULE value without the ``RRULE:`` prefix
    rrule: str | None = None
    overrides: tuple[IcsOverride, ...] = field(default_factory=tuple)
    created: datetime | None = None
    #: (RECURRENCE-ID as the rule generates it, start UTC) of sessions in a gap or fold
    pinned: tuple[tuple[str, datetime], ...] = field(default_factory=tuple)


def _escape_line(text: str) -> str:
    return vText(text).to_ical().decode()


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, 74
    return (CRLF + " ").join(parts)


@lru_cache(maxsize=512)
def vtimezone_text(tzid: str) -> str:
    """The VTIMEZONE of an IANA zone (CRLF lines, ending with CRLF), generated once per process.

    Yearly daylight-saving rules are written as RRULEs (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``),
    the form Outlook, Google Calendar, Apple Calendar and Thunderbird all read; irregular
    transitions fall back to one RDATE line per date (ical.js, for one, reads only the first
    value of a comma-separated RDATE list, so the lists icalendar writes are avoided).
    """
    if tzid == "UTC":
        return ""
    zone = ZoneInfo(tzid)
    transitions = _transitions(zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    if not transitions:
        probe = datetime(TZ_FIRST.year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = _offset(probe.utcoffset())
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{offset}",
                  f"TZOFFSETTO:{offset}", f"TZNAME:{_escape_line(probe.tzname() or tzid)}",
                  "END:STANDARD"]
    groups: dict[tuple, list] = {}
    for item in transitions:
        groups.setdefault(item[1:], []).append(item[0])
    for (before, after, name, daylight), instants in sorted(groups.items(), key=lambda g: g[1][0]):
        kind = "DAYLIGHT" if daylight else "STANDARD"
        locals_ = [(t + before) for t in instants]  # wall time before the change (RFC 5545)
        lines += [f"BEGIN:{kind}", f"DTSTART:{locals_[0].strftime('%Y%m%dT%H%M%S')}"]
        rule = _yearly_rule(locals_)
        if rule is not None:
            if instants[-1].year < TZ_LAST.year - 1:
                rule += f";UNTIL={instants[-1].strftime('%Y%m%dT%H%M%SZ')}"
            lines.append(f"RRULE:{rule}")
        else:
            lines += [f"RDATE:{t.strftime('%Y%m%dT%H%M%S')}" for t in locals_[1:]]
        lines += [f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}",
                  f"TZNAME:{_escape_line(name)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return CRLF.join(lines) + CRLF


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _transitions(zone: ZoneInfo) -> list[tuple]:
    """(instant as naive UTC, offset before, offset after, name after, is daylight) of every
    change of offset from a year before TZ_FIRST to TZ_LAST."""
    found = []
    start = datetime(TZ_FIRST.year - 1, TZ_FIRST.month, 1, tzinfo=UTC)
    end = datetime(TZ_LAST.year, TZ_LAST.month, TZ_LAST.day, tzinfo=UTC)
    step = timedelta(days=1)
    current, previous = start, start.astimezone(zone).utcoffset()
    while current < end:
        following = current + step
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            low, high = current, following  # offset(low) == previous, offset(high) == offset
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            after = high.astimezone(zone)
            found.append((high.replace(tzinfo=None, second=0, microsecond=0), previous, offset,
                          after.tzname() or "", bool(after.dst())))
            previous = offset
        current = following
    return found


_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _yearly_rule(wall_times: list[datetime]) -> str | None:
    """``FREQ=YEARLY;BYMONTH=..;BYDAY=..`` when the times follow one yearly rule, else None."""
    if len(wall_times) < 2:
        return None
    first = wall_times[0]
    candidates = None
    for index, moment in enumerate(wall_times):
        if (moment.year != first.year + index or moment.month != first.month
                or moment.weekday() != first.weekday() or moment.time() != first.time()):
            return None
        month_days = ((moment.replace(day=28) + timedelta(days=4)).replace(day=1)
                      - timedelta(days=1)).day
        options = {(moment.day - 1) // 7 + 1}
        if moment.day + 7 > month_days:
            options.add(-1)
        candidates = options if candidates is None else candidates & options
        if not candidates:
            return None
    week = -1 if -1 in candidates else min(candidates)
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={week}{_DAYS[first.weekday()]}"


def local_stamp(instant: datetime, tzid: str) -> str:
    """``YYYYMMDDTHHMMSS`` of an instant in a zone (the form of RECURRENCE-ID;TZID values)."""
    return instant.astimezone(ZoneInfo(tzid)).strftime("%Y%m%dT%H%M%S")


def _local(instant: datetime, tzid: str) -> datetime:
    return instant.astimezone(ZoneInfo(tzid))


def _pinned_time(instant: datetime, tzid: str) -> datetime:
    """``instant`` in the organiser's zone, or in UTC when that local time is ambiguous (a
    fold): readers take the first of two equal wall times, which may not be this one."""
    local = _local(instant, tzid)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


def _from_stamp(stamp: str, tzid: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(tzid))


def _description(event: IcsEvent) -> str:
    text = event.description.strip()
    if event.join_url is None:
        return text
    join = f"Join: {event.join_url}"
    return f"{text}\n\n{join}" if text else join


def _common(component: Event, event: IcsEvent, *, sequence: int, last_modified: datetime,
            cancelled: bool, dtstamp: datetime | None) -> None:
    component.add("uid", event.uid)
    component.add("dtstamp", (dtstamp or last_modified).astimezone(UTC))
    component.add("summary", event.title)
    component.add("description", _description(event))
    component.add("url", event.url)
    organizer = vCalAddress(f"mailto:{event.organiser_email}")
    organizer.params["cn"] = event.organiser_name
    component.add("organizer", organizer)
    component.add("sequence", sequence)
    component.add("last-modified", last_modified.astimezone(UTC))
    if event.created is not None:
        component.add("created", event.created.astimezone(UTC))
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    component.add("transp", "OPAQUE")
    if event.join_url is not None:
        component.add(
            "conference", event.join_url,
            parameters={"value": "URI", "feature": "VIDEO", "label": "Join the webinar"},
        )


def _attendee(component: Event, attendee: tuple[str, str] | None) -> None:
    if attendee is None:
        return
    address = vCalAddress(f"mailto:{attendee[0]}")
    address.params["cn"] = attendee[1]
    address.params["role"] = "REQ-PARTICIPANT"
    address.params["partstat"] = "ACCEPTED"
    address.params["rsvp"] = "FALSE"
    component.add("attendee", address)


def build_components(
    event: IcsEvent, *, dtstamp: datetime | None = None, attendee: tuple[str, str] | None = None,
    only_override: str | None = None, include_master: bool = True,
) -> list[Event]:
    """The VEVENTs of one webinar: the master, then one per override.

    ``only_override`` (a ``recurrence_id_local``) keeps that one override only, for an iTIP
    message about a single session; ``include_master=False`` leaves the master out.
    """
    duration = timedelta(minutes=event.duration_minutes)
    components: list[Event] = []
    if include_master:
        master = Event()
        start = _local(event.start_utc, event.timezone)
        master.add("dtstart", start)
        master.add("dtend", _pinned_time(event.start_utc + duration, event.timezone))
        if event.rrule:
            master.add("rrule", vRecur.from_ical(event.rrule))
            exdates = [_from_stamp(o.recurrence_id_local, event.timezone)
                       for o in event.overrides if o.cancelled]
            if exdates:
                master.add("exdate", exdates)
        _common(master, event, sequence=event.sequence, last_modified=event.last_modified,
                cancelled=event.cancelled, dtstamp=dtstamp)
        _attendee(master, attendee)
        components.append(master)
    for override in event.overrides:
        if only_override is not None and override.recurrence_id_local != only_override:
            continue
        child = Event()
        child.add("recurrence-id", _from_stamp(override.recurrence_id_local, event.timezone))
        child.add("dtstart", _pinned_time(override.start_utc, event.timezone))
        child.add("dtend", _pinned_time(override.start_utc + duration, event.timezone))
        _common(child, event, sequence=max(override.sequence, 0),
                last_modified=override.last_modified,
                cancelled=event.cancelled or override.cancelled, dtstamp=dtstamp)
        _attendee(child, attendee)
        components.append(child)
    if only_override is None:
        overridden = {o.recurrence_id_local for o in event.overrides}
        for stamp, start in event.pinned:
            if stamp in overridden:
                continue
            child = Event()
            child.add("recurrence-id", _from_stamp(stamp, event.timezone))
            child.add("dtstart", start.astimezone(UTC))
            child.add("dtend", (start + duration).astimezone(UTC))
            _common(child, event, sequence=event.sequence, last_modified=event.last_modified,
                    cancelled=event.cancelled, dtstamp=dtstamp)
            _attendee(child, attendee)
            components.append(child)
    return components


def vevent_text(event: IcsEvent) -> str:
    """The serialised VEVENTs of one webinar (CRLF lines, ending with CRLF), as feeds use them."""
    return _serialise(event, event.uid, event.sequence, event.last_modified, event.overrides)


@lru_cache(maxsize=4096)
def _serialise(event: IcsEvent, uid: str, sequence: int, last_modified: datetime,
               overrides: tuple) -> str:
    # keyed by (uid, sequence, last_modified, overrides) through the arguments
    return "".join(c.to_ical().decode() for c in build_components(event))


def _header(name: str, method: str | None) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
    ]
    if method:
        lines.append(f"METHOD:{method}")
    escaped = _escape_line(name)
    lines += [
        fold(f"X-WR-CALNAME:{escaped}"),
        fold(f"NAME:{escaped}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    return CRLF.join(lines) + CRLF


def calendar_bytes(
    vevents: Iterable[str], tzids: Iterable[str], *, name: str, method: str | None = None
) -> bytes:
    """Join serialised VEVENTs into a calendar with one VTIMEZONE per TZID used."""
    parts = [_header(name, method)]
    parts.extend(vtimezone_text(tzid) for tzid in sorted(set(tzids)))
    parts.extend(vevents)
    parts.append("END:VCALENDAR" + CRLF)
    return "".join(parts).encode()


def events_to_ical(
    events: Iterable[IcsEvent], *, name: str, method: str | None = None,
    attendee: tuple[str, str] | None = None, only_override: str | None = None,
    include_master: bool = True, dtstamp: datetime | None = None,
) -> bytes:
    """A whole VCALENDAR for ``events``.

    Feeds (no ``method``) use the cached per-event text. iTIP messages (``method`` REQUEST or
    CANCEL, for email) carry a fresh DTSTAMP and the recipient as ATTENDEE.
    """
    events = list(events)
    if method is None and attendee is None and only_override is None and include_master:
        texts = [vevent_text(e) for e in events]
    else:
        stamp = dtstamp or datetime.now(UTC)
        texts = [
            "".join(
                c.to_ical().decode()
                for c in build_components(e, dtstamp=stamp, attendee=attendee,
                                          only_override=only_override,
                                          include_master=include_master)
            )
            for e in events
        ]
    return calendar_bytes(texts, (e.timezone for e in events), name=name, method=method)


def parse_calendar(data: bytes) -> Calendar:
    """Parse a calendar back (used by tests and by nothing else)."""
    return Calendar.from_ical(data)
