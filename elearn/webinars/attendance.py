"""Attendance: meeting-tool reports parsed into a preview, then recorded on confirmation.

Accepted files: CSV (any encoding elearn.textfiles accepts: UTF-8, UTF-16, Windows-1252) and
XLSX (every sheet, read with openpyxl). Other binaries (XLS, PDF, images...) are refused with a
message. Accepted layouts (found by their header row, wherever it is in the file):
- Zoom participants report: "Name (Original Name)", "User Email", "Join Time", "Leave Time",
  "Duration (Minutes)" (one row per join; rows of one person are summed). Zoom may put a
  meeting summary block above the participants table, or put the meeting columns ("Meeting ID",
  "Topic", ..., "User Email", "Duration (Minutes)") and the participant columns on one header
  row: then the last of two same-named columns is the participant's. Rows "In Waiting Room" =
  Yes are skipped.
- BigBlueButton learning dashboard export (CSV or XLSX): "User" (older versions "Name"),
  "Moderator", "Activity Score", ..., "Join", "Left", "Duration" (HH:MM:SS), in the
  dashboard's language (fr "Rejoindre", "Quitté"; de "Teilnahme", "Verlassen"; es "Accedió",
  "Salió"; pt "Entrou", "Saiu"); recent workbooks have a "Summary" sheet first, so every sheet is searched. It has no
  email column: people are matched by their name on the platform (case-insensitive).
- Column names of Zoom and Teams in French, Spanish, Portuguese and German too (see the
  *_COLUMNS lists below); a file without a known table is refused with the columns it has.
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
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.extensions import db
from elearn.webinars.attendance_cells import (
    MAX_MINUTES,
    MAX_TEXT_CELL,
    ReportError,
    parse_minutes,
    parse_time,
    strip_name_suffix,
)
from elearn.webinars.attendance_files import read_tables
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    Webinar,
)

# Column names as the tools write them, compared lower-case with one apostrophe style ("’" is
# read as "'"). English first (Zoom, BigBlueButton, Teams), then the localised reports of Zoom
# and Teams in French, Spanish, Portuguese and German, as they appear in public code that reads
# real exports (e.g. Zoom fr: "Nom (nom original)", "Adresse e-mail de l'utilisateur",
# "Heure d'arrivée", "Heure de départ", "Durée (minutes)", "Invité", "Salle d'attente"; es:
# "Nombre (nombre original)", "E-mail del usuario", "Hora para unirse", "Hora para salir",
# "Duración (minutos)", or "Correo electrónico", "Hora de entrada", "Hora de salida"; pt:
# "Nome (nome original)", "E-mail", "Hora de entrada", "Hora de saída", "Duração (minutos)";
# de: "Name (ursprünglicher Name)", "E-Mail", "Beitrittszeit", "Austrittszeit",
# "Dauer (Minuten)"; Teams de: "Erster Beitritt", "Letztes Verlassen", "Dauer in der
# Besprechung"). Order matters: the first name present wins.
EMAIL_COLUMNS = (
    "user email", "email", "e-mail", "participant id (upn)", "upn", "email address",
    # fr
    "adresse e-mail de l'utilisateur", "e-mail de l'utilisateur", "adresse e-mail",
    "adresse électronique", "courriel",
    # es
    "e-mail del usuario", "correo electrónico del usuario", "correo electrónico", "correo",
    # pt
    "e-mail do usuário", "e-mail do utilizador", "endereço de e-mail",
    # de
    "e-mail-adresse", "e-mail des benutzers", "benutzer-e-mail",
)
NAME_COLUMNS = (
    "name (original name)", "name", "full name", "user", "participant",
    "nom (nom original)", "nom (nom d'origine)", "nom complet", "nom", "participant(e)",
    "nombre (nombre original)", "nombre completo", "nombre", "participante",
    "nome (nome original)", "nome completo", "nome",
    "name (ursprünglicher name)", "vollständiger name", "teilnehmer", "benutzer",
)
JOIN_COLUMNS = (
    "join time", "first join", "join", "joined", "join time (utc)",
    "heure d'arrivée", "heure de connexion", "première arrivée", "première connexion",
    "hora para unirse", "hora de entrada", "hora de unión", "primera unión",
    "horário de entrada", "ingressar na hora", "primeira entrada",
    "beitrittszeit", "erster beitritt", "beigetreten",
    # BigBlueButton's learning dashboard ("Join" in its fr, de, es_ES, pt_BR locales)
    "rejoindre", "teilnahme", "accedió", "entrou",
)
LEAVE_COLUMNS = (
    "leave time", "last leave", "left", "leave", "leave time (utc)",
    "heure de départ", "heure de déconnexion", "dernier départ",
    "hora para salir", "hora de salida", "última salida",
    "hora de saída", "horário de saída", "última saída",
    "austrittszeit", "letztes verlassen", "verlassenszeit", "verlassen",
    "quitté", "salió", "saiu",  # BigBlueButton ("Left"; de "Verlassen" above)
)
DURATION_COLUMNS = (
    "duration (minutes)", "duration (mins)", "in-meeting duration", "duration",
    "online time", "attendance duration", "time in session (minutes)",
    "durée (minutes)", "durée totale (minutes)", "durée dans la réunion", "durée",
    "duración (minutos)", "duración total (minutos)", "duración en la reunión", "duración",
    "duração (minutos)", "duração total (minutos)", "permanência (minutos)",
    "duração na reunião", "duração",
    "dauer (minuten)", "gesamtdauer (minuten)", "dauer in der besprechung",
    "anwesenheitsdauer", "dauer",
)
#: the meeting columns of Zoom's summary block or one-row layout
MEETING_COLUMNS = ("meeting id", "topic", "id de réunion", "sujet", "id de reunión", "tema",
                   "id da reunião", "tópico", "meeting-id", "thema")
WAITING_COLUMNS = ("in waiting room", "salle d'attente", "dans la salle d'attente",
                   "en sala de espera", "na sala de espera", "im warteraum")
#: "Yes" in the waiting-room column, in the report's language
_YES = ("yes", "oui", "sí", "si", "sim", "ja")


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
    text = unicodedata.normalize("NFC", cell[:200].strip().strip("\ufeff").strip('"'))
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).lower()


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
    tables = read_tables(data)
    for table in tables:
        rows = _parse_table(table)
        if rows is not None:
            return rows
    raise _no_table(next((table for table in tables if table), []))


def _parse_table(table: list[list[str]]) -> list[ReportRow] | None:
    """The rows of the attendance table found in ``table``, or None when it has none."""
    for index, row in enumerate(table[:200]):
        header = [_norm(c) for c in row[:64]]
        if "user action" in header and "timestamp" in header:
            return _event_rows(table, index, header)
        meeting = any(name in header for name in MEETING_COLUMNS)
        email_col = _find(header, EMAIL_COLUMNS, last=meeting)
        name_col = _find(header, NAME_COLUMNS, last=meeting)
        join_col = _find(header, JOIN_COLUMNS, last=meeting)
        leave_col = _find(header, LEAVE_COLUMNS, last=meeting)
        duration_col = _find(header, DURATION_COLUMNS, last=meeting)
        has_times = (join_col is not None and leave_col is not None) or duration_col is not None
        if meeting and name_col is None and join_col is None:
            continue  # Zoom's meeting summary block (host email, meeting duration)
        if (email_col is not None or name_col is not None) and has_times:
            waiting_col = _find(header, WAITING_COLUMNS)
            return _rows(table, index, (email_col, name_col, join_col, leave_col, duration_col,
                                        waiting_col))
    return None


def _no_table(table: list[list[str]]) -> ReportError:
    """The refusal of a file without a known attendance table: it names the columns of the row
    that looks like its header (the first with two cells or more) and the columns expected."""
    for index, row in enumerate(table[:200]):
        cells = [" ".join(c.split())[:40] for c in row[:64] if c.strip()]
        if len(cells) >= 2:
            shown = ", ".join(f"\u201c{c}\u201d" for c in cells[:12]) + (
                ", …" if len(cells) > 12 else "")
            return ReportError(_(
                "No attendance table found. The columns on line %(line)s are %(columns)s; "
                "expected an email or name column (such as \u201cUser Email\u201d or "
                "\u201cName (Original Name)\u201d) and join and leave times (\u201cJoin "
                "Time\u201d, \u201cLeave Time\u201d) or a duration (\u201cDuration "
                "(Minutes)\u201d), in English, French, Spanish, Portuguese or German as Zoom, "
                "Teams and BigBlueButton export them.", line=index + 1, columns=shown))
    return ReportError(_("No attendance table found: the file needs an email (or name) column "
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
        if _cell(row, waiting_col).lower() in _YES:
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
