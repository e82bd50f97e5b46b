"""Certificates: issuing, access, revocation, reissue after a name correction, verification.

Every change is recorded as a CertificateEvent (who, when, what, why). Codes come from
``secrets``: 20 symbols of a 32-letter alphabet without 0/O/1/l/I = 100 bits, shown in groups
of five (``k7m2q-...``); lookups accept upper case and missing or extra dashes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from elearn.accounts.models import User
from elearn.accounts.services import people_search
from elearn.certificates import issuing, renewal
from elearn.certificates.models import Certificate, CertificateEvent, CertificateEventKind
from elearn.courses.models import Course
from elearn.db_types import escape_like, utcnow
from elearn.extensions import db
from elearn.signals import course_completed
from elearn.urls import absolute_url

#: no 0/O/1/l/I: easy to read aloud and to type from paper
CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
CODE_LENGTH = 20  # 20 symbols x 5 bits = 100 bits


_CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 5] for i in range(0, CODE_LENGTH, 5))


def certificate_of(user_id: int, course_id: int) -> Certificate | None:
    """The certificate a user earned in a course (revoked ones included), or None."""
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id))


def issue_certificate(enrolment) -> Certificate:
    """Issue the certificate of a completed enrolment, once (an existing one is returned)."""
    existing = certificate_of(enrolment.user_id, enrolment.course_id)
    if existing is not None:
        return existing
    user = enrolment.user
    certificate = Certificate(
        code=new_code(), user_id=user.id, course_id=enrolment.course_id,
        audience_id=user.audience_id, learner_name=user.name, issued_at=enrolment.completed_at,
    )
    db.session.add(certificate)
    db.session.flush()
    renewal.start_validity(certificate, certificate.issued_at)
    issuing.allocate_status(certificate, certificate.issued_at)
    db.session.add(CertificateEvent(certificate_id=certificate.id, kind=CertificateEventKind.issued,
                                    actor_id=None, at=certificate.issued_at,
                                    reason="course completed", details=f"name: {user.name}"))
    db.session.flush()
    return certificate


@course_completed.connect
def _issue_on_completion(enrolment, **_extra) -> None:
    """A completed course issues exactly one certificate, at once (elearn.signals)."""
    issue_certificate(enrolment)


def normalise_code(raw: str) -> str | None:
    """The canonical form of a code as typed (case, spaces and dashes forgiven), or None."""
    compact = re.sub(r"[\s-]", "", raw or "").lower()
    if not _CODE_RE.match(compact):
        return None
    return "-".join(compact[i:i + 5] for i in range(0, CODE_LENGTH, 5))


def search_query(term: str) -> sa.Select:
    """Certificates for the admins' search, newest first: by code (typed loosely, or a part of
    it), the learner's name or email (the one people-search rule), the name printed on the
    certificate, or the course's title or slug. An empty term lists them all."""
    query = (sa.select(Certificate).join(Certificate.user).join(Certificate.course)
             .options(joinedload(Certificate.user), joinedload(Certificate.course))
             .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    term = " ".join((term or "").split())
    if not term:
        return query
    pattern = f"%{escape_like(term.lower())}%"
    conditions = [
        people_search(User.name, User.email, term),
        sa.func.lower(Certificate.learner_name).like(pattern, escape="\\"),
        # as typed too: SQLite's lower() folds ASCII only (Cyrillic, Greek... names)
        Certificate.learner_name.like(f"%{escape_like(term)}%", escape="\\"),
        sa.func.lower(Course.title).like(pattern, escape="\\"),
        Course.slug.like(pattern, escape="\\"),
    ]
    code = normalise_code(term)
    if code is not None:
        conditions.append(Certificate.code == code)
    compact = re.sub(r"[\s-]", "", term).lower()
    if len(compact) >= 5 and compact.isalnum():  # part of a code, dashes where the code has them
        conditions.append(sa.func.replace(Certificate.code, "-", "").like(f"%{compact}%"))
    return query.where(sa.or_(*conditions))


def get_by_code(raw: str) -> Certificate | None:
    code = normalise_code(raw)
    if code is None:
        return None
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.code == code)
        .options(joinedload(Certificate.course), joinedload(Certificate.audience),
                 joinedload(Certificate.user))
    )


class CertificateChangeRefused(Exception):
    pass


def revoke(certificate: Certificate, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateChangeRefused(_("A reason is needed to revoke a certificate."))
    if certificate.revoked_at is not None:
        raise CertificateChangeRefused(_("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    issuing.retire_status(certificate, certificate.revoked_at)
    db.session.add(CertificateEvent(certificate_id=certificate.id,
                                    kind=CertificateEventKind.revoked, actor_id=actor.id,
                                    at=certificate.revoked_at, reason=reason))
    db.session.flush()


def reissue(certificate: Certificate, actor, new_name: str, reason: str) -> None:
    """Print a corrected name on the same certificate: the code, and so every link and QR code
    already shared, stays valid."""
    new_name = " ".join((new_name or "").split())
    reason = (reason or "").strip()
    if not new_name:
        raise CertificateChangeRefused(_("The name cannot be empty."))
    if not reason:
        raise CertificateChangeRefused(_("Say why the certificate is reissued."))
    if new_name == certificate.learner_name:
        raise CertificateChangeRefused(_("The name is unchanged."))
    old = certificate.learner_name
    certificate.learner_name = new_name
    # a new signed version; the credential with the old name is set in the status list
    issuing.allocate_status(certificate)
    db.session.add(CertificateEvent(certificate_id=certificate.id,
                                    kind=CertificateEventKind.reissued, actor_id=actor.id,
                                    at=utcnow(), reason=reason,
                                    details=f"name: {old} -> {new_name}"))
    db.session.flush()


def events(certificate: Certificate) -> list[CertificateEvent]:
    return list(db.session.scalars(
        sa.select(CertificateEvent).where(CertificateEvent.certificate_id == certificate.id)
        .options(joinedload(CertificateEvent.actor)).order_by(CertificateEvent.id)
    ))


def verification_url(code: str) -> str:
    return absolute_url("certificates.verify", code=code)


def pdf_url(code: str) -> str:
    return absolute_url("certificates.pdf", code=code)


@dataclass(frozen=True)
class Verification:
    """What the public may know about a code: nothing personal beyond name, course, audience
    and date."""

    status: str  # valid | revoked | expired | unknown
    code: str
    learner_name: str = ""
    course_title: str = ""
    audience_name: str = ""
    issued_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    valid_until: datetime | None = None

    def as_json(self) -> dict:
        data = {"code": self.code, "status": self.status}
        if self.status != "unknown":
            data.update(
                learner_name=self.learner_name,
                course=self.course_title,
                audience=self.audience_name,
                completed_on=self.issued_at.date().isoformat(),
                issuing_body=current_app.config["ISSUING_BODY"],
                verification_url=verification_url(self.code),
            )
            if self.valid_until is not None:
                data["valid_until"] = self.valid_until.date().isoformat()
        if self.status == "revoked":
            data.update(revoked_on=self.revoked_at.date().isoformat(),
                        revoked_reason=self.revoked_reason)
        return data


def verify(raw: str) -> Verification:
    certificate = get_by_code(raw)
    if certificate is None:
        return Verification(status="unknown", code=(raw or "")[:40])
    if certificate.revoked_at:
        status = "revoked"
    elif certificate.expired(utcnow()):
        status = "expired"
    else:
        status = "valid"
    return Verification(
        status=status,
        code=certificate.code,
        learner_name=certificate.learner_name,
        course_title=certificate.course.title,
        audience_name=certificate.audience.name,
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason or "",
        valid_until=certificate.valid_until,
    )


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's "add to profile" link, filled in."""
    issued = certificate.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course.title,
        "organizationName": current_app.config["ISSUING_BODY"],
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": verification_url(certificate.code),
        "certId": certificate.code,
    })


def certificate_pdf(certificate: Certificate, labels=None) -> bytes:
    """The PDF of a certificate (see elearn.certificates.pdf). Raises
    elearn.certificates.fonts.MissingGlyphs when a character of it has no glyph in any font."""
    # fpdf2 and fontTools (half a second of imports) load at the first PDF, not in every process
    from elearn.certificates.fonts import fallback_paths
    from elearn.certificates.pdf import CertificateData, render_certificate

    return render_certificate(CertificateData(
        learner_name=certificate.learner_name,
        course_title=certificate.course.title,
        audience_name=certificate.audience.name,
        completed_on=certificate.issued_at.date(),
        issuing_body=current_app.config["ISSUING_BODY"],
        code=certificate.code,
        verification_url=verification_url(certificate.code),
        revoked=certificate.revoked_at is not None,
    ), labels, fallback_paths(current_app.config.get("CERTIFICATE_FALLBACK_FONTS")))
