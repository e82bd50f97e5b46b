"""Completion core: modules done, quizzes passed, webinar attendance, one certificate."""

import sqlalchemy as sa

from elearn.certificates.models import Certificate
from elearn.enrolments import services
from elearn.enrolments.models import EnrolmentStatus
from elearn.extensions import db
from tests import factories


def test_marking_every_module_done_completes_and_issues_one_certificate(app, learner):
    course = factories.make_course(modules=2)
    enrolment = services.enrol(learner, course)
    first, second = course.modules
    services.mark_module_done(enrolment, first)
    assert enrolment.progress_percent == 50 and enrolment.status is EnrolmentStatus.active
    services.mark_module_done(enrolment, second)
    services.mark_module_done(enrolment, second)
    assert enrolment.status is EnrolmentStatus.completed and enrolment.progress_percent == 100
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert len(certificates) == 1
    code = certificates[0].code
    assert len(code.replace("-", "")) == 20 and not set(code) & set("01lIO")


def test_required_webinar_blocks_completion(app, learner):
    course = factories.make_course(modules=1, webinar_required=True)
    enrolment = services.enrol(learner, course)
    services.mark_module_done(enrolment, course.modules[0])
    assert enrolment.status is EnrolmentStatus.active and enrolment.progress_percent == 50


def test_withdraw_and_re_enrol_keeps_progress(app, learner):
    course = factories.make_course(modules=2)
    enrolment = services.enrol(learner, course)
    services.mark_module_done(enrolment, course.modules[0])
    enrolment.status = EnrolmentStatus.withdrawn
    again = services.enrol(learner, course)
    assert again.id == enrolment.id and again.progress_percent == 50
