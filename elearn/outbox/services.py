"""What admins do with the outbox: look at pending and failed mail, retry failed mail."""

from __future__ import annotations

import sqlalchemy as sa

from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.outbox.models import OutboxMessage, OutboxStatus

WAITING = (OutboxStatus.pending, OutboxStatus.sending)


def counts() -> dict[OutboxStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
        .group_by(OutboxMessage.status)
    ).all()
    found = dict(rows)
    return {status: found.get(status, 0) for status in OutboxStatus}


def messages_query(statuses):
    return (sa.select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
            .order_by(OutboxMessage.id.desc()))


def retry(ids: list[int] | None = None) -> int:
    """Put failed messages (all, or those in ``ids``) back in the queue, due now; flushes.
    Returns how many."""
    query = (sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)
             .values(status=OutboxStatus.pending, attempts=0, next_attempt_at=utcnow(),
                     claimed_by=None, claimed_until=None)
             .execution_options(synchronize_session=False))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    count = db.session.execute(query).rowcount
    db.session.info["elearn_mail_queued"] = True
    return count
