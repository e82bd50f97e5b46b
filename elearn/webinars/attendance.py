"""Attendance: meeting-tool reports parsed into a preview, then recorded on confirmation.

Accepted layouts (found by their header row, wherever it is in the file):
- Zoom participants report: "Name (Original Name)", "User Email", "Join Time", "Leave Time",
  "Duration (Minutes)" (one row per join; rows of one person are summed). Zoom may put a
  meeting summary block above the participants table.
- BigBlueButton learning dashboard export: "User" (older versions "Name"), "Moderator",
  "Activity Score", ..., "Join", "Left", "Duration" (HH:MM:SS). It has no email column:
  people are matched by their name on the platform (case-insensitive).
- Microsoft Teams attendance report: UTF-16, tab-separated, with a "1. Summary" block on top,
  then "2. Participants" ("Name", "First Join", "Last Leave", "In-Meeting Duration", "Email",
  "Participant ID (UPN)", "Role"); older reports have "Full Name", "Join Time", "Leave Time",
  "Duration", "Email", "Role".
Where a duration column exists it is used (it excludes gaps between joins); otherwise leave minus
join time. A person attended when their summed minutes reach the webinar's threshold share of the
session (default 75 %).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from dateutil import parser as dateparser
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.extensions import db
from elearn.webinars.models import Registration, RegistrationStatus, Webinar

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


class ReportError(ValueError):
    pass


def decode(data: bytes) -> str:
    """Text of an uploaded report: UTF-16 (Teams) or UTF-8, with or without BOM, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        return data.decode("utf-16-le")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.strip().strip("\ufeff").strip('"')).lower()


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def parse_minutes(text: str) -> float | None:
    """Durations as tools write them: "45", "45.5", "01:02:03", "1h 2m 3s", "62 min", "45m"."""
    value = text.strip().lower()
    if not value or value == "-":
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    if re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", value):
        parts = [int(p) for p in value.split(":")]
        if len(parts) == 2:
            parts = [0] + parts
        hours, minutes, seconds = parts
        return hours * 60 + minutes + seconds / 60
    units = re.findall(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|secs|seconds?)\b",
                       value)
    if units and re.fullmatch(r"(\s*\d+(\.\d+)?\s*[a-z]+\s*)+", value):
        total = 0.0
        for number, unit in units:
            n = float(number)
            total += n * 60 if unit.startswith("h") else n if unit.startswith("m") else n / 60
        return total
    return None


def parse_time(text: str) -> datetime | None:
    value = text.strip()
    if not value or value == "-":
        return None
    try:
        return dateparser.parse(value, dayfirst=False)
    except (ValueError, OverflowError):
        return None


def parse_report(data: bytes) -> list[ReportRow]:
    """Rows of a Zoom, BigBlueButton or Teams report (or any CSV with an email or name column and
    join/leave times or a duration). Raises ReportError when no such table is found."""
    text = decode(data)
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else (
        ";" if sample.count(";") > sample.count(",") else ","
    )
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for index, row in enumerate(table):
        header = [_norm(c) for c in row]
        email_col = _find(header, EMAIL_COLUMNS)
        name_col = _find(header, NAME_COLUMNS)
        join_col = _find(header, JOIN_COLUMNS)
        leave_col = _find(header, LEAVE_COLUMNS)
        duration_col = _find(header, DURATION_COLUMNS)
        has_times = (join_col is not None and leave_col is not None) or duration_col is not None
        if "meeting id" in header or "topic" in header:
            continue  # Zoom's meeting summary block (host email, meeting duration)
        if (email_col is not None or name_col is not None) and has_times:
            return _rows(table, index, email_col, name_col, join_col, leave_col, duration_col)
    raise ReportError(_("No attendance table found: the file needs an email (or name) column "
                        "and join and leave times or a duration column."))


def _rows(table, header_index, email_col, name_col, join_col, leave_col, duration_col):
    rows: list[ReportRow] = []
    for offset, row in enumerate(table[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            if rows:
                break  # the table ends at the first blank line (Teams has more sections below)
            continue
        if len(row) == 1 and re.match(r"^\d+\.\s", row[0].strip()):
            break  # next numbered section of a Teams report

        def cell(col, row=row):
            return row[col].strip() if col is not None and col < len(row) else ""

        name, email = cell(name_col), cell(email_col).lower()
        item = ReportRow(line=offset, name=name, email=email, minutes=None)
        minutes = parse_minutes(cell(duration_col)) if duration_col is not None else None
        if minutes is None and join_col is not None and leave_col is not None:
            joined, left = parse_time(cell(join_col)), parse_time(cell(leave_col))
            if joined is None or left is None:
                item.error = _("Join or leave time cannot be read.")
            elif left < joined:
                item.error = _("Leave time is before join time.")
            else:
                minutes = (left - joined).total_seconds() / 60
        if minutes is None and item.error is None:
            item.error = _("Duration cannot be read.")
        item.minutes = minutes
        rows.append(item)
    return rows


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
            base = re.sub(r"\s*\(.*\)$", "", row.name).strip().lower()
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
                      only_raise: bool = False) -> int:
    """Write attendance: ``marks`` maps user id to (attended, minutes). With ``only_raise``
    (reports) a person already marked as attended stays so and minutes only grow.
    Recomputes each attendee's course progress (attendance can complete a course).
    Returns how many registrations changed."""
    from elearn.enrolments.services import active_enrolment, recompute_progress

    regs = {
        r.user_id: r for r in db.session.scalars(
            sa.select(Registration).where(Registration.webinar_id == webinar.id,
                                          Registration.user_id.in_(list(marks)))
        )
    }
    changed = []
    for user_id, (attended, minutes) in marks.items():
        registration = regs.get(user_id)
        if registration is None:
            continue
        before = (registration.attended, registration.minutes_attended)
        if only_raise:
            registration.attended = registration.attended or attended
            if minutes is not None:
                registration.minutes_attended = max(registration.minutes_attended or 0, minutes)
        else:
            registration.attended = attended
            if minutes is not None:
                registration.minutes_attended = minutes
        if (registration.attended, registration.minutes_attended) != before:
            changed.append(registration)
    db.session.flush()
    if webinar.course_id is not None:
        for registration in changed:
            enrolment = active_enrolment(registration.user_id, webinar.course_id)
            if enrolment is not None:
                recompute_progress(enrolment)
    return len(changed)
