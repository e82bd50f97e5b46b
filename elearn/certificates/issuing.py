"""Verifiable credentials of certificates: status entries, signing, the published documents,
verification, validity (expiry, reminders, renewal).

Services flush and never commit. The documents are built by the pure functions of
``credentials`` from what is read here; signing is deterministic (Ed25519, and the proof's
``created`` is the time the version was issued), so a credential downloaded twice is the same.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from elearn.accounts.models import User
from elearn.certificates import credentials as vc
from elearn.certificates import dataintegrity, jose, keys
from elearn.certificates.models import Certificate, CredentialStatusEntry
from elearn.certificates.status_list import LIST_SIZE, decode_list, is_set, list_number
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.urls import absolute_url

# --- status entries ---------------------------------------------------------------------


def allocate_status(certificate: Certificate, now: datetime | None = None) -> CredentialStatusEntry:
    """Give the certificate a new status entry (a new signed version); the previous one, if
    any, is set in the list so the old version no longer verifies."""
    now = now or utcnow()
    retire_status(certificate, now)
    entry = CredentialStatusEntry(certificate_id=certificate.id, created_at=now)
    db.session.add(entry)
    db.session.flush()
    certificate.status_index = entry.id
    db.session.flush()
    return entry


def retire_status(certificate: Certificate, now: datetime | None = None) -> None:
    """Set the bit of the certificate's current version (revocation, reissue, renewal)."""
    if certificate.status_index is None:
        return
    entry = db.session.get(CredentialStatusEntry, certificate.status_index)
    if entry is not None and entry.revoked_at is None:
        entry.revoked_at = now or utcnow()
        db.session.flush()


def current_entry(certificate: Certificate) -> CredentialStatusEntry:
    """The certificate's current status entry; certificates issued before credentials existed
    get theirs on first use."""
    if certificate.status_index is None:
        return allocate_status(certificate, certificate.starts_at)
    return db.session.get(CredentialStatusEntry, certificate.status_index)


def revoked_positions(number: int) -> set[int]:
    """Positions set in status list ``number`` (1-based)."""
    low, high = (number - 1) * LIST_SIZE, number * LIST_SIZE
    return {index - low for index in db.session.scalars(
        sa.select(CredentialStatusEntry.id).where(
            CredentialStatusEntry.revoked_at.is_not(None),
            CredentialStatusEntry.id >= low, CredentialStatusEntry.id < high))}


# --- the documents ----------------------------------------------------------------------


def issuer() -> vc.Issuer:
    return vc.Issuer(id=absolute_url("certificates.issuer_profile"),
                     name=current_app.config["ISSUING_BODY"],
                     url=absolute_url("core.home"))


def status_list_url(number: int) -> str:
    return absolute_url("certificates.status_list", number=number)


def _salt(certificate: Certificate) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"credential-salt:" + certificate.code.encode(),
                    hashlib.sha256).hexdigest()[:32]


def badge_data(certificate: Certificate) -> vc.BadgeData:
    entry = current_entry(certificate)
    course = certificate.course
    return vc.BadgeData(
        credential_id=absolute_url("certificates.verify", code=certificate.code),
        issuer=issuer(),
        learner_name=certificate.learner_name,
        email=certificate.user.email,
        salt=_salt(certificate),
        achievement_id=absolute_url("courses.show", slug=course.slug),
        course_title=course.title,
        course_summary=course.summary,
        criteria=_("Completed every module and passed every quiz of the course \"%(title)s\".",
                   title=course.title),
        valid_from=certificate.starts_at,
        valid_until=certificate.valid_until,
        status_list_url=status_list_url(list_number(entry.id)),
        status_index=entry.id % LIST_SIZE,
    )


def _sign(document: dict, created: datetime) -> dict:
    key = keys.signing_key()
    return dataintegrity.add_proof(document, key.private, issuer().key_url(key.key_id),
                                   vc.xsd_datetime(created))


def signed_credential(certificate: Certificate) -> dict:
    """The OpenBadgeCredential with its eddsa-rdfc-2022 proof."""
    with force_locale("en"):  # the criteria text is signed: one language for everyone
        data = badge_data(certificate)
    return _sign(vc.open_badge(data), current_entry(certificate).created_at)


def credential_jwt(certificate: Certificate) -> str:
    """The same credential (without the embedded proof) as a VC-JWT."""
    with force_locale("en"):
        data = badge_data(certificate)
    key = keys.signing_key()
    return jose.sign_jwt(vc.open_badge(data), key.private, issuer().key_url(key.key_id))


def status_list_document(number: int) -> dict:
    revoked = revoked_positions(number)
    low, high = (number - 1) * LIST_SIZE, number * LIST_SIZE
    changed = db.session.scalar(sa.select(sa.func.max(CredentialStatusEntry.revoked_at)).where(
        CredentialStatusEntry.id >= low, CredentialStatusEntry.id < high))
    # validFrom and the proof's time: the last change of the list, so the document is the
    # same until a bit changes (stable for caches and ETags)
    if changed is None:
        changed = datetime(2026, 1, 1, tzinfo=UTC)
    document = vc.status_list_credential(status_list_url(number), issuer(), revoked, changed)
    return _sign(document, changed)


def issuer_profile_document() -> dict:
    return vc.issuer_profile(issuer(), [(k.key_id, k.multibase) for k in keys.published_keys()],
                             absolute_url("certificates.issuer_jwks"))


def jwks_document() -> dict:
    return vc.jwks(issuer(), [(k.key_id, k.jwk()) for k in keys.published_keys()])


# --- verification -----------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialCheck:
    """What a verifier learns from a credential file or JWT, in one word plus the facts."""

    status: str  # valid | revoked | expired | not_yet_valid | tampered | unknown_issuer | unreadable
    form: str = ""  # "Data Integrity proof" or "JWT"
    learner_name: str = ""
    course_title: str = ""
    valid_from: str = ""
    valid_until: str = ""
    revoked_on: datetime | None = None
    replaced: bool = False  # revoked because a newer version (name, renewal) replaced it
    code: str = ""


def _our_key(method: str) -> keys.IssuerKey | None:
    prefix = issuer().id + "#"
    if not isinstance(method, str) or not method.startswith(prefix):
        return None
    return keys.find_public_key(method[len(prefix):])


def check_credential(text: str, now: datetime | None = None) -> CredentialCheck:
    """Verify a credential given as JSON (with an embedded proof) or as a VC-JWT."""
    now = now or utcnow()
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return CredentialCheck("unreadable")
        if not isinstance(document, dict):
            return CredentialCheck("unreadable")
        proof = dataintegrity.proof_of(document)
        if proof is None:
            return CredentialCheck("unreadable")
        key = _our_key(proof.get("verificationMethod"))
        if key is None:
            return CredentialCheck("unknown_issuer", form="Data Integrity proof")
        if not dataintegrity.verify_proof(document, key.raw_public):
            return CredentialCheck("tampered", form="Data Integrity proof")
        return _facts(document, "Data Integrity proof", now)
    header = jose.jwt_header(text)
    if header is None:
        return CredentialCheck("unreadable")
    key = _our_key(header.get("kid"))
    if key is None:
        return CredentialCheck("unknown_issuer", form="JWT")
    document = jose.verify_jwt(text, key.raw_public)
    if document is None:
        return CredentialCheck("tampered", form="JWT")
    return _facts(document, "JWT", now)


def _facts(document: dict, form: str, now: datetime) -> CredentialCheck:
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {} if isinstance(subject, dict) else {}
    facts = {
        "form": form,
        "learner_name": str(subject.get("name", "")) if isinstance(subject, dict) else "",
        "course_title": (str(achievement.get("name", "")) if isinstance(achievement, dict)
                         else ""),
        "valid_from": str(document.get("validFrom", "")),
        "valid_until": str(document.get("validUntil", "")),
    }
    credential_id = str(document.get("id", ""))
    prefix = absolute_url("certificates.verify", code="x")[:-1]
    if credential_id.startswith(prefix):
        facts["code"] = credential_id[len(prefix):]
    entry = _status_entry(document.get("credentialStatus"))
    if entry is not None and entry.revoked_at is not None:
        certificate = db.session.get(Certificate, entry.certificate_id)
        return CredentialCheck("revoked", revoked_on=entry.revoked_at,
                               replaced=certificate is not None and not certificate.revoked,
                               **facts)
    start = _instant(document.get("validFrom"))
    if start is None:
        return CredentialCheck("unreadable")
    if start > now:
        return CredentialCheck("not_yet_valid", **facts)
    until = document.get("validUntil")
    if until is not None:
        end = _instant(until)
        if end is None:
            return CredentialCheck("unreadable")
        if end <= now:
            return CredentialCheck("expired", **facts)
    return CredentialCheck("valid", **facts)


def _instant(value) -> datetime | None:
    """An XML Schema dateTime as an aware datetime (no offset: UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _status_entry(status) -> CredentialStatusEntry | None:
    """The status entry a credential points to (our own list), read from the database: the
    same bit the published list carries."""
    if not isinstance(status, dict):
        return None
    url = status.get("statusListCredential", "")
    for number in range(1, 1000):
        if status_list_url(number) == url:
            break
    else:
        return None
    try:
        position = int(status.get("statusListIndex"))
    except (TypeError, ValueError):
        return None
    if not 0 <= position < LIST_SIZE:
        return None
    return db.session.get(CredentialStatusEntry, (number - 1) * LIST_SIZE + position)


def bit_is_set(document: dict, index: int) -> bool:
    """Read a position of a signed status list document (for tests and tools)."""
    return is_set(decode_list(document["credentialSubject"]["encodedList"]), index)


# --- bulk download ----------------------------------------------------------------------


def centre_certificates(centre_id: int) -> list[Certificate]:
    return list(db.session.scalars(
        sa.select(Certificate).join(User, User.id == Certificate.user_id)
        .where(User.centre_id == centre_id)
        .options(joinedload(Certificate.user), joinedload(Certificate.course),
                 joinedload(Certificate.audience))
        .order_by(Certificate.id)
    ))


def certificates_zip(certificates: list[Certificate], pdf_for) -> bytes:
    """A zip with, per certificate, its PDF and (unless revoked) its signed credential."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            stem = f"{certificate.course.slug}/{certificate.code}"
            archive.writestr(f"{stem}.pdf", pdf_for(certificate))
            if certificate.revoked:
                continue
            archive.writestr(f"{stem}.credential.json",
                             json.dumps(signed_credential(certificate), ensure_ascii=False,
                                        indent=2))
    return buffer.getvalue()
