"""Certificate issuing."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from elearn.certificates.models import Certificate
from elearn.extensions import db

#: no 0/O/1/l/I: easy to read aloud and to type from paper
CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
CODE_LENGTH = 20  # 20 symbols x 5 bits = 100 bits


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 5] for i in range(0, CODE_LENGTH, 5))


def issue_certificate(enrolment) -> Certificate:
    """Issue the certificate of a completed enrolment, once (an existing one is returned)."""
    existing = db.session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == enrolment.user_id, Certificate.course_id == enrolment.course_id
        )
    )
    if existing is not None:
        return existing
    user = enrolment.user
    certificate = Certificate(
        code=new_code(), user_id=user.id, course_id=enrolment.course_id,
        audience_id=user.audience_id, learner_name=user.name, issued_at=enrolment.completed_at,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate
