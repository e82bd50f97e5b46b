from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db_types import UTCDateTime, enum_column, utcnow
from elearn.extensions import db
from elearn.reference.models import Audience, RegionalCentre


class Role(enum.Enum):
    learner = "learner"
    trainer = "trainer"
    coordinator = "coordinator"
    admin = "admin"

    @property
    def label(self) -> str:
        """The role's name for people, in their language (the value is for the database)."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {Role.learner: _l("Learner"), Role.trainer: _l("Trainer"),
               Role.coordinator: _l("Coordinator"), Role.admin: _l("Administrator")}


def new_state_token() -> str:
    return secrets.token_hex(8)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person with an account."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role != 'coordinator' OR centre_id IS NOT NULL", name="coordinator_has_centre"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login address, stored lower-cased so uniqueness is case-insensitive
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: full name as printed on certificates
    name: Mapped[str] = mapped_column(sa.String(200))
    #: argon2id hash
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: what the user may do
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "role"), default=Role.learner, server_default=Role.learner.value
    )
    #: the target audience the user belongs to
    audience_id: Mapped[int] = mapped_column(sa.ForeignKey("audiences.id"))
    #: ISO 3166-1 alpha-2 country code
    country: Mapped[str] = mapped_column(sa.String(2))
    #: IANA time zone name, e.g. ``Africa/Nairobi``
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")
    #: preferred interface language
    locale: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    #: the regional centre the user belongs to (required for coordinators)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regional_centres.id"), index=True)
    #: random token carried in the login session; rotated on logout and password change
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    #: random; changes with every change of the account or of the learner's own state
    #: (enrolments, progress, attempts...): part of the key of the learner's cached pages
    state_token: Mapped[str] = mapped_column(
        sa.String(16), default=new_state_token, server_default=""
    )
    #: SHA-256 of the personal calendar feed token (the token itself is shown once)
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: false for disabled accounts
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: when the account was created
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audience: Mapped[Audience] = relationship(lazy="joined")
    centre: Mapped[RegionalCentre | None] = relationship(lazy="joined")

    def get_id(self) -> str:  # Flask-Login keeps this in the session
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def rotate_session_token(self) -> None:
        """End every existing login session of this user."""
        self.session_token = new_session_token()

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def __repr__(self) -> str:
        return f"<User {self.email}>"
