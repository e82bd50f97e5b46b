"""Reminders 24 hours and 1 hour before each session, each sent once.

``send_reminders(now)`` is a periodic job of the worker (``elearn.tasks``), and can be run by
hand (``flask webinars remind``). A reminder of kind K (offset 24 h or 1 h) is due for a session
when ``start - offset <= now < start``; a late or skipped run still sends it (up to the session's
start), and when the 1-hour reminder is already due the 24-hour one is skipped. Each reminder row
is inserted together with its mail in the outbox, in a savepoint per reminder of the job's one
transaction (``elearn.database.retrying``): the unique constraint (webinar, session start, kind,
user) decides, so two copies running at once, or a second run, queue nothing twice; if queueing
one fails nothing of it is kept, the others go on, and the next run tries it again.
Delivery (retries, back-off) is the outbox's business.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from elearn.accounts.models import User
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.mail import send_mail
from elearn.webinars.display import when_text
from elearn.webinars.ics_data import webinar_url
from elearn.webinars.itip import invite_attachment
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    ReminderKind,
    SentReminder,
    Webinar,
    WebinarStatus,
)
from elearn.webinars.schedule import sessions

log = logging.getLogger("elearn.webinars.reminders")
OFFSETS = {ReminderKind.day: timedelta(hours=24), ReminderKind.hour: timedelta(hours=1)}


def due_reminders(now: datetime) -> list[tuple[Webinar, datetime, ReminderKind]]:
    """(webinar, session start, kind) of every reminder due at ``now``."""
    horizon = now + OFFSETS[ReminderKind.day]
    webinars = db.session.scalars(
        sa.select(Webinar)
        .where(Webinar.status == WebinarStatus.scheduled, Webinar.last_end_utc > now,
               Webinar.start_utc <= horizon + timedelta(days=1))
        .options(selectinload(Webinar.overrides), selectinload(Webinar.organiser))
    )
    due = []
    for webinar in webinars:
        for session in sessions(webinar):
            if session.cancelled or not (now < session.start_utc <= horizon):
                continue
            left = session.start_utc - now
            kind = ReminderKind.hour if left <= OFFSETS[ReminderKind.hour] else ReminderKind.day
            due.append((webinar, session.start_utc, kind))
    return due


def _claim_and_queue(webinar_id: int, start: datetime, kind: ReminderKind, user_id: int,
                     mail: tuple) -> bool:
    """Insert the reminder row with its mail in the outbox, in a savepoint of the caller's
    transaction; False when someone else already claimed it, or queueing failed (then nothing
    of this reminder is kept, and the others go on)."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(webinar_id=webinar_id, occurrence_utc=start, kind=kind,
                                        user_id=user_id, sent_at=utcnow()))
            send_mail(*mail)
    except IntegrityError:
        return False
    except Exception:  # go on with the others; the next run tries this one again
        log.exception("reminder to %s could not be queued; the next run tries again", mail[0])
        return False
    return True


def send_reminders(now: datetime | None = None) -> int:
    """Queue every due reminder not queued yet; returns how many were queued.

    Flushes only: the caller commits, with ``elearn.database.retrying`` (on SQLite a
    transaction that read before another writer committed cannot write; retrying runs it
    again, and the claims already committed by others are then skipped)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    now = now or utcnow()
    work = []
    for webinar, start, kind in due_reminders(now):
        people = db.session.execute(
            sa.select(User).join(Registration, Registration.user_id == User.id)
            .where(Registration.webinar_id == webinar.id,
                   Registration.status == RegistrationStatus.registered)
        ).scalars().all()
        already = set(db.session.scalars(
            sa.select(SentReminder.user_id).where(
                SentReminder.webinar_id == webinar.id, SentReminder.occurrence_utc == start,
                SentReminder.kind == kind)
        ))
        for user in people:
            if user.id in already:
                continue
            locale = user.locale or "en"
            with force_locale(locale):
                when = when_text(start, webinar.timezone, user.timezone, locale)
                values = {"name": user.name, "title": webinar.title, "when": when,
                              "join": webinar.join_url, "url": webinar_url(webinar)}
                if kind is ReminderKind.hour:
                    subject = _("Starting soon: %(title)s", **values)
                else:
                    subject = _("Tomorrow: %(title)s", **values)
                text = _("Hello %(name)s,\n\n%(title)s starts %(when)s.\n\nJoin: %(join)s\n"
                         "Details: %(url)s", **values)
            work.append((webinar.id, start, kind, user.id, user.email, subject, text,
                         invite_attachment(webinar, user, "REQUEST")))
    sent = 0
    for webinar_id, start, kind, user_id, email, subject, text, attachment in work:
        if _claim_and_queue(webinar_id, start, kind, user_id, (email, subject, text, [attachment])):
            sent += 1
    return sent
