from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from elearn.extensions import db


class Audience(db.Model):
    """A target audience: who a course is for and who a learner is."""

    __tablename__ = "audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identifier used in course files, e.g. ``customs-officer``
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: display name
    name: Mapped[str] = mapped_column(sa.String(200))
    #: one-line description of who belongs here
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: order in lists
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Audience {self.slug}>"


class RegionalCentre(db.Model):
    """A Basel Convention Regional Centre (BCRC) or Stockholm Convention Regional Centre (SCRC)."""

    __tablename__ = "regional_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identifier, e.g. ``bcrc-caribbean``
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: full name
    name: Mapped[str] = mapped_column(sa.String(300))
    #: ``basel``, ``stockholm`` or ``basel,stockholm``
    conventions: Mapped[str] = mapped_column(sa.String(40))
    #: ISO 3166-1 alpha-2 code of the host country
    host_country: Mapped[str] = mapped_column(sa.String(2))
    #: city where the centre sits
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")

    def __repr__(self) -> str:
        return f"<RegionalCentre {self.slug}>"
