from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import User
from elearn.courses.models import Course
from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db
from elearn.reference.models import Audience


class Certificate(db.Model):
    """Issued once when an enrolment completes; verifiable by its public code."""

    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: unguessable public code (>= 80 bits, no 0/O/1/l)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: the audience the learner belonged to when the certificate was earned
    audience_id: Mapped[int] = mapped_column(sa.ForeignKey("audiences.id"))
    #: the name printed on the certificate (changed only by a reissue)
    learner_name: Mapped[str] = mapped_column(sa.String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    audience: Mapped[Audience] = relationship()

    events: Mapped[list[CertificateEvent]] = relationship(
        back_populates="certificate", order_by="CertificateEvent.id", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateEventKind(enum.Enum):
    issued = "issued"
    revoked = "revoked"
    reissued = "reissued"


class CertificateEvent(db.Model):
    """Audit trail of a certificate: who did what, when and why."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CertificateEventKind] = mapped_column(
        enum_column(CertificateEventKind, "certificate_event_kind")
    )
    #: who acted (None: the system, e.g. issuance on completion)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: why (revocation reason, name correction note)
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: what changed, e.g. the name before and after a reissue
    details: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    certificate: Mapped[Certificate] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
