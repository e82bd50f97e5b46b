"""The mail outbox: mail is a row of the change's transaction; a worker delivers it in batches
over one SMTP connection, retries with back-off, fails for good on 5xx, never sends twice."""

from __future__ import annotations

import email
import smtplib
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.mail import Attachment, send_mail
from elearn.outbox import delivery
from elearn.outbox.models import OutboxMessage, OutboxStatus
from tests import factories


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """An aiosmtpd server: ``received`` messages, ``sessions`` connections; ``answers`` maps a
    recipient to the SMTP answer it gets (e.g. "451 later", "550 no such user")."""

    def __init__(self):
        self.received: list = []
        self.sessions = 0
        self.answers: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def sink(app):
    from aiosmtpd.controller import Controller

    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def status_of(row_id: int) -> OutboxMessage:
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == row_id)
                             .execution_options(populate_existing=True))


# --- queueing ---------------------------------------------------------------------------------


def test_send_mail_is_a_row_of_the_transaction(app, outbox):
    send_mail("a@example.org", "Hello", "Body", [Attachment("x.ics", b"BEGIN", "text/calendar",
                                                            {"method": "REQUEST"})])
    db.session.rollback()
    assert outbox == []
    send_mail("a@example.org", "Hello", "Body", [Attachment("x.ics", b"BEGIN", "text/calendar",
                                                            {"method": "REQUEST"})])
    db.session.commit()
    (message,) = outbox
    assert message["To"] == "a@example.org" and message["Subject"] == "Hello"
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST" and part.get_payload(decode=True) == b"BEGIN"


def test_no_smtp_connection_inside_a_request(client, learner, outbox, monkeypatch, app):
    def refuse(*args, **kwargs):
        raise AssertionError("SMTP opened inside a request")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    try:
        response = client.post("/password/forgot", data={"email": learner.email})
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert response.status_code == 302
    assert [m["To"] for m in outbox] == [learner.email]


def test_a_commit_that_queued_mail_wakes_the_worker_and_a_rollback_does_not(app, monkeypatch):
    from elearn import tasks

    woken = []
    monkeypatch.setattr(tasks, "deliver_now", lambda: woken.append(1))
    app.config["QUEUE_KICK"] = True
    try:
        send_mail("a@example.org", "S", "T")
        db.session.rollback()
        db.session.commit()
        assert woken == []
        send_mail("a@example.org", "S", "T")
        db.session.commit()
        assert woken == [1]
        db.session.commit()
        assert woken == [1]
    finally:
        app.config["QUEUE_KICK"] = False


# --- every feature that mails: in the outbox after commit, absent after rollback -----------------


def _enrolment_request(learner, trainer):
    from elearn.enrolments import place_requests

    course = factories.make_course(owner=trainer, restricted=True, audiences=("nip-official",))
    place_requests.request_place(learner, course, "please")


def _enrolment_decision(learner, trainer):
    from elearn.enrolments import place_requests

    course = factories.make_course(owner=trainer, restricted=True, audiences=("nip-official",))
    request = place_requests.request_place(learner, course, "please")
    db.session.commit()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    place_requests.decide(request, trainer, approve=True)


def _bulk_welcome(learner, trainer):
    from elearn.enrolments import bulk, bulk_file

    course = factories.make_course(owner=trainer)
    text = "email,name,audience,country,centre\nnew@example.org,New One,customs-officer,SN,\n"
    result = bulk.apply(bulk_file.parse(text.encode()), course, trainer)
    bulk.send_welcome_mail(result.new_accounts, course)


def _webinar_registration(learner, trainer):
    from elearn.webinars import itip, registering

    webinar = factories.make_webinar(trainer)
    _registration, mails = registering.register(webinar.id, learner)
    itip.queue_mails(mails)


def _webinar_cancellation(learner, trainer):
    from elearn.webinars import itip, registering, services

    webinar = factories.make_webinar(trainer)
    registering.register(webinar.id, learner)
    db.session.commit()
    itip.queue_mails(services.cancel_webinar(webinar))


def _certificate_expiry_reminder(learner, trainer):
    from elearn.certificates import renewal

    course = factories.make_course(owner=trainer, modules=1)
    course.certificate_validity_months = 6
    db.session.commit()
    certificate = factories.make_certificate(learner, course)
    certificate.valid_until = utcnow() + timedelta(days=10)
    db.session.commit()
    db.session.execute(sa.delete(OutboxMessage))  # mail of the completion itself, if any
    db.session.commit()
    assert renewal.send_expiry_reminders() == 1


FEATURES = {
    "enrolment request": _enrolment_request,
    "enrolment decision": _enrolment_decision,
    "bulk welcome": _bulk_welcome,
    "webinar registration": _webinar_registration,
    "webinar cancellation": _webinar_cancellation,
    "certificate expiry reminder": _certificate_expiry_reminder,
}


@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_feature_mail_is_queued_with_its_change(app, outbox, learner, trainer, feature, end):
    outbox.clear()
    FEATURES[feature](learner, trainer)
    getattr(db.session, end)()
    if end == "commit":
        assert len(outbox) >= 1
    else:
        assert outbox == []


def test_webinar_reminder_is_queued_with_its_claim(app, outbox, learner, trainer):
    from elearn.webinars import registering
    from elearn.webinars.models import SentReminder
    from elearn.webinars.reminders import send_reminders

    webinar = factories.make_webinar(trainer, start_utc=utcnow().replace(microsecond=0)
                                     + timedelta(minutes=30))
    registering.register(webinar.id, learner)
    db.session.commit()
    outbox.clear()
    assert send_reminders() == 1
    assert [m["To"] for m in outbox] == [learner.email]
    assert db.session.scalar(sa.select(sa.func.count(SentReminder.id))) == 1


# --- delivery ---------------------------------------------------------------------------------


def queue(count: int, prefix: str = "p") -> list[int]:
    rows = [send_mail(f"{prefix}{n}@example.org", f"Message {n}", "Body") for n in range(count)]
    db.session.commit()
    return [row.id for row in rows]


def test_a_batch_goes_over_one_connection_and_each_message_once(app, sink):
    ids = queue(5)
    result = delivery.deliver_all()
    assert (result.sent, result.failed, result.retried) == (5, 0, 0)
    assert sink.sessions == 1
    assert sorted(m["To"] for m in sink.received) == sorted(f"p{n}@example.org" for n in range(5))
    assert len({m["Message-ID"] for m in sink.received}) == 5
    assert all(status_of(i).status is OutboxStatus.sent and status_of(i).sent_at for i in ids)
    assert delivery.deliver_all().claimed == 0  # nothing twice


def test_temporary_failure_is_retried_with_back_off_then_fails_for_good(app, sink):
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=60)
    try:
        (row_id,) = queue(1)
        sink.answers["p0@example.org"] = "451 4.3.0 try again later"
        before = utcnow()
        assert delivery.deliver_all().retried == 1
        row = status_of(row_id)
        assert row.status is OutboxStatus.pending and row.attempts == 1 and "451" in row.last_error
        assert timedelta(seconds=55) < row.next_attempt_at - before < timedelta(seconds=70)
        assert delivery.deliver_all().claimed == 0  # not before its time
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert delivery.deliver_all().retried == 1
        row = status_of(row_id)
        assert timedelta(seconds=110) < row.next_attempt_at - utcnow() < timedelta(seconds=130)
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert delivery.deliver_all().failed == 1  # third attempt was the last
        assert status_of(row_id).status is OutboxStatus.failed
        assert sink.received == []
    finally:
        app.config.update(MAIL_MAX_ATTEMPTS=8)


def test_permanent_refusal_fails_at_once_and_the_others_still_go(app, sink):
    ids = queue(3)
    sink.answers["p1@example.org"] = "550 5.1.1 no such user"
    result = delivery.deliver_all()
    assert (result.sent, result.failed) == (2, 1)
    assert status_of(ids[1]).status is OutboxStatus.failed and "550" in status_of(ids[1]).last_error
    assert sink.sessions == 1


def test_server_down_keeps_everything_for_later(app):
    ids = queue(2)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    try:
        result = delivery.deliver_all()
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    assert result.retried == 2 and result.sent == 0
    assert all(status_of(i).status is OutboxStatus.pending for i in ids)


@pytest.mark.real_commits  # each thread has its own connection
def test_two_workers_at_once_send_each_message_once(app, sink):
    queue(60)
    app.config["MAIL_BATCH_SIZE"] = 7
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                delivery.deliver_all()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported to the test)
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        app.config["MAIL_BATCH_SIZE"] = 100
    assert not errors
    assert sorted(m["To"] for m in sink.received) == sorted(f"p{n}@example.org" for n in range(60))
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                             .where(OutboxMessage.status == OutboxStatus.sent)) == 60


def test_a_dead_workers_claim_is_taken_over_after_it_expires(app, sink):
    ids = queue(3)
    claimed = delivery.claim(2, worker="dead")  # then the worker died before sending
    assert [row.id for row in claimed] == ids[:2]
    result = delivery.deliver_all()
    assert result.sent == 1  # the live claim is respected
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.claimed_by == "dead")
                       .values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert delivery.deliver_all().sent == 2
    assert sorted(m["To"] for m in sink.received) == sorted(f"p{n}@example.org" for n in range(3))


def test_a_late_worker_cannot_overwrite_a_taken_over_claim(app, sink):
    (row_id,) = queue(1)
    (row,) = delivery.claim(1, worker="slow")
    db.session.execute(sa.update(OutboxMessage).values(claimed_by="other"))
    db.session.commit()
    delivery._finish(row, "slow", status=OutboxStatus.failed)
    assert status_of(row_id).status is OutboxStatus.sending


def test_without_smtp_host_the_log_is_the_mail_server(app, caplog):
    (row_id,) = queue(1)
    with caplog.at_level("INFO", logger="elearn.outbox"):
        assert delivery.deliver_all().sent == 1
    assert "p0@example.org" in caplog.text
    assert status_of(row_id).status is OutboxStatus.sent


def test_mail_commands(app, sink):
    queue(2)
    runner = app.test_cli_runner()
    assert "sent: 2" in runner.invoke(args=["mail", "deliver"]).output
    db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.failed))
    db.session.commit()
    assert "queued again: 2" in runner.invoke(args=["mail", "retry"]).output
    assert "sent: 2" in runner.invoke(args=["mail", "deliver"]).output


# --- /admin/mail ------------------------------------------------------------------------------


def test_admin_sees_waiting_and_failed_mail_and_retries(admin_client, app):
    ids = queue(2)
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == ids[1])
                       .values(status=OutboxStatus.failed, last_error="550 no such user",
                               attempts=1))
    db.session.commit()
    html = admin_client.get("/admin/mail").get_data(as_text=True)
    assert "p0@example.org" in html and "p1@example.org" not in html
    html = admin_client.get("/admin/mail?show=failed").get_data(as_text=True)
    assert "p1@example.org" in html and "550 no such user" in html
    response = admin_client.post("/admin/mail/retry", data={"id": str(ids[1])})
    assert response.status_code == 302
    row = status_of(ids[1])
    assert row.status is OutboxStatus.pending and row.attempts == 0
    assert admin_client.post("/admin/mail/retry", data={"id": "x"}).status_code == 400


@pytest.mark.parametrize("who, status", [("learner", 403), ("trainer", 403),
                                         ("coordinator", 403)])
def test_only_admins_see_the_outbox(request, as_user, who, status):
    client = as_user(request.getfixturevalue(who))
    assert client.get("/admin/mail").status_code == status
    assert client.post("/admin/mail/retry").status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/mail")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_row_taken_over_after_the_lease_ran_out_is_not_sent_again(app, sink):
    """A slow batch outlives its lease; another worker claims the rest: the first skips them."""
    queue(3)
    slow = delivery.claim(10, worker="slow")
    assert len(slow) == 3
    # the lease of "slow" has run out and worker "fast" took the last row over
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == slow[2].id)
                       .values(claimed_by="fast"))
    db.session.commit()
    assert delivery._still_mine(slow[0], "slow")
    assert not delivery._still_mine(slow[2], "slow")
    assert not delivery._still_mine(slow[0], "fast")
