"""Recording attendance: marks per registration and per session of a series, and the course
progress they may complete (elearn.signals.attendance_recorded).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from elearn.enrolments.services import active_enrolment
from elearn.extensions import db
from elearn.signals import attendance_recorded
from elearn.webinars.models import (
    Registration,
    SessionAttendance,
    Webinar,
)
from elearn.webinars.schedule import series_starts


def record_attendance(webinar: Webinar, marks: dict[int, tuple[bool, int | None]], *,
                      only_raise: bool = False, session_utc: datetime | None = None) -> int:
    """Write attendance: ``marks`` maps user id to (attended, minutes). With ``only_raise``
    (reports) a person already marked as attended stays so and minutes only grow.

    With ``session_utc`` (the session's original start: a report, or the manual list, is about
    one session of a series) the marks are kept per session, and a registration counts as
    attended once its attended sessions reach ``webinar.sessions_required`` (capped at the
    number of sessions); its minutes are the sum over sessions. Without ``only_raise`` (ticks by
    hand) a session mark may be taken back, and the registrations whose mark changed are
    counted again from their sessions.
    Recomputes each attendee's course progress (attendance can complete a course).
    Returns how many registrations (or, for a session, their marks of it) changed."""
    regs = {
        r.user_id: r for r in db.session.scalars(
            sa.select(Registration).where(Registration.webinar_id == webinar.id,
                                          Registration.user_id.in_(list(marks)))
        )
    }
    before = {uid: (r.attended, r.minutes_attended) for uid, r in regs.items()}
    marked: set[int] = set()
    if session_utc is not None:
        marked = _record_session(webinar, regs, marks, session_utc, only_raise=only_raise)
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
    return len({r.id for r in changed} | marked)


def session_marks(webinar: Webinar, session_utc: datetime) -> set[int]:
    """Ids of the users marked as attended at one session of ``webinar``."""
    return set(db.session.scalars(
        sa.select(Registration.user_id)
        .join(SessionAttendance, SessionAttendance.registration_id == Registration.id)
        .where(Registration.webinar_id == webinar.id, SessionAttendance.session_utc == session_utc,
               SessionAttendance.attended.is_(True))))


def _record_session(webinar: Webinar, regs: dict[int, Registration],
                    marks: dict[int, tuple[bool, int | None]], session_utc: datetime, *,
                    only_raise: bool = True) -> set[int]:
    """Per-session marks, then each registration's roll-up. With ``only_raise`` (reports) a
    second report of the same session never lowers them; by hand a tick can be taken back, and
    the registrations whose session mark changed are rolled up again from their sessions (so
    unticking lowers ``attended`` below the sessions required). Returns the ids of the
    registrations whose mark of this session changed."""
    ids = [r.id for r in regs.values()]
    existing = {
        row.registration_id: row for row in db.session.scalars(
            sa.select(SessionAttendance).where(SessionAttendance.registration_id.in_(ids),
                                               SessionAttendance.session_utc == session_utc))
    } if ids else {}
    recount: set[int] = set()
    changed: set[int] = set()
    for user_id, (attended, minutes) in marks.items():
        registration = regs.get(user_id)
        if registration is None:
            continue
        row = existing.get(registration.id)
        if row is None:
            if not attended and not minutes:
                continue  # nothing to record: no row means "not attended"
            row = SessionAttendance(registration_id=registration.id, session_utc=session_utc,
                                    attended=False, minutes=0)
            db.session.add(row)
        was = (row.attended, row.minutes)
        if only_raise:
            row.attended = row.attended or attended
            row.minutes = max(row.minutes or 0, minutes or 0)
        else:
            if row.attended != attended:
                recount.add(registration.id)
            row.attended = attended
            if minutes is not None:
                row.minutes = minutes
        if (row.attended, row.minutes) != was:
            changed.add(registration.id)
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
        if registration.id in recount:
            registration.attended = (count or 0) >= required
        else:
            registration.attended = registration.attended or (count or 0) >= required
        registration.minutes_attended = max(registration.minutes_attended or 0,
                                            min(int(minutes or 0), 100_000))
    return changed
