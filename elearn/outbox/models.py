"""OutboxMessage: one mail waiting for, or done with, delivery."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db


class OutboxStatus(enum.Enum):
    pending = "pending"  # waiting for a worker (or for its next attempt)
    sending = "sending"  # claimed by a worker until ``claimed_until``
    sent = "sent"
    failed = "failed"  # refused for good, or out of attempts; an admin may retry it


class OutboxMessage(db.Model):
    """A mail queued by a change; delivered by a worker after the change committed."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one address per message
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(500))
    #: the plain-text body, already in the recipient's language; ``elearn.mail.RESET_LINK`` in it
    #: is replaced at delivery by a fresh password link of ``user_id`` (``elearn.mail.message_of``)
    text: Mapped[str] = mapped_column(sa.Text)
    #: the account a password link is made for at delivery (no foreign key: mail rows outlive
    #: accounts; a deleted or disabled account gets the forgot-password page instead)
    user_id: Mapped[int | None] = mapped_column()
    #: ``[{"filename", "mimetype", "params", "content" (base64)}]``
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.pending,
    )
    #: delivery attempts made so far
    attempts: Mapped[int] = mapped_column(default=0)
    #: not tried again before this instant (exponential back-off after a failure)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the worker's claim token while ``sending``; a claim that outlives ``claimed_until``
    #: (the worker died) is taken over
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last SMTP error, for the admin page
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
