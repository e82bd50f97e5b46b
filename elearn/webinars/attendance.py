"""Attendance: meeting-tool reports parsed into a preview, then recorded on confirmation.

Accepted files: CSV (any encoding elearn.textfiles accepts: UTF-8, UTF-16, Windows-1252) and
XLSX (first sheet, read with openpyxl). Other binaries (XLS, PDF, images...) are refused with a
message. Accepted layouts (found by their header row, wherever it is in the file):
- Zoom participants report: "Name (Original Name)", "User Email", "Join Time", "Leave Time",
  "Duration (Minutes)" (one row per join; rows of one person are summed). Zoom may put a
  meeting summary block above the participants table, or put the meeting columns ("Meeting ID",
  "Topic", ..., "User Email", "Duration (Minutes)") and the participant columns on one header
  row: then the last of two same-named columns is the participant's. Rows "In Waiting Room" =
  Yes are skipped.
- BigBlueButton learning dashboard export (CSV or XLSX): "User" (older versions "Name"),
  "Moderator", "Activity Score", ..., "Join", "Left", "Duration" (HH:MM:SS). It has no email
  column: people are matched by their name on the platform (case-insensitive).
- Microsoft Teams attendance report: UTF-16, tab-separated, with a "1. Summary" block on top,
  then "2. Participants" ("Name", "First Join", "Last Leave", "In-Meeting Duration", "Email",
  "Participant ID (UPN)", "Role"); older reports have "Full Name", "Join Time", "Leave Time",
  "Duration", "Email", "Role"; the 2020 event list has "Full Name", "User Action" (Joined,
  Joined before, Left) and "Timestamp".
Durations may be localised ("1 godz. 32 min", "1 Std. 5 Min.", "1 ч 20 мин"): the unit words
are a closed list (parse_minutes); anything else is shown as unreadable on its row, not guessed.
Where a duration column exists it is used (it excludes gaps between joins); otherwise leave minus
join time. A person attended when their summed minutes reach the webinar's threshold share of the
session (default 75 %).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.enrolments.services import active_enrolment
from elearn.extensions import db
from elearn.signals import attendance_recorded
from elearn.webinars.attendance_cells import (
    MAX_MINUTES,
    MAX_TEXT_CELL,
    ReportError,
    parse_minutes,
    parse_time,
    strip_name_suffix,
)
from elearn.webinars.attendance_files import read_table
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    SessionAttendance,
    Webinar,
)
from elearn.webinars.schedule import series_starts

EMAIL_COLUMNS = ("user email", "email", "e-mail", "participant id (upn)", "upn")
NAME_COLUMNS = ("name (original name)", "name", "full name", "user", "participant")
JOIN_COLUMNS = ("join time", "first join", "join", "joined", "join time (utc)")
LEAVE_COLUMNS = ("leave time", "last leave", "left", "leave", "leave time (utc)")
DURATION_COLUMNS = ("duration (minutes)", "duration (mins)", "in-meeting duration", "duration",
                    "online time", "attendance duration", "time in session (minutes)")


@dataclass
class ReportRow:
    line: int
    name: str
    email: str
    minutes: float | None
    error: str | None = None


@dataclass
class PersonResult:
    user_id: int | None
    name: str
    email: str
    minutes: int
    attended: bool
    lines: list[int] = field(default_factory=list)
    error: str | None = None


# ----------------------------------------------------------------------------- finding the table


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell[:200].strip().strip("\ufeff").strip('"')).lower()


def _find(header: list[str], names: tuple[str, ...], *, last: bool = False) -> int | None:
    """Index of the first of ``names`` in the header (its last occurrence with ``last``: in
    Zoom's one-row layout the meeting columns come first and repeat names such as
    "User Email" and "Duration (Minutes)" that the participant columns use again)."""
    for name in names:
        if name in header:
            return len(header) - 1 - header[::-1].index(name) if last else header.index(name)
    return None


def parse_report(data: bytes) -> list[ReportRow]:
    """Rows of a Zoom, BigBlueButton or Teams report (or any CSV or XLSX with an email or name
    column and join/leave times or a duration). Raises ReportError when no such table is
    found, or when the file is not a readable CSV or XLSX report."""
    table = read_table(data)
    for index, row in enumerate(table[:200]):
        header = [_norm(c) for c in row[:64]]
        if "user action" in header and "timestamp" in header:
            return _event_rows(table, index, header)
        meeting = "meeting id" in header or "topic" in header
        email_col = _find(header, EMAIL_COLUMNS, last=meeting)
        name_col = _find(header, NAME_COLUMNS, last=meeting)
        join_col = _find(header, JOIN_COLUMNS, last=meeting)
        leave_col = _find(header, LEAVE_COLUMNS, last=meeting)
        duration_col = _find(header, DURATION_COLUMNS, last=meeting)
        has_times = (join_col is not None and leave_col is not None) or duration_col is not None
        if meeting and name_col is None and join_col is None:
            continue  # Zoom's meeting summary block (host email, meeting duration)
        if (email_col is not None or name_col is not None) and has_times:
            waiting_col = _find(header, ("in waiting room",))
            return _rows(table, index, (email_col, name_col, join_col, leave_col, duration_col,
                                        waiting_col))
    raise ReportError(_("No attendance table found: the file needs an email (or name) column "
                        "and join and leave times or a duration column."))


def _cell(row: list[str], col: int | None) -> str:
    return row[col].strip() if col is not None and col < len(row) else ""


def _rows(table, header_index, columns) -> list[ReportRow]:
    email_col, name_col, join_col, leave_col, duration_col, waiting_col = columns
    rows: list[ReportRow] = []
    for offset, row in enumerate(table[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            if rows:
                break  # the table ends at the first blank line (Teams has more sections below)
            continue
        if len(row) == 1 and re.match(r"\d{1,3}\.\s", row[0].strip()):
            break  # next numbered section of a Teams report
        if _cell(row, waiting_col).lower() == "yes":
            continue  # Zoom: time in the waiting room is not attendance
        name, email = _cell(row, name_col), _cell(row, email_col).lower()
        item = ReportRow(line=offset, name=name[:MAX_TEXT_CELL], email=email[:MAX_TEXT_CELL],
                         minutes=None)
        if len(name) > MAX_TEXT_CELL or len(email) > MAX_TEXT_CELL:
            item.error = _("The name or email cell is too long.")
            rows.append(item)
            continue
        minutes = parse_minutes(_cell(row, duration_col)) if duration_col is not None else None
        if minutes is None and join_col is not None and leave_col is not None:
            joined, left = parse_time(_cell(row, join_col)), parse_time(_cell(row, leave_col))
            if joined is None or left is None:
                item.error = _("Join or leave time cannot be read.")
            elif (joined.tzinfo is None) != (left.tzinfo is None):
                item.error = _("Join and leave times mix times with and without a time zone.")
            elif left < joined:
                item.error = _("Leave time is before join time.")
            else:
                minutes = (left - joined).total_seconds() / 60
        if minutes is None and item.error is None:
            item.error = _("Duration cannot be read.")
        item.minutes = min(minutes, MAX_MINUTES) if minutes is not None else None
        rows.append(item)
    return rows


_JOIN_ACTIONS = ("joined", "joined before")
_LEAVE_ACTIONS = ("left",)


def _event_rows(table, header_index, header) -> list[ReportRow]:
    """Teams' 2020 attendance list: one row per event ("Full Name", "User Action" Joined /
    Joined before / Left, "Timestamp"). Each person's time is summed from join to leave; a
    join without a leave lasts until the last event of the file (the meeting's end as far as
    the report knows)."""
    name_col = _find(header, ("full name", "name"))
    action_col, stamp_col = header.index("user action"), header.index("timestamp")
    if name_col is None:
        raise ReportError(_("No attendance table found: the event list has no name column."))
    events: list[tuple[int, str, str, datetime]] = []
    problems: list[ReportRow] = []
    for offset, row in enumerate(table[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        name, action = _cell(row, name_col), _cell(row, action_col).lower()
        stamp = parse_time(_cell(row, stamp_col))
        if len(name) > MAX_TEXT_CELL:
            problems.append(ReportRow(offset, name[:MAX_TEXT_CELL], "", None,
                                      _("The name or email cell is too long.")))
        elif stamp is None:
            problems.append(ReportRow(offset, name, "", None,
                                      _("Join or leave time cannot be read.")))
        elif action not in _JOIN_ACTIONS + _LEAVE_ACTIONS:
            problems.append(ReportRow(offset, name, "", None,
                                      _("Unknown action in the event list.")))
        else:
            events.append((offset, name, action, stamp))
    if len({event[3].tzinfo is None for event in events}) > 1:
        raise ReportError(_("The event list mixes times with and without a time zone."))
    end = max((event[3] for event in events), default=None)
    people: dict[str, ReportRow] = {}
    open_since: dict[str, datetime] = {}
    for offset, name, action, stamp in sorted(events, key=lambda event: (event[3], event[0])):
        key = name.lower()
        person = people.setdefault(key, ReportRow(offset, name, "", 0.0))
        if action in _JOIN_ACTIONS:
            open_since.setdefault(key, stamp)
        elif key in open_since:
            person.minutes += (stamp - open_since.pop(key)).total_seconds() / 60
    for key, since in open_since.items():
        people[key].minutes += (end - since).total_seconds() / 60
    for person in people.values():
        person.minutes = min(person.minutes, MAX_MINUTES)
    return sorted(people.values(), key=lambda r: r.line) + problems


def match_report(webinar: Webinar, rows: list[ReportRow],
                 session_minutes: int | None = None) -> list[PersonResult]:
    """Match report rows to the webinar's registrants (by email, else by name) and sum minutes."""
    session_minutes = session_minutes or webinar.duration_minutes
    registered = db.session.execute(
        sa.select(User.id, User.email, User.name, Registration.status)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.webinar_id == webinar.id)
    ).all()
    by_email = {r.email.lower(): r for r in registered}
    by_name: dict[str, list] = {}
    for r in registered:
        by_name.setdefault(r.name.strip().lower(), []).append(r)
    emails = {e for e in (row.email for row in rows) if e}
    known = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails)))) if emails else set()

    people: dict[object, PersonResult] = {}
    errors: list[PersonResult] = []
    for row in rows:
        label_email = row.email
        if row.error:
            errors.append(PersonResult(None, row.name, label_email, 0, False, [row.line], row.error))
            continue
        match = None
        problem = None
        if row.email:
            match = by_email.get(row.email)
            if match is None:
                problem = (_("Not registered for this webinar.") if row.email in known
                           else _("Unknown email address."))
        else:
            candidates = by_name.get(row.name.strip().lower(), [])
            # BigBlueButton names often carry a suffix such as " (Guest)"
            base = strip_name_suffix(row.name).lower()
            candidates = candidates or by_name.get(base, [])
            if len(candidates) == 1:
                match = candidates[0]
            else:
                problem = (_("Two registrants have this name: add email addresses to the file.")
                           if candidates else _("No registrant with this name."))
        if match is not None and match.status is RegistrationStatus.cancelled:
            match, problem = None, _("Not registered for this webinar.")
        if match is None:
            errors.append(PersonResult(None, row.name, label_email, round(row.minutes or 0), False,
                                       [row.line], problem))
            continue
        person = people.get(match.id)
        if person is None:
            person = people[match.id] = PersonResult(match.id, match.name, match.email, 0, False)
        person.minutes += row.minutes or 0
        person.lines.append(row.line)
    threshold = webinar.attendance_threshold / 100 * session_minutes
    for person in people.values():
        person.minutes = min(round(person.minutes), 24 * 60)
        person.attended = person.minutes >= threshold - 1e-9
    return sorted(people.values(), key=lambda p: p.name.lower()) + errors


def record_attendance(webinar: Webinar, marks: dict[int, tuple[bool, int | None]], *,
                      only_raise: bool = False, session_utc: datetime | None = None) -> int:
    """Write attendance: ``marks`` maps user id to (attended, minutes). With ``only_raise``
    (reports) a person already marked as attended stays so and minutes only grow.

    With ``session_utc`` (the session's original start: a report is about one session of a
    series) the marks are kept per session, and a registration counts as attended once its
    attended sessions reach ``webinar.sessions_required`` (capped at the number of sessions);
    its minutes are the sum over sessions.
    Recomputes each attendee's course progress (attendance can complete a course).
    Returns how many registrations changed."""
    regs = {
        r.user_id: r for r in db.session.scalars(
            sa.select(Registration).where(Registration.webinar_id == webinar.id,
                                          Registration.user_id.in_(list(marks)))
        )
    }
    before = {uid: (r.attended, r.minutes_attended) for uid, r in regs.items()}
    if session_utc is not None:
        _record_session(webinar, regs, marks, session_utc)
    else:
        for user_id, (attended, minutes) in marks.items():
            registration = regs.get(user_id)
            if registration is None:
                continue
            if only_raise:
                registration.attended = registration.attended or attended
                if minutes is not None:
                    registration.minutes_attended = max(registration.minutes_attended or 0,
                                                        minutes)
            else:
                registration.attended = attended
                if minutes is not None:
                    registration.minutes_attended = minutes
    changed = [r for uid, r in regs.items() if (r.attended, r.minutes_attended) != before[uid]]
    db.session.flush()
    if webinar.course_id is not None:
        for registration in changed:
            enrolment = active_enrolment(registration.user_id, webinar.course_id)
            if enrolment is not None:
                attendance_recorded.send(webinar, enrolment=enrolment)
    return len(changed)


def _record_session(webinar: Webinar, regs: dict[int, Registration],
                    marks: dict[int, tuple[bool, int | None]], session_utc: datetime) -> None:
    """Per-session marks (only raised: a second report of the same session never lowers
    them), then each registration's roll-up."""
    ids = [r.id for r in regs.values()]
    existing = {
        row.registration_id: row for row in db.session.scalars(
            sa.select(SessionAttendance).where(SessionAttendance.registration_id.in_(ids),
                                               SessionAttendance.session_utc == session_utc))
    } if ids else {}
    for user_id, (attended, minutes) in marks.items():
        registration = regs.get(user_id)
        if registration is None:
            continue
        row = existing.get(registration.id)
        if row is None:
            row = SessionAttendance(registration_id=registration.id, session_utc=session_utc,
                                    attended=False, minutes=0)
            db.session.add(row)
        row.attended = row.attended or attended
        row.minutes = max(row.minutes or 0, minutes or 0)
    db.session.flush()
    total = len(series_starts(webinar.start_utc, webinar.timezone, webinar.rrule))
    required = max(1, min(webinar.sessions_required or 1, total))
    rollup = {
        rid: (count, minutes) for rid, count, minutes in db.session.execute(
            sa.select(SessionAttendance.registration_id,
                      sa.func.sum(sa.case((SessionAttendance.attended, 1), else_=0)),
                      sa.func.sum(SessionAttendance.minutes))
            .where(SessionAttendance.registration_id.in_(ids))
            .group_by(SessionAttendance.registration_id))
    } if ids else {}
    for registration in regs.values():
        count, minutes = rollup.get(registration.id, (0, 0))
        registration.attended = registration.attended or (count or 0) >= required
        registration.minutes_attended = max(registration.minutes_attended or 0,
                                            min(int(minutes or 0), 100_000))
