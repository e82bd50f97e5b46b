"""Demo data for enrolments and certificates (idempotent: running twice changes nothing).

- The demo NIP official (nip@elearn.test) has completed the NIP course (when it was synced)
  and holds its certificate: a demo shortcut that marks the modules done and completes the
  enrolment without quiz attempts.
- The demo learner (learner@elearn.test, a customs officer) has asked for a place in the NIP
  course (restricted to NIP officials and Stockholm focal points), so the demo trainer finds a
  request to answer at /enrolments/requests. The learner enrols in the customs course in one
  click (it is for customs officers).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from elearn.accounts.services import get_user_by_email
from elearn.certificates.services import issue_certificate
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.enrolments import completion, services
from elearn.enrolments.models import EnrolmentRequest, EnrolmentStatus, ModuleProgress
from elearn.extensions import db

log = logging.getLogger("elearn.enrolments")

NIP_COURSE = "nip-review-and-update"


def seed(participants: int = 0) -> None:
    course = db.session.scalar(sa.select(Course).where(Course.slug == NIP_COURSE))
    if course is None:
        log.info("demo: course %s not synced; no demo certificate", NIP_COURSE)
        return
    nip = get_user_by_email("nip@elearn.test")
    if nip is not None:
        _complete(nip, course)
    learner = get_user_by_email("learner@elearn.test")
    if (learner is not None
            and services.enrolment_block(learner, course) == services.BLOCK_AUDIENCE
            and services.get_enrolment(learner.id, course.id) is None
            and db.session.scalar(sa.select(EnrolmentRequest.id).where(
                EnrolmentRequest.user_id == learner.id,
                EnrolmentRequest.course_id == course.id)) is None):
        db.session.add(EnrolmentRequest(
            user_id=learner.id, course_id=course.id,
            message="Our customs unit checks PCB shipments; I would like to follow the NIP "
                    "inventory modules."))
    db.session.flush()


def _complete(user, course: Course) -> None:
    enrolment = services.get_enrolment(user.id, course.id)
    if enrolment is not None and enrolment.status is EnrolmentStatus.completed:
        return
    enrolment = services.enrol(user, course)
    done = completion.done_module_ids(enrolment.id)
    for module in course.modules:
        if module.id not in done:
            db.session.add(ModuleProgress(enrolment_id=enrolment.id, module_id=module.id))
    enrolment.status = EnrolmentStatus.completed
    enrolment.completed_at = utcnow()
    enrolment.progress_percent = 100
    db.session.flush()
    issue_certificate(enrolment)
