"""iCalendar built as a pure function of data, read back by two independent parsers:
the icalendar library (with dateutil for RRULE expansion) and ical.js run by node."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from elearn.webinars import ical
from elearn.webinars.schedule import (
    clock_change_sessions,
    local_to_utc,
    rule_wall_time,
    series_starts,
)
from tests.icaljs import icaljs_read

STAMP = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def event(zone: str, first_local: tuple[date, time], rrule: str | None = "FREQ=WEEKLY;COUNT=4",
          overrides=(), **extra) -> ical.IcsEvent:
    start = local_to_utc(first_local[0], first_local[1], zone)
    values = {
        "uid": f"test-{zone.replace('/', '-')}@elearn", "title": "Customs, waste; and \"PIC\" — ✓",
        "description": "Line one\nLine two", "start_utc": start, "timezone": zone, "duration_minutes": 90,
        "join_url": "https://meet.example.org/room?id=1&x=2", "url": "http://localhost/webinars/1",
        "organiser_name": "Tomás Trainer", "organiser_email": "trainer@example.org", "sequence": 3,
        "last_modified": STAMP, "rrule": rrule, "overrides": tuple(overrides), "created": STAMP,
    }
    values.update(extra)
    return ical.IcsEvent(**values)


def python_instants(data: bytes) -> dict[str, list[datetime]]:
    """UTC starts per UID as the icalendar library reads the calendar (overrides applied)."""
    calendar = Calendar.from_ical(data)
    result: dict[str, list[datetime]] = {}
    moved: dict[tuple[str, datetime], datetime] = {}
    for component in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in component and component["STATUS"] != "CANCELLED":
            moved[(str(component["UID"]), component.decoded("RECURRENCE-ID").astimezone(UTC))] = (
                component.decoded("DTSTART").astimezone(UTC))
    for component in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in component:
            continue
        uid = str(component["UID"])
        start = component.decoded("DTSTART")
        assert start.tzinfo is not None
        if "RRULE" in component:
            rule = rrulestr(component["RRULE"].to_ical().decode(), dtstart=start)
            excluded = set()
            exdates = component.get("EXDATE")
            for group in (exdates if isinstance(exdates, list) else [exdates] if exdates else []):
                excluded |= {d.dt.astimezone(UTC) for d in group.dts}
            instants = []
            for occurrence in rule:
                wall = occurrence.replace(tzinfo=None).replace(tzinfo=start.tzinfo)
                utc = wall.astimezone(UTC)
                if utc not in excluded:
                    instants.append(moved.get((uid, utc), utc))
            result[uid] = sorted(instants)
        else:
            result[uid] = [start.astimezone(UTC)]
    return result


def js_instants(data: bytes) -> dict[str, list[datetime]]:
    read = icaljs_read(data)
    result: dict[str, list[datetime]] = {}
    for item in read["occurrences"]:
        result.setdefault(item["uid"], []).append(
            datetime.fromisoformat(item["start"]))
    return {uid: sorted(v) for uid, v in result.items()}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# zone, first session (local), expected UTC starts of four weekly sessions at 14:00 local
CASES = [
    # Zurich (Geneva's zone): summer time from 29 March 2026
    ("Europe/Zurich", date(2026, 3, 19),
     [utc(2026, 3, 19, 13), utc(2026, 3, 26, 13), utc(2026, 4, 2, 12), utc(2026, 4, 9, 12)]),
    # New York: daylight time from 8 March 2026
    ("America/New_York", date(2026, 2, 26),
     [utc(2026, 2, 26, 19), utc(2026, 3, 5, 19), utc(2026, 3, 12, 18), utc(2026, 3, 19, 18)]),
    # Sao Paulo: Brazil abolished daylight time in 2019; the series stays at 14:00 (-03) across
    # the first Sunday of November, when summer time used to start
    ("America/Sao_Paulo", date(2026, 10, 22),
     [utc(2026, 10, 22, 17), utc(2026, 10, 29, 17), utc(2026, 11, 5, 17), utc(2026, 11, 12, 17)]),
    ("Africa/Nairobi", date(2026, 6, 4),
     [utc(2026, 6, 4, 11), utc(2026, 6, 11, 11), utc(2026, 6, 18, 11), utc(2026, 6, 25, 11)]),
    ("Asia/Kolkata", date(2026, 6, 4),
     [utc(2026, 6, 4, 8, 30), utc(2026, 6, 11, 8, 30), utc(2026, 6, 18, 8, 30),
      utc(2026, 6, 25, 8, 30)]),
    # Auckland: daylight time ends on 5 April 2026 (+13 -> +12)
    ("Pacific/Auckland", date(2026, 3, 26),
     [utc(2026, 3, 26, 1), utc(2026, 4, 2, 1), utc(2026, 4, 9, 2), utc(2026, 4, 16, 2)]),
]


@pytest.mark.parametrize("zone,first,expected", CASES, ids=[c[0] for c in CASES])
def test_series_instants_agree_across_dst_in_both_parsers(zone, first, expected):
    data = ical.events_to_ical([event(zone, (first, time(14, 0)))], name="Test")
    uid = f"test-{zone.replace('/', '-')}@elearn"
    assert series_starts(local_to_utc(first, time(14, 0), zone), zone,
                         "FREQ=WEEKLY;COUNT=4") == expected
    assert python_instants(data)[uid] == expected
    assert js_instants(data)[uid] == expected


def test_single_events_in_many_zones_in_one_feed_agree():
    events = [event(zone, (first, time(9, 15)), rrule=None) for zone, first, _ in CASES]
    data = ical.events_to_ical(events, name="Many zones")
    expected = {e.uid: [e.start_utc] for e in events}
    assert python_instants(data) == expected
    assert js_instants(data) == expected
    calendar = Calendar.from_ical(data)
    tzids = {str(c["TZID"]) for c in calendar.walk("VTIMEZONE")}
    assert tzids == {zone for zone, _f, _e in CASES}


def test_moved_and_cancelled_sessions_read_the_same_by_both_parsers():
    zone = "Europe/Zurich"
    starts = series_starts(local_to_utc(date(2026, 3, 19), time(14), zone), zone,
                           "FREQ=WEEKLY;COUNT=4")
    moved_to = starts[2] + timedelta(days=1, hours=2)
    overrides = (
        ical.IcsOverride(ical.local_stamp(starts[1], zone), starts[1], True, 4, STAMP),
        ical.IcsOverride(ical.local_stamp(starts[2], zone), moved_to, False, 5, STAMP),
    )
    data = ical.events_to_ical([event(zone, (date(2026, 3, 19), time(14)), overrides=overrides,
                                      sequence=5)], name="Series")
    uid = "test-Europe-Zurich@elearn"
    expected = [starts[0], moved_to, starts[3]]
    assert python_instants(data)[uid] == expected
    read = icaljs_read(data)
    assert [datetime.fromisoformat(o["start"])
            for o in read["occurrences"]] == expected
    cancelled = [o for o in read["overrides"] if o["status"] == "CANCELLED"]
    assert [datetime.fromisoformat(o["recurrence"])
            for o in cancelled] == [starts[1]]
    calendar = Calendar.from_ical(data)
    master = next(c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" not in c)
    assert "EXDATE;TZID=Europe/Zurich:20260326T140000" in data.decode()
    assert master["SEQUENCE"] == 5
    children = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" in c]
    assert {str(c["STATUS"]) for c in children} == {"CANCELLED", "CONFIRMED"}


def test_every_required_property_is_present_and_lines_are_folded():
    data = ical.events_to_ical([event("Africa/Nairobi", (date(2026, 6, 4), time(14)))],
                               name="Customs webinars, 2026")
    text = data.decode()
    assert text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    calendar = Calendar.from_ical(data)
    for name in ("PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME", "NAME", "X-PUBLISHED-TTL"):
        assert name in calendar
    # icalendar keeps NAME raw (vUnknown): the value is TEXT with its comma escaped
    assert str(calendar["NAME"]).replace("\\,", ",") == "Customs webinars, 2026"
    assert "X-WR-CALNAME:Customs webinars\\, 2026\r\n" in text  # TEXT escaping, as Google writes
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    (vevent,) = calendar.walk("VEVENT")
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL",
                 "ORGANIZER", "SEQUENCE", "LAST-MODIFIED", "STATUS", "CONFERENCE"):
        assert name in vevent, name
    assert vevent["DTSTART"].params["TZID"] == "Africa/Nairobi"
    assert str(vevent["SUMMARY"]) == "Customs, waste; and \"PIC\" — ✓"
    assert "https://meet.example.org/room?id=1&x=2" in str(vevent["DESCRIPTION"])
    assert str(vevent["ORGANIZER"]) == "mailto:trainer@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Tomás Trainer"
    assert vevent["CONFERENCE"].params["VALUE"] == "URI"
    assert vevent["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent.decoded("DTEND") - vevent.decoded("DTSTART") == timedelta(minutes=90)


def test_cancelled_webinar_keeps_its_uid_with_status_cancelled():
    data = ical.events_to_ical([event("Asia/Kolkata", (date(2026, 6, 4), time(14)), rrule=None,
                                      cancelled=True, sequence=4)], name="x")
    (vevent,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["SEQUENCE"] == 4
    assert icaljs_read(data)["occurrences"][0]["status"] == "CANCELLED"


def test_itip_cancel_of_one_session_carries_only_that_override():
    zone = "America/New_York"
    starts = series_starts(local_to_utc(date(2026, 2, 26), time(14), zone), zone,
                           "FREQ=WEEKLY;COUNT=4")
    override = ical.IcsOverride(ical.local_stamp(starts[2], zone), starts[2], True, 6, STAMP)
    data = ical.events_to_ical(
        [event(zone, (date(2026, 2, 26), time(14)), overrides=(override,), sequence=6)],
        name="x", method="CANCEL", attendee=("lina@example.org", "Lina"),
        only_override=override.recurrence_id_local, include_master=False,
    )
    calendar = Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("RECURRENCE-ID").astimezone(UTC) == starts[2]
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 6
    assert str(vevent["ATTENDEE"]) == "mailto:lina@example.org"


def test_vtimezone_is_generated_once_per_zone():
    ical.vtimezone_text.cache_clear()
    events = [event("Europe/Zurich", (date(2026, 6, d), time(9)), rrule=None, uid=f"u{d}")
              for d in range(1, 20)]
    data = ical.events_to_ical(events, name="x")
    assert data.decode().count("BEGIN:VTIMEZONE") == 1
    assert ical.vtimezone_text.cache_info().misses == 1


def test_serialised_event_is_reused_until_sequence_or_last_modified_changes():
    one = event("Europe/Zurich", (date(2026, 6, 1), time(9)), rrule=None)
    first = ical.vevent_text(one)
    assert ical.vevent_text(one) is first
    changed = ical.IcsEvent(**{**one.__dict__, "sequence": one.sequence + 1,
                               "last_modified": STAMP + timedelta(seconds=1)})
    assert "SEQUENCE:4" in ical.vevent_text(changed)


# --------------------------------------------------------------------------- clock changes


NEW_YORK = "America/New_York"


def clock_event(first_local: tuple[date, time], overrides=()) -> ical.IcsEvent:
    """A weekly series of three in New York, pinned as services.to_ics_event pins it."""
    base = event(NEW_YORK, first_local, rrule="FREQ=WEEKLY;COUNT=3", overrides=overrides)
    pinned = tuple((wall.strftime("%Y%m%dT%H%M%S"), instant) for instant, wall, _kind
                   in clock_change_sessions(base.start_utc, NEW_YORK, base.rrule))
    return ical.IcsEvent(**{**base.__dict__, "pinned": pinned})


def test_a_series_through_a_gap_or_fold_is_found_with_the_rules_wall_time():
    gap = local_to_utc(date(2027, 3, 7), time(2, 30), NEW_YORK)
    found = clock_change_sessions(gap, NEW_YORK, "FREQ=WEEKLY;COUNT=3")
    assert [(wall, kind) for _instant, wall, kind in found] == [
        (datetime(2027, 3, 14, 2, 30), "nonexistent")]
    assert found[0][0] == utc(2027, 3, 14, 7, 30)  # RFC 5545: the offset before the gap
    assert rule_wall_time(found[0][0], gap, NEW_YORK) == datetime(2027, 3, 14, 2, 30)
    fold = local_to_utc(date(2027, 10, 31), time(1, 30), NEW_YORK)
    found = clock_change_sessions(fold, NEW_YORK, "FREQ=WEEKLY;COUNT=3")
    assert [(wall, kind) for _instant, wall, kind in found] == [
        (datetime(2027, 11, 7, 1, 30), "ambiguous")]
    assert clock_change_sessions(fold, NEW_YORK, None) == []


@pytest.mark.parametrize("first, expected", [
    # 02:30 on 14 March 2027 does not exist: RFC 5545 reads it as 03:30 EDT (07:30 UTC)
    ((date(2027, 3, 7), time(2, 30)),
     [utc(2027, 3, 7, 7, 30), utc(2027, 3, 14, 7, 30), utc(2027, 3, 21, 6, 30)]),
    # 01:30 on 7 November 2027 happens twice: the first (EDT, 05:30 UTC)
    ((date(2027, 10, 31), time(1, 30)),
     [utc(2027, 10, 31, 5, 30), utc(2027, 11, 7, 5, 30), utc(2027, 11, 14, 6, 30)]),
])
def test_pinned_gap_and_fold_sessions_read_the_same_in_icalendar_and_icaljs(first, expected):
    item = clock_event(first)
    assert series_starts(item.start_utc, NEW_YORK, item.rrule) == expected
    data = ical.events_to_ical([item], name="Clock changes")
    uid = item.uid
    assert python_instants(data)[uid] == expected
    assert js_instants(data)[uid] == expected
    calendar = Calendar.from_ical(data)
    pinned = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" in c]
    assert len(pinned) == 1
    assert pinned[0].decoded("DTSTART").utcoffset() == timedelta(0)  # an instant, not a wall time
    wall = first[1].strftime("%H%M%S")
    assert f"RECURRENCE-ID;TZID={NEW_YORK}:" in data.decode()
    assert f"{expected[1].astimezone(UTC):%Y%m%d}T{wall}" in data.decode().split("RECURRENCE-ID")[1]


def test_cancelling_a_gap_session_writes_exdate_as_the_rule_generates_it():
    start = local_to_utc(date(2027, 3, 7), time(2, 30), NEW_YORK)
    gap_session = series_starts(start, NEW_YORK, "FREQ=WEEKLY;COUNT=3")[1]
    stamp = rule_wall_time(gap_session, start, NEW_YORK).strftime("%Y%m%dT%H%M%S")
    assert stamp == "20270314T023000"  # not the converted 03:30 the rule never generates
    cancelled = ical.IcsOverride(recurrence_id_local=stamp, start_utc=gap_session,
                                 cancelled=True, sequence=4, last_modified=STAMP)
    data = ical.events_to_ical([clock_event((date(2027, 3, 7), time(2, 30)), (cancelled,))],
                               name="Clock changes")
    assert f"EXDATE;TZID={NEW_YORK}:20270314T023000" in data.decode()
    expected = [utc(2027, 3, 7, 7, 30), utc(2027, 3, 21, 6, 30)]
    assert python_instants(data)[f"test-{NEW_YORK.replace('/', '-')}@elearn"] == expected
    assert js_instants(data)[f"test-{NEW_YORK.replace('/', '-')}@elearn"] == expected


def test_moving_a_gap_session_is_seen_by_icaljs():
    start = local_to_utc(date(2027, 3, 7), time(2, 30), NEW_YORK)
    gap_session = series_starts(start, NEW_YORK, "FREQ=WEEKLY;COUNT=3")[1]
    moved = ical.IcsOverride(recurrence_id_local="20270314T023000",
                             start_utc=utc(2027, 3, 15, 14), cancelled=False, sequence=4,
                             last_modified=STAMP)
    data = ical.events_to_ical([clock_event((date(2027, 3, 7), time(2, 30)), (moved,))],
                               name="Clock changes")
    assert gap_session not in js_instants(data)[f"test-{NEW_YORK.replace('/', '-')}@elearn"]
    assert utc(2027, 3, 15, 14) in js_instants(data)[f"test-{NEW_YORK.replace('/', '-')}@elearn"]
