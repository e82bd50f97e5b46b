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
    #: start of the current validity (None: issued_at); a renewal moves it
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: end of validity when the course sets one (None: never expires)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: when the learner was last reminded that the certificate expires soon
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the current entry in the Bitstring Status List (its global index is the entry's id)
    status_index: Mapped[int | None] = mapped_column(unique=True)

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

    @property
    def starts_at(self) -> datetime:
        return self.valid_from or self.issued_at

    def expired(self, now: datetime) -> bool:
        return self.valid_until is not None and now >= self.valid_until


class CredentialStatusEntry(db.Model):
    """One position in the Bitstring Status List, given to each signed version of a certificate.

    Its id is the global index (list ``id // 131072 + 1``, position ``id % 131072``). A
    revocation sets the bit of the certificate's current entry; a reissue or renewal sets the
    bit of the entry it replaces (so a credential with the old name or dates stops verifying)
    and gives the certificate a new one.
    """

    __tablename__ = "credential_status_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    #: when this version was signed: the proof's ``created``
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when its bit was set (revoked or replaced); None: the credential is in force
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
