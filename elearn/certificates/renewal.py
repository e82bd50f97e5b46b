"""Validity and renewal of certificates: when one ends, renewing by a new attempt, and the expiry
reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from elearn import page_cache
from elearn.certificates.issuing import allocate_status
from elearn.certificates.models import Certificate, CertificateEvent, CertificateEventKind
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.mail import send_mail
from elearn.signals import final_assessment_passed_again
from elearn.urls import absolute_url


def validity_end(course, start: datetime) -> datetime | None:
    months = course.certificate_validity_months
    return start + relativedelta(months=months) if months else None


def start_validity(certificate: Certificate, start: datetime) -> None:
    """Set the validity of a new certificate from its course."""
    certificate.valid_until = validity_end(certificate.course, start)


def renew(certificate: Certificate, now: datetime | None = None) -> bool:
    """Renew an expiring or expired certificate after the learner passed the final assessment
    again: a new validity period and a new signed version (the old one is set in the list).
    Returns False when there is nothing to renew (no validity, revoked, not yet due)."""
    now = now or utcnow()
    if certificate.revoked or certificate.valid_until is None:
        return False
    if now < certificate.valid_until - reminder_window():
        return False
    certificate.valid_from = now
    certificate.valid_until = validity_end(certificate.course, now)
    certificate.expiry_reminded_at = None
    allocate_status(certificate, now)
    db.session.add(CertificateEvent(certificate_id=certificate.id,
                                    kind=CertificateEventKind.reissued, actor_id=None, at=now,
                                    reason="renewed: final assessment passed again",
                                    details=f"valid until {certificate.valid_until:%Y-%m-%d}"))
    db.session.flush()
    return True


def renew_certificate(user_id: int, course_id: int, now: datetime | None = None) -> bool:
    """Renew the user's certificate of the course when it is due (see ``renew``)."""
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id))
    return certificate is not None and renew(certificate, now)


def renewal_attempts_since(user_id: int, course_id: int, now: datetime | None = None
                           ) -> datetime | None:
    """While the user's certificate is due for renewal (it expires within the reminder window
    or has expired): the start of its current validity, since when attempts at the final
    assessment count against the limit. None when no renewal is due."""
    certificate = db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id))
    if certificate is None or certificate.valid_until is None or certificate.revoked:
        return None
    opens = certificate.valid_until - reminder_window()
    if (now or utcnow()) < opens:
        page_cache.valid_until(opens)  # a page showing the attempts left changes then
        return None
    return certificate.starts_at


def reminder_window() -> timedelta:
    return timedelta(days=int(current_app.config["CERTIFICATE_REMINDER_DAYS"]))


def due_reminders(now: datetime) -> list[Certificate]:
    return list(db.session.scalars(
        sa.select(Certificate).where(
            Certificate.valid_until.is_not(None),
            Certificate.valid_until > now,
            Certificate.valid_until <= now + reminder_window(),
            Certificate.revoked_at.is_(None),
            Certificate.expiry_reminded_at.is_(None),
        ).options(joinedload(Certificate.user), joinedload(Certificate.course))
        .order_by(Certificate.id)
    ))


def send_expiry_reminders(now: datetime | None = None) -> int:
    """Mail each learner whose certificate expires within the reminder window, once per
    validity period. For the worker's periodic jobs and ``flask credentials reminders``;
    the caller commits. Returns how many were sent."""
    from flask_babel import format_date

    now = now or utcnow()
    sent = 0
    for certificate in due_reminders(now):
        learner = certificate.user
        with force_locale(learner.locale):
            subject = _("Your certificate for %(course)s expires on %(date)s",
                        course=certificate.course.title,
                        date=format_date(certificate.valid_until, "long"))
            text = _(
                "Hello %(name)s,\n\nyour certificate for the course \"%(course)s\" expires on "
                "%(date)s. To renew it, take the course's final assessment again:\n%(url)s\n\n"
                "Certificate: %(verify)s\n",
                name=learner.name, course=certificate.course.title,
                date=format_date(certificate.valid_until, "long"),
                url=absolute_url("courses.show", slug=certificate.course.slug),
                verify=absolute_url("certificates.verify", code=certificate.code))
        send_mail(learner.email, subject, text)
        certificate.expiry_reminded_at = now
        sent += 1
    db.session.flush()
    return sent


@final_assessment_passed_again.connect
def _renew_on_final_assessment(quiz, user_id: int, now: datetime | None = None,
                               **_extra) -> None:
    """Passing the final assessment again renews a certificate that is due (elearn.signals)."""
    renew_certificate(user_id, quiz.course_id, now)
