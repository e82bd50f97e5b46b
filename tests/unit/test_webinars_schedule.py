"""Local times, series and report parsing: pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from elearn.webinars.attendance import parse_report
from elearn.webinars.attendance_cells import ReportError, parse_minutes
from elearn.webinars.attendance_files import decode
from elearn.webinars.schedule import LocalTimeError, build_rrule, local_to_utc, series_starts


def test_local_time_in_the_spring_gap_is_refused():
    with pytest.raises(LocalTimeError) as info:
        local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Zurich")
    assert info.value.kind == "nonexistent"


def test_local_time_in_the_autumn_fold_is_refused():
    with pytest.raises(LocalTimeError) as info:
        local_to_utc(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert info.value.kind == "ambiguous"


def test_ordinary_local_times_convert():
    assert local_to_utc(date(2026, 7, 1), time(14), "Africa/Nairobi") == datetime(
        2026, 7, 1, 11, tzinfo=UTC)
    assert local_to_utc(date(2026, 7, 1), time(14), "Asia/Kolkata") == datetime(
        2026, 7, 1, 8, 30, tzinfo=UTC)


def test_until_is_the_end_of_the_local_day_and_includes_it():
    rule = build_rrule("weekly", until=date(2026, 4, 9), zone="Pacific/Auckland")
    assert rule == "FREQ=WEEKLY;UNTIL=20260409T115959Z"
    start = local_to_utc(date(2026, 3, 19), time(20), "Pacific/Auckland")
    starts = series_starts(start, "Pacific/Auckland", rule)
    assert len(starts) == 4  # 19, 26 March, 2, 9 April (local)


def test_monthly_series_keeps_local_time_across_dst():
    start = local_to_utc(date(2026, 2, 10), time(9), "Europe/Zurich")
    starts = series_starts(start, "Europe/Zurich", build_rrule("monthly", count=3))
    assert [s.hour for s in starts] == [8, 8, 7]  # CET, CET, then CEST in April


# ----------------------------------------------------------------- meeting reports

ZOOM = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
    "123 456 789,Customs webinar,03/15/2026 02:00:00 PM,03/15/2026 03:30:00 PM,"
    "host@example.org,90,3\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Lina Learner,lina@example.org,03/15/2026 02:01:00 PM,03/15/2026 02:40:00 PM,39,No\n"
    "Lina Learner,lina@example.org,03/15/2026 02:45:00 PM,03/15/2026 03:30:00 PM,45,No\n"
    "Bob,bob@example.org,03/15/2026 02:00:00 PM,03/15/2026 02:20:00 PM,20,No\n"
)

BBB = (
    "User,Moderator,Activity Score,Talk time,Webcam time,Messages,Reactions,Answers,"
    "Raise Hands,Join,Left,Duration\n"
    "Lina Learner,No,4.5,00:02:10,-,3,1,0,0,3/15/2026 2:00:05 PM,3/15/2026 3:28:00 PM,01:27:55\n"
    "Tariq Trainer,Yes,9,00:40:00,00:50:00,5,0,0,0,3/15/2026 1:55:00 PM,3/15/2026 3:31:00 PM,"
    "01:36:00\n"
)

TEAMS = (
    "1. Summary\n"
    "Meeting title\tCustoms webinar\n"
    "Attended participants\t2\n"
    "Start time\t3/15/26, 2:00:00 PM\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Lina Learner\t3/15/26, 2:00:10 PM\t3/15/26, 3:30:00 PM\t1h 29m 50s\tlina@example.org\t"
    "lina@example.org\tAttendee\n"
    "Bob\t3/15/26, 2:00:10 PM\t3/15/26, 2:10:00 PM\t9m 50s\tBOB@example.org\tbob@example.org\t"
    "Attendee\n"
    "\n"
    "3. In-Meeting Activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
    "Lina Learner\t3/15/26, 2:00:10 PM\t3/15/26, 3:30:00 PM\t1h 29m 50s\tlina@example.org\t"
    "Attendee\n"
)


def test_zoom_report_skips_the_meeting_block_and_keeps_each_join():
    rows = parse_report(ZOOM.encode())
    assert [(r.email, r.minutes) for r in rows] == [
        ("lina@example.org", 39), ("lina@example.org", 45), ("bob@example.org", 20)]


def test_bigbluebutton_dashboard_has_names_and_hh_mm_ss_durations():
    rows = parse_report(BBB.encode("utf-8-sig"))
    assert rows[0].name == "Lina Learner" and rows[0].email == ""
    assert round(rows[0].minutes, 2) == round(87 + 55 / 60, 2)


def test_teams_report_in_utf16_tabs_reads_the_participants_section_only():
    rows = parse_report(TEAMS.encode("utf-16"))
    assert [(r.email, round(r.minutes, 1)) for r in rows] == [
        ("lina@example.org", 89.8), ("bob@example.org", 9.8)]


def test_unreadable_times_are_row_errors_and_files_without_a_table_are_refused():
    rows = parse_report(b"Email,Join Time,Leave Time\na@example.org,yesterday-ish,??\n")
    assert rows[0].error
    with pytest.raises(ReportError):
        parse_report(b"just,some,columns\n1,2,3\n")


@pytest.mark.parametrize("text,minutes", [
    ("45", 45), ("45.5", 45.5), ("01:02:03", 62.05), ("12:30", 12.5), ("1h 2m 30s", 62.5),
    ("62 min", 62), ("-", None), ("soon", None),
])
def test_durations(text, minutes):
    result = parse_minutes(text)
    assert (round(result, 2) if result is not None else None) == minutes


def test_decoding_detects_utf16_without_bom():
    assert decode("Name\tEmail".encode("utf-16-le")) == "Name\tEmail"
