"""Registration for a webinar, with a waiting list: row-locked so a place is never given twice."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from elearn.accounts.models import User
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.webinars.itip import N_, Mail, _mail, invitation
from elearn.webinars.models import (
    Registration,
    RegistrationStatus,
    Webinar,
    WebinarStatus,
)
from elearn.webinars.services import WebinarError, promote_waiting, registered_count


def lock_webinar(webinar_id: int) -> Webinar | None:
    """Load the webinar holding its row lock until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks: a no-op UPDATE takes the
    database write lock, so concurrent registrations run one after the other (a stale reader
    gets "database is locked" and the caller retries, see ``elearn.database.retrying``).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Webinar).where(Webinar.id == webinar_id)
                           .values(capacity=Webinar.capacity))
    webinar = db.session.scalar(
        sa.select(Webinar).where(Webinar.id == webinar_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    return webinar


def registration_of(webinar_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(Registration.webinar_id == webinar_id,
                                      Registration.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def register(webinar_id: int, user: User) -> tuple[Registration, list[Mail]]:
    """Register ``user``: a place when one is free, else the waiting list. Idempotent."""
    webinar = lock_webinar(webinar_id)
    if webinar is None:
        raise WebinarError(_("This webinar does not exist."))
    if webinar.status is WebinarStatus.cancelled:
        raise WebinarError(_("This webinar is cancelled."))
    if webinar.last_end_utc is not None and webinar.last_end_utc <= utcnow():
        raise WebinarError(_("This webinar is over."))
    registration = registration_of(webinar.id, user.id)
    if registration is not None and registration.status is not RegistrationStatus.cancelled:
        return registration, []
    full = webinar.capacity > 0 and registered_count(webinar.id) >= webinar.capacity
    status = RegistrationStatus.waitlisted if full else RegistrationStatus.registered
    if registration is None:
        registration = Registration(webinar_id=webinar.id, user_id=user.id, status=status,
                                    created_at=utcnow())
        db.session.add(registration)
    else:
        registration.status = status
        registration.created_at = utcnow()  # back of the queue
    db.session.flush()
    mails = [invitation(webinar, user)] if status is RegistrationStatus.registered else []
    return registration, mails


def unregister(webinar_id: int, user: User) -> list[Mail]:
    """Give up a place (or leave the waiting list); the first waiting person moves up."""
    webinar = lock_webinar(webinar_id)
    if webinar is None:
        raise WebinarError(_("This webinar does not exist."))
    registration = registration_of(webinar.id, user.id)
    if registration is None or registration.status is RegistrationStatus.cancelled:
        return []
    was_registered = registration.status is RegistrationStatus.registered
    registration.status = RegistrationStatus.cancelled
    db.session.flush()
    mails = []
    if was_registered and webinar.status is WebinarStatus.scheduled:
        mails.append(_mail(user, webinar, N_("Unregistered: %(title)s"),
                           N_("Hello %(name)s,\n\nYou are no longer registered for %(title)s."),
                           "CANCEL"))
        mails += promote_waiting(webinar)
    return mails


def registrations(webinar_id: int) -> list[tuple[Registration, User]]:
    return list(db.session.execute(
        sa.select(Registration, User).join(User, User.id == Registration.user_id)
        .where(Registration.webinar_id == webinar_id)
        .order_by(Registration.status, Registration.created_at, Registration.id)
    ).all())
