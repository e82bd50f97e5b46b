"""Demo accounts for `make run`. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from elearn.accounts import services as accounts
from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.reference.models import Audience, RegionalCentre

DEMO_PASSWORD = "demo-password-2026"

# email, name, role, audience slug, country, time zone, centre slug
DEMO_USERS = [
    ("admin@elearn.test", "Ada Admin", Role.admin, "other", "CH", "Europe/Zurich", None),
    ("trainer@elearn.test", "Tomás Trainer", Role.trainer, "regional-centre-staff", "UY",
     "America/Montevideo", "bccc-scrc-uruguay"),
    ("coordinator@elearn.test", "Chiara Coordinator", Role.coordinator, "regional-centre-staff",
     "SN", "Africa/Dakar", "bcrc-scrc-senegal"),
    ("learner@elearn.test", "Léa Learner", Role.learner, "customs-officer", "SN", "Africa/Dakar",
     "bcrc-scrc-senegal"),
    ("nip@elearn.test", "Nadia NIP Official", Role.learner, "nip-official", "KE",
     "Africa/Nairobi", "bcrc-scrc-south-africa"),
]


def seed_demo_accounts() -> list[str]:
    """Create the demo users that are missing. Returns the emails created."""
    created = []
    audiences = {a.slug: a for a in db.session.scalars(sa.select(Audience))}
    centres = {c.slug: c for c in db.session.scalars(sa.select(RegionalCentre))}
    if not audiences:
        raise RuntimeError("Load reference data first: flask reference load")
    for email, name, role, audience, country, tz, centre in DEMO_USERS:
        if accounts.get_user_by_email(email) is not None:
            continue
        accounts.create_user(
            email=email, name=name, password=DEMO_PASSWORD, audience=audiences[audience],
            country=country, timezone=tz, centre=centres.get(centre) if centre else None, role=role,
        )
        created.append(email)
    db.session.flush()
    return created
