"""Requests for a place on a course: asking, deciding, and the deciders' queue."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts.models import Role, User
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.enrolments.models import (
    EnrolmentRequest,
    EnrolmentSource,
    RequestStatus,
)
from elearn.enrolments.services import BLOCK_AUDIENCE, active_enrolment, enrol, enrolment_block
from elearn.extensions import db
from elearn.mail import send_mail
from elearn.urls import absolute_url


def pending_request(user_id: int, course_id: int) -> EnrolmentRequest | None:
    return db.session.scalar(sa.select(EnrolmentRequest).where(
        EnrolmentRequest.user_id == user_id, EnrolmentRequest.course_id == course_id,
        EnrolmentRequest.status == RequestStatus.pending,
    ))


class RequestRefused(Exception):
    pass


def request_place(user, course: Course, message: str = "") -> EnrolmentRequest:
    """Ask for a place in a restricted course; the deciders are told by mail.

    Raises RequestRefused when the user can simply enrol, is already enrolled or already
    waits for an answer (the database keeps one pending request per user and course).
    """
    if enrolment_block(user, course) != BLOCK_AUDIENCE:
        raise RequestRefused(_("You can enrol in this course directly."))
    if active_enrolment(user.id, course.id) is not None:
        raise RequestRefused(_("You are already enrolled in this course."))
    if pending_request(user.id, course.id) is not None:
        raise RequestRefused(_("You already asked for a place; the trainers will answer soon."))
    request = EnrolmentRequest(user_id=user.id, course_id=course.id, message=message.strip())
    db.session.add(request)
    db.session.flush()
    notify_deciders(request)
    return request


def deciders(request: EnrolmentRequest) -> list[User]:
    """Who may answer a request: the course's trainers and the learner's centre coordinators."""
    course = request.course
    trainer_ids = {t.id for t in course.trainers}
    if course.owner_id:
        trainer_ids.add(course.owner_id)
    conditions = [User.id.in_(trainer_ids)] if trainer_ids else []
    if request.user.centre_id is not None:
        conditions.append(sa.and_(User.role == Role.coordinator,
                                  User.centre_id == request.user.centre_id))
    if not conditions:
        return []
    return list(db.session.scalars(
        sa.select(User).where(sa.or_(*conditions), User.active.is_(True)).order_by(User.id)
    ))


def can_decide(user, request: EnrolmentRequest) -> bool:
    """Trainers of the course, coordinators of the learner's centre, admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if request.course.can_manage(user):
        return True
    return (user.role is Role.coordinator and user.centre_id is not None
            and user.centre_id == request.user.centre_id)


def notify_deciders(request: EnrolmentRequest) -> None:
    """Queue a mail to each decider (in the transaction of the request)."""
    link = absolute_url("enrolments.requests")
    for person in deciders(request):
        with force_locale(person.locale):
            send_mail(
                person.email,
                _("Place requested in %(course)s", course=request.course.title),
                _("%(name)s (%(audience)s) asks for a place in \"%(course)s\".\n\n%(message)s\n\n"
                  "Approve or decline: %(link)s",
                  name=request.user.name, audience=request.user.audience.name,
                  course=request.course.title, message=request.message or "", link=link),
            )


def decide(request: EnrolmentRequest, decider, approve: bool, note: str = "") -> bool:
    """Approve (enrol the learner) or decline a pending request, and tell the learner.

    Two deciders answering at once: the first wins (a conditional update), the second gets
    False and changes nothing.
    """
    status = RequestStatus.approved if approve else RequestStatus.declined
    now = utcnow()
    result = db.session.execute(
        sa.update(EnrolmentRequest)
        .where(EnrolmentRequest.id == request.id, EnrolmentRequest.status == RequestStatus.pending)
        .values(status=status, decided_by_id=decider.id, decided_at=now, decision_note=note.strip())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(request)
        return False
    db.session.refresh(request)
    learner = request.user
    course = request.course
    if approve:
        enrol(learner, course, EnrolmentSource.trainer)
    with force_locale(learner.locale):
        if approve:
            subject = _("You have a place in %(course)s", course=course.title)
            text = _("Your request for a place in \"%(course)s\" was approved. Start here: %(link)s",
                     course=course.title, link=absolute_url("enrolments.my_learning"))
        else:
            subject = _("Your request for %(course)s", course=course.title)
            text = _("Your request for a place in \"%(course)s\" was declined.",
                     course=course.title)
        if note.strip():
            text += "\n\n" + _("Note from %(name)s: %(note)s", name=decider.name, note=note.strip())
        send_mail(learner.email, subject, text)
    return True


def _decider_requests_query(user, status: RequestStatus):
    query = (
        sa.select(EnrolmentRequest)
        .join(User, User.id == EnrolmentRequest.user_id)
        .where(EnrolmentRequest.status == status)
    )
    if user.role is not Role.admin:
        trained = sa.select(Course.id).where(Course.trained_by(user.id))
        conditions = [EnrolmentRequest.course_id.in_(trained)]
        if user.role is Role.coordinator and user.centre_id is not None:
            conditions.append(User.centre_id == user.centre_id)
        query = query.where(sa.or_(*conditions))
    return query


def requests_for_decider(user, status: RequestStatus = RequestStatus.pending) -> list[EnrolmentRequest]:
    """The requests ``user`` may answer, oldest first, with learner and course loaded."""
    from sqlalchemy.orm import joinedload

    query = _decider_requests_query(user, status).options(
        joinedload(EnrolmentRequest.user), joinedload(EnrolmentRequest.course)
    ).order_by(EnrolmentRequest.created_at, EnrolmentRequest.id)
    return list(db.session.scalars(query).unique())


def waiting_request_count(user) -> int:
    """How many place requests wait for ``user``'s answer (for the navigation)."""
    query = _decider_requests_query(user, RequestStatus.pending).with_only_columns(
        sa.func.count(EnrolmentRequest.id))
    return db.session.scalar(query) or 0
