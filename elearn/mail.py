"""Mail as data: ``send_mail`` queues a row in the outbox, in the caller's transaction.

Nothing here talks to a mail server. The row commits (or rolls back) with the change that caused
it, and a worker delivers it afterwards (``elearn.outbox.delivery``, the only SMTP client).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app

from elearn.accounts.models import User
from elearn.accounts.services import make_reset_token
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.outbox.models import OutboxMessage, OutboxStatus
from elearn.urls import absolute_url


@dataclass
class Attachment:
    filename: str
    content: bytes
    #: e.g. ``text/calendar``
    mimetype: str
    #: extra Content-Type parameters, e.g. ``{"method": "REQUEST"}``
    params: dict[str, str] | None = None

    def to_json(self) -> dict:
        return {"filename": self.filename, "mimetype": self.mimetype, "params": self.params or {},
                "content": base64.b64encode(self.content).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict) -> Attachment:
        return cls(data["filename"], base64.b64decode(data["content"]), data["mimetype"],
                   data.get("params") or None)


def build_message(
    to: str, subject: str, text: str, attachments: list[Attachment] | None = None,
    sender: str | None = None, message_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    for item in attachments or []:
        maintype, subtype = item.mimetype.split("/", 1)
        message.add_attachment(
            item.content, maintype=maintype, subtype=subtype, filename=item.filename,
            params=item.params or {},
        )
    return message


#: stands in a queued text for the recipient's password link, made when the mail is delivered
#: (the link's two hours start when it leaves, the outbox never stores a live token, and a
#: bulk enrolment of 10,000 accounts does not sign 10,000 tokens inside its request)
RESET_LINK = "{{reset_link}}"


def _delivered_text(row) -> str:
    if RESET_LINK not in row.text:
        return row.text
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or not user.active:
        link = absolute_url("accounts.forgot_password")
    else:
        link = absolute_url("accounts.reset_password", token=make_reset_token(user))
    return row.text.replace(RESET_LINK, link)


def message_of(row) -> EmailMessage:
    """The message an outbox row stands for; its Message-ID is stable across attempts."""
    domain = current_app.config["MAIL_SENDER"].rsplit("@", 1)[-1].strip("> ") or "elearn"
    return build_message(
        row.recipient, row.subject, _delivered_text(row),
        [Attachment.from_json(item) for item in row.attachments or []],
        message_id=f"<outbox-{row.id}@{domain}>",
    )


def send_mail(to: str, subject: str, text: str, attachments: list[Attachment] | None = None):
    """Queue one message in the outbox, in the current transaction (it is sent after commit,
    by a worker; a rollback drops it). Returns the row."""
    row = OutboxMessage(recipient=to, subject=subject, text=text,
                        attachments=[a.to_json() for a in attachments or []])
    db.session.add(row)
    db.session.info["elearn_mail_queued"] = True
    return row


def send_mails(mails: list[tuple[str, str, str, int | None]]) -> int:
    """Queue many plain messages ``(to, subject, text, user_id)`` with one INSERT (bulk
    enrolment); ``user_id`` is the account whose password link fills ``RESET_LINK``."""
    if not mails:
        return 0
    now = utcnow()
    db.session.execute(sa.insert(OutboxMessage.__table__), [  # Core executemany
        {"recipient": to, "subject": subject, "text": text, "user_id": user_id, "attachments": [],
         "status": OutboxStatus.pending, "attempts": 0, "next_attempt_at": now, "created_at": now}
        for to, subject, text, user_id in mails
    ])
    db.session.info["elearn_mail_queued"] = True
    return len(mails)
