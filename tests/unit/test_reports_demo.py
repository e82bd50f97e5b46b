"""Synthetic population: realistic spread, consistent rows, idempotent."""

import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.certificates.models import Certificate
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import QuizAttempt
from elearn.reference.models import RegionalCentre
from elearn.reports import dashboard, demo
from elearn.reports.services import Scope
from elearn.webinars.models import Registration
from tests import factories


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_scale_population_is_spread_consistent_and_idempotent(app):
    factories.make_user(email="t@example.org", role=Role.trainer, password=None)
    demo.seed(participants=300)
    db.session.commit()
    people = count(User, User.email.like("p%@synthetic.elearn.test"))
    assert people == 300
    assert count(sa.select(User.centre_id).distinct().subquery()) > 10
    assert count(sa.select(User.country).distinct().subquery()) > 20
    enrolments = count(Enrolment)
    assert 600 < enrolments < 1200  # three per person on average
    statuses = dict(db.session.execute(
        sa.select(Enrolment.status, sa.func.count()).group_by(Enrolment.status)).all())
    assert set(statuses) == set(EnrolmentStatus)
    completed = statuses[EnrolmentStatus.completed]
    assert count(Certificate) == completed
    assert count(Enrolment, Enrolment.status == EnrolmentStatus.completed,
                 Enrolment.completed_at.is_(None)) == 0
    assert count(Enrolment, Enrolment.completed_at < Enrolment.enrolled_at) == 0
    assert count(QuizAttempt) > 0 and count(Registration) > 0
    assert count(sa.select(Enrolment.course_id).distinct().subquery()) >= 5
    rolled = dashboard.all_figures(Scope())["total"][None]  # seeding rebuilt the rollups
    assert (rolled.participants, rolled.enrolments, rolled.certificates) == (300, enrolments,
                                                                            completed)
    before = [count(m) for m in (User, Enrolment, QuizAttempt, Registration, Certificate)]
    demo.seed(participants=300)
    db.session.commit()
    assert [count(m) for m in (User, Enrolment, QuizAttempt, Registration, Certificate)] == before


def test_plain_demo_fills_the_demo_centre(app):
    factories.make_user(email="t@example.org", role=Role.trainer, password=None)
    demo.seed(participants=0)
    db.session.commit()
    senegal = db.session.scalar(
        sa.select(RegionalCentre.id).where(RegionalCentre.slug == "bcrc-scrc-senegal"))
    assert count(User, User.centre_id == senegal) == demo.DEMO_CENTRE_PARTICIPANTS
    assert count(Enrolment) > demo.DEMO_CENTRE_PARTICIPANTS
    demo.seed(participants=0)
    db.session.commit()
    assert count(User, User.centre_id == senegal) == demo.DEMO_CENTRE_PARTICIPANTS
