"""Delivery of the outbox: the only place that talks SMTP.

A worker claims a batch of due rows with one conditional UPDATE (on PostgreSQL the candidates
are picked with ``FOR UPDATE SKIP LOCKED`` so two workers take different rows without waiting),
sends them over one SMTP connection, and marks each row sent in its own commit right after the
server accepted it. A worker that dies keeps its claim until ``claimed_until``; then another
worker takes the rows it had not marked sent. Failures: a 5xx answer is permanent (the row is
``failed`` at once); anything else is tried again with exponential back-off, up to
``MAIL_MAX_ATTEMPTS``.

The one window SMTP itself leaves open: a worker killed after the server accepted a message and
before its row was committed as sent. The message carries a stable ``Message-ID``
(``<outbox-ID@domain>``) so the receiving side can recognise the repeat.

Why this module commits by itself (the one exception to "one unit of work, committed by
``elearn.database``"): each commit here records a fact about the outside world the moment it
happens. The claim must be visible to other workers before the first message leaves (or two
workers send the same rows); the lease renewal before each message must be visible before it
is sent; and each "sent" mark must be durable right after the SMTP server accepted it, so a
worker dying mid-batch re-sends nothing already accepted. One transaction per batch would widen
the duplicate window from one message to the whole batch.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.mail import message_of
from elearn.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger("elearn.outbox")


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: base × 2^(attempts-1), at most six hours."""
    base = float(current_app.config["MAIL_RETRY_BASE_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _due(now: datetime):
    return sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.claimed_until < now),
    )


def claim(limit: int, worker: str | None = None) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows for this worker and commit the claim; return them."""
    worker = worker or uuid.uuid4().hex
    now = utcnow()
    lease = timedelta(seconds=float(current_app.config["MAIL_CLAIM_SECONDS"]))
    candidates = (sa.select(OutboxMessage.id).where(_due(now))
                  .order_by(OutboxMessage.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        # pick and lock the rows first (other workers skip them until the commit below); an
        # IN (subquery ... LIMIT) inside the UPDATE may be re-run by the planner and take more
        picked = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
    else:
        # SQLite: one statement, so the transaction starts by taking the write lock
        picked = candidates.scalar_subquery()
    # conditional: a row another worker claimed in between no longer matches _due
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked), _due(now))
        .values(status=OutboxStatus.sending, claimed_by=worker, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.claimed_by == worker,
                                       OutboxMessage.status == OutboxStatus.sending)
        .order_by(OutboxMessage.id).execution_options(populate_existing=True)
    ))


def _finish(row: OutboxMessage, worker: str, **values) -> None:
    """Record the outcome of one row, only while this worker still holds it; commit."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _still_mine(row: OutboxMessage, worker: str) -> bool:
    """Renew this worker's lease on ``row`` just before sending it; commit.

    False when the lease ran out while earlier rows of the batch were being sent and another
    worker has taken the row over: then this worker must not send it too.
    """
    lease = timedelta(seconds=float(current_app.config["MAIL_CLAIM_SECONDS"]))
    renewed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == worker,
               OutboxMessage.status == OutboxStatus.sending)
        .values(claimed_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return renewed == 1


def _failed(row: OutboxMessage, worker: str, error: str, permanent: bool,
            result: DeliveryResult) -> None:
    attempts = row.attempts + 1
    result.errors.append(f"{row.recipient}: {error}")
    if permanent or attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        result.failed += 1
        _finish(row, worker, status=OutboxStatus.failed, attempts=attempts, last_error=error)
        log.warning("mail %s to %s failed for good: %s", row.id, row.recipient, error)
    else:
        result.retried += 1
        _finish(row, worker, status=OutboxStatus.pending, attempts=attempts, last_error=error,
                next_attempt_at=utcnow() + backoff(attempts))
        log.info("mail %s to %s failed, retry later: %s", row.id, row.recipient, error)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                        timeout=float(config["SMTP_TIMEOUT"]))
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def deliver_batch(limit: int | None = None, worker: str | None = None) -> DeliveryResult:
    """Claim one batch and send it over one SMTP connection."""
    worker = worker or uuid.uuid4().hex
    rows = claim(limit or int(current_app.config["MAIL_BATCH_SIZE"]), worker)
    result = DeliveryResult(claimed=len(rows))
    if not rows:
        return result
    if not current_app.config["SMTP_HOST"]:  # development: the log is the mail server
        for row in rows:
            log.info("mail to %s: %s\n%s", row.recipient, row.subject, row.text)
            _finish(row, worker, status=OutboxStatus.sent, attempts=row.attempts + 1,
                    sent_at=utcnow(), last_error=None)
            result.sent += 1
        return result
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        for row in rows:
            _failed(row, worker, f"connection: {exc}", False, result)
        return result
    try:
        for index, row in enumerate(rows):
            if not _still_mine(row, worker):
                continue
            try:
                smtp.send_message(message_of(row))
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _msg in exc.recipients.values()]
                _failed(row, worker, f"refused: {exc.recipients}",
                        all(500 <= code < 600 for code in codes), result)
            except smtplib.SMTPResponseException as exc:
                _failed(row, worker, f"{exc.smtp_code} {exc.smtp_error!r}",
                        500 <= exc.smtp_code < 600, result)
                if isinstance(exc, smtplib.SMTPSenderRefused) or exc.smtp_code == 421:
                    for rest in rows[index + 1:]:
                        _failed(rest, worker, "connection closed", False, result)
                    break
            except (OSError, smtplib.SMTPException) as exc:  # connection lost: try the rest later
                for rest in rows[index:]:
                    _failed(rest, worker, f"connection: {exc}", False, result)
                break
            else:
                _finish(row, worker, status=OutboxStatus.sent, attempts=row.attempts + 1,
                        sent_at=utcnow(), last_error=None)
                result.sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return result


def deliver_all(max_batches: int = 1000, worker: str | None = None) -> DeliveryResult:
    """Deliver batches until nothing is due (or ``max_batches``); the worker's periodic job."""
    total = DeliveryResult()
    for _ in range(max_batches):
        result = deliver_batch(worker=worker)
        for name in ("claimed", "sent", "retried", "failed"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.errors += result.errors
        if result.claimed == 0 or result.sent == 0:
            break
    return total
