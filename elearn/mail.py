"""Sending email: SMTP when ELEARN_SMTP_HOST is set, otherwise written to the log."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("elearn.mail")


@dataclass
class Attachment:
    filename: str
    content: bytes
    #: e.g. ``text/calendar``
    mimetype: str
    #: extra Content-Type parameters, e.g. ``{"method": "REQUEST"}``
    params: dict[str, str] | None = None


def build_message(
    to: str, subject: str, text: str, attachments: list[Attachment] | None = None,
    sender: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    for item in attachments or []:
        maintype, subtype = item.mimetype.split("/", 1)
        message.add_attachment(
            item.content, maintype=maintype, subtype=subtype, filename=item.filename,
            params=item.params or {},
        )
    return message


def send_mail(to: str, subject: str, text: str, attachments: list[Attachment] | None = None) -> EmailMessage:
    """Send one message. Returns it (tests look at what was sent)."""
    message = build_message(to, subject, text, attachments)
    config = current_app.config
    outbox = current_app.extensions.get("elearn_outbox")
    if outbox is not None:  # tests collect messages here
        outbox.append(message)
    if not config["SMTP_HOST"]:
        log.info("mail to %s: %s\n%s", to, subject, text)
        return message
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
    return message
