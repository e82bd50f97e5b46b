"""The iTIP emails webinar changes cause: built in the recipient's locale, queued through the
outbox by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.extensions import db
from elearn.mail import Attachment, send_mail
from elearn.webinars import ical
from elearn.webinars.display import when_text
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    Webinar,
    WebinarOccurrence,
)


def N_(message: str) -> str:
    """Mark a message for extraction (pybabel -k N_); it is translated when the mail is built,
    in the recipient's locale."""
    return message


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def queue_mails(mails: list[Mail]) -> None:
    """Put mails prepared by a service in the outbox, in the caller's transaction (before it
    commits): they leave with the change, or not at all."""
    for mail in mails:
        send_mail(mail.to, mail.subject, mail.text, mail.attachments)


def invite_attachment(webinar: Webinar, user: User, method: str,
                      only_session: WebinarOccurrence | None = None) -> Attachment:
    """``invite.ics`` for one recipient: METHOD:REQUEST (new or changed) or METHOD:CANCEL."""
    with force_locale(user.locale or "en"):
        event = to_ics_event(webinar, _("Join: %(link)s", link=webinar.join_url))
    content = ical.events_to_ical(
        [event], name=webinar.title, method=method, attendee=(user.email, user.name),
        only_override=only_session.recurrence_id_local if only_session else None,
        include_master=only_session is None,
    )
    return Attachment(
        filename="invite.ics", content=content, mimetype="text/calendar",
        params={"method": method, "charset": "utf-8"},
    )


def _people(webinar: Webinar, statuses=(RegistrationStatus.registered,)) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.webinar_id == webinar.id, Registration.status.in_(statuses))
        .order_by(User.id)
    ))


def _mail(user: User, webinar: Webinar, subject_fmt: str, body_fmt: str, method: str | None,
          start_utc: datetime | None = None, only_session: WebinarOccurrence | None = None,
          **extra) -> Mail:
    with force_locale(user.locale or "en"):
        when = when_text(start_utc or next_start(webinar) or webinar.start_utc,
                         webinar.timezone, user.timezone, user.locale or "en")
        values = dict(title=webinar.title, when=when, url=webinar_url(webinar),
                      join=webinar.join_url, name=user.name, **extra)
        subject = _(subject_fmt, **values)
        text = _(body_fmt, **values)
    attachments = [invite_attachment(webinar, user, method, only_session)] if method else []
    return Mail(user.email, subject, text, attachments)


INVITE_BODY = N_(
    "Hello %(name)s,\n\n%(title)s\n%(when)s\n\nJoin: %(join)s\nDetails: %(url)s\n\n"
    "The attached invitation adds it to your calendar (or updates it)."
)
from elearn.webinars.ics_data import next_start, to_ics_event, webinar_url


def invitation(webinar: Webinar, user: User) -> Mail:
    return _mail(user, webinar, N_("Registered: %(title)s"), INVITE_BODY, "REQUEST")
