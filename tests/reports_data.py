"""A small population with known figures, shared by the reports tests.

Centre bcrc-caribbean (the ``coordinator`` fixture's centre): a1 (TT), a2 (JM), a3 (TT).
Centre bcrc-scrc-senegal: b1 (SN). Course 1 is owned by ``trainer``; course 2 has no owner.

Expected for bcrc-caribbean: 3 participants, 6 enrolments, 1 in progress, 4 completed,
1 withdrawn, median 15 days (4, 10, 20, 30), average best quiz score 85 (90 and 80),
3 valid certificates (one revoked), webinar: 2 registrations, 1 attended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt
from elearn.webinars.models import Registration, RegistrationStatus, Webinar
from tests import factories


def day(month: int, d: int, hour: int = 9) -> datetime:
    return datetime(2026, month, d, hour, tzinfo=UTC)


@dataclass
class Population:
    a1: User
    a2: User
    a3: User
    b1: User
    course1: object
    course2: object
    quiz: Quiz
    webinar: Webinar


def enrolment(user, course, status, enrolled, completed=None, progress=0) -> Enrolment:
    row = Enrolment(
        user_id=user.id, course_id=course.id, status=EnrolmentStatus(status),
        enrolled_at=enrolled, completed_at=completed,
        progress_percent=100 if status == "completed" else progress,
    )
    db.session.add(row)
    return row


def attempt(quiz, user, number, percent, status=AttemptStatus.submitted) -> QuizAttempt:
    row = QuizAttempt(
        quiz_id=quiz.id, user_id=user.id, number=number, status=status,
        submitted_at=day(1, 3) if status is AttemptStatus.submitted else None,
        percent=percent, passed=None if percent is None else percent >= 70,
        score=None if percent is None else percent / 10, max_score=10,
    )
    db.session.add(row)
    return row


def certificate(user, course, code, revoked=False) -> Certificate:
    row = Certificate(
        code=code, user_id=user.id, course_id=course.id, audience_id=user.audience_id,
        learner_name=user.name, issued_at=day(1, 20),
        revoked_at=day(2, 1) if revoked else None, revoked_reason="test" if revoked else None,
    )
    db.session.add(row)
    return row


def make_person(**kwargs) -> User:
    """A user without a password (argon2 is slow; these people never log in)."""
    return factories.make_user(password=None, **kwargs)


def build(trainer) -> Population:
    make = make_person
    a1 = make(name="Anna Alpha", email="a1@example.org", centre="bcrc-caribbean", country="TT")
    a2 = make(name="Bruno Beta", email="a2@example.org", centre="bcrc-caribbean", country="JM",
              audience_slug="enforcement-officer")
    a3 = make(name="=HYPERLINK(\"http://evil\")", email="a3@example.org", centre="bcrc-caribbean",
              country="TT")
    b1 = make(name="Other Centre", email="b1@example.org", centre="bcrc-scrc-senegal", country="SN")
    course1 = factories.make_course(slug="course-one", title="Course One", owner=trainer)
    course2 = factories.make_course(slug="course-two", title="Course Two")

    enrolment(a1, course1, "completed", day(1, 1), day(1, 11))
    enrolment(a2, course1, "completed", day(1, 1), day(1, 21))
    enrolment(a3, course1, "completed", day(2, 1), day(3, 3))
    enrolment(a1, course2, "completed", day(1, 1), day(1, 5))
    enrolment(a2, course2, "active", day(3, 1), progress=50)
    enrolment(a3, course2, "withdrawn", day(3, 10))
    enrolment(b1, course1, "completed", day(1, 1), day(1, 3))

    quiz = Quiz(course_id=course1.id, slug="q1", title="Quiz one", pass_mark=70)
    db.session.add(quiz)
    db.session.flush()
    attempt(quiz, a1, 1, 50.0)
    attempt(quiz, a1, 2, 90.0)
    attempt(quiz, a2, 1, 80.0)
    attempt(quiz, a3, 1, None, status=AttemptStatus.in_progress)
    attempt(quiz, b1, 1, 10.0)

    certificate(a1, course1, "code-a1-c1")
    certificate(a2, course1, "code-a2-c1")
    certificate(a3, course1, "code-a3-c1", revoked=True)
    certificate(a1, course2, "code-a1-c2")
    certificate(b1, course1, "code-b1-c1")

    webinar = Webinar(
        course_id=course1.id, organiser_id=trainer.id, title="Live one", start_utc=day(1, 15),
        timezone="UTC", join_url="https://meet.example.org/1",
    )
    db.session.add(webinar)
    db.session.flush()
    db.session.add_all([
        Registration(webinar_id=webinar.id, user_id=a1.id, attended=True),
        Registration(webinar_id=webinar.id, user_id=a2.id, attended=False),
        Registration(webinar_id=webinar.id, user_id=a3.id, status=RegistrationStatus.cancelled),
        Registration(webinar_id=webinar.id, user_id=b1.id, attended=True),
    ])
    db.session.commit()
    return Population(a1, a2, a3, b1, course1, course2, quiz, webinar)


def bulk_people(count: int, centre_slug: str, courses, start: int = 0) -> None:
    """``count`` more people of a centre, each enrolled (completed) in every course."""
    import sqlalchemy as sa

    from elearn.accounts.models import Role
    from elearn.reference.models import Audience, RegionalCentre

    audience_id = db.session.scalar(sa.select(Audience.id).where(Audience.slug == "ngo"))
    centre_id = db.session.scalar(sa.select(RegionalCentre.id).where(RegionalCentre.slug == centre_slug))
    users = User.__table__
    db.session.execute(users.insert(), [{
        "email": f"bulk{start + i}@example.org", "name": f"Bulk {start + i}", "password_hash": None,
        "role": Role.learner, "audience_id": audience_id, "country": ["KE", "GH", "PE"][i % 3],
        "timezone": "UTC", "locale": "en", "centre_id": centre_id,
        "session_token": f"bulk-token-{start + i}", "active": True, "created_at": day(1, 1),
    } for i in range(count)])
    ids = db.session.scalars(sa.select(users.c.id).where(users.c.email.like("bulk%@example.org")))
    existing = set(db.session.scalars(sa.select(Enrolment.user_id)))
    rows = [{
        "user_id": user_id, "course_id": course.id, "status": EnrolmentStatus.completed,
        "enrolled_at": day(1, 2), "completed_at": day(1, 9), "progress_percent": 100,
    } for user_id in ids if user_id not in existing for course in courses]
    db.session.execute(Enrolment.__table__.insert(), rows)
    db.session.commit()
