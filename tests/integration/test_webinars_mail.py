"""Invitations and reminders through a real SMTP server (aiosmtpd, started by the test)."""

from __future__ import annotations

import email
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.outbox.delivery import deliver_all
from elearn.webinars import itip, registering, services
from elearn.webinars.models import SentReminder
from elearn.webinars.reminders import send_reminders
from elearn.webinars.schedule import build_rrule, sessions
from tests import factories


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A local SMTP server; ELEARN SMTP_HOST/PORT point at it. Yields the received messages."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield received
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
        controller.stop()


def calendar_part(message):
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def test_invitation_change_and_cancellation_have_matching_mime_and_ical_methods(
        smtp, trainer, learner):
    webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=3),
                                     zone="Asia/Kolkata")
    _registration, mails = registering.register(webinar.id, learner)
    itip.queue_mails(mails)
    db.session.commit()
    plan = sessions(webinar)
    mails = services.move_session(webinar, plan[1].recurrence_utc,
                                  plan[1].start_utc + timedelta(hours=2))
    itip.queue_mails(mails)
    db.session.commit()
    mails = services.cancel_session(webinar, plan[2].recurrence_utc)
    itip.queue_mails(mails)
    db.session.commit()
    mails = services.cancel_webinar(webinar)
    itip.queue_mails(mails)
    db.session.commit()

    assert len(smtp) == 0  # nothing leaves before the worker runs
    assert deliver_all().sent == 4
    assert len(smtp) == 4
    sequences = []
    for message, method in zip(smtp, ["REQUEST", "REQUEST", "CANCEL", "CANCEL"], strict=True):
        assert message["To"] == learner.email
        part = calendar_part(message)
        assert part.get_param("method") == method
        assert part.get_content_charset() == "utf-8"
        assert part.get_filename() == "invite.ics"
        calendar = Calendar.from_ical(part.get_payload(decode=True))
        assert str(calendar["METHOD"]) == method
        vevents = calendar.walk("VEVENT")
        assert {str(v["UID"]) for v in vevents} == {webinar.uid}
        for vevent in vevents:
            assert str(vevent["ORGANIZER"]) == f"mailto:{trainer.email}"
            assert vevent["ORGANIZER"].params["CN"] == trainer.name
            assert str(vevent["ATTENDEE"]) == f"mailto:{learner.email}"
        sequences.append(max(int(v["SEQUENCE"]) for v in vevents))
    assert sequences == sorted(sequences) and sequences[0] < sequences[-1]
    single_cancel = Calendar.from_ical(calendar_part(smtp[2]).get_payload(decode=True))
    (vevent,) = single_cancel.walk("VEVENT")
    assert "RECURRENCE-ID" in vevent and str(vevent["STATUS"]) == "CANCELLED"


def test_reminders_are_sent_once_even_when_run_twice(smtp, trainer, learner, make_user):
    soon = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                  + timedelta(minutes=50))
    tomorrow = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                      + timedelta(hours=20))
    factories.make_webinar(trainer, start_utc=utcnow() + timedelta(days=3))
    other = make_user()
    for webinar in (soon, tomorrow):
        registering.register(webinar.id, learner)
    registering.register(tomorrow.id, other)
    db.session.commit()

    assert send_reminders() == 3
    assert send_reminders() == 0
    deliver_all()
    subjects = sorted((m["To"], m["Subject"]) for m in smtp)
    assert subjects == sorted([
        (learner.email, f"Starting soon: {soon.title}"),
        (learner.email, f"Tomorrow: {tomorrow.title}"),
        (other.email, f"Tomorrow: {tomorrow.title}"),
    ])
    assert all(calendar_part(m).get_param("method") == "REQUEST" for m in smtp)
    # an hour later (cron late) the 1-hour reminder of the 20-hour webinar is not yet due
    assert send_reminders(utcnow() + timedelta(hours=2)) == 0
    # 19.5 hours later the 1-hour reminders are due, once
    later = utcnow() + timedelta(hours=19, minutes=30)
    assert send_reminders(later) == 2
    assert send_reminders(later + timedelta(minutes=10)) == 0
    assert deliver_all().sent == 2 and len(smtp) == 5


def test_cancelled_sessions_get_no_reminder(app, outbox, trainer, learner):
    start = utcnow().replace(microsecond=0) + timedelta(hours=5)
    webinar = factories.make_webinar(trainer, start_utc=start, rrule=build_rrule("weekly", count=2))
    registering.register(webinar.id, learner)
    services.cancel_session(webinar, start)
    db.session.commit()
    outbox.clear()
    assert send_reminders() == 0


@pytest.mark.real_commits  # each thread has its own connection
def test_two_copies_running_at_once_send_each_reminder_once(app, outbox, trainer, make_user):
    webinar = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                     + timedelta(minutes=30))
    people = [make_user() for _ in range(3)]
    for person in people:
        registering.register(webinar.id, person)
    db.session.commit()
    outbox.clear()
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                counts.append(send_reminders())
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (a thread reports any failure to the test)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(counts) == 3
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in people)
    assert db.session.scalar(sa.select(sa.func.count(SentReminder.id))) == 3


def test_remind_command(app, outbox, trainer, learner):
    webinar = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                     + timedelta(minutes=30))
    registering.register(webinar.id, learner)
    db.session.commit()
    outbox.clear()
    runner = app.test_cli_runner()
    assert "reminders sent: 1" in runner.invoke(args=["webinars", "remind"]).output
    assert "reminders sent: 0" in runner.invoke(args=["webinars", "remind"]).output
    assert len(outbox) == 1


def test_a_failed_queueing_is_retried_by_the_next_run(app, outbox, trainer, learner, monkeypatch):
    from elearn.webinars import reminders

    webinar = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                     + timedelta(minutes=30))
    registering.register(webinar.id, learner)
    db.session.commit()
    outbox.clear()
    real = reminders.send_mail

    def broken(*args, **kwargs):
        raise RuntimeError("could not build the mail")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert send_reminders() == 0
    assert db.session.scalar(sa.select(sa.func.count(SentReminder.id))) == 0
    monkeypatch.setattr(reminders, "send_mail", real)
    assert send_reminders() == 1
    assert len(outbox) == 1
