"""Factory functions for test data: ``make_user(...)``, ``make_course(...)`` and friends.

Each creates rows with sensible defaults, flushes and commits, and returns the object.
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from elearn.accounts import services as accounts
from elearn.accounts.models import Role, User
from elearn.extensions import db
from elearn.reference.models import Audience, RegionalCentre

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def audience(slug: str = "customs-officer") -> Audience:
    return db.session.scalar(sa.select(Audience).where(Audience.slug == slug))


def centre(slug: str) -> RegionalCentre:
    return db.session.scalar(sa.select(RegionalCentre).where(RegionalCentre.slug == slug))


def make_user(
    email: str | None = None,
    name: str | None = None,
    role: Role = Role.learner,
    audience_slug: str = "customs-officer",
    country: str = "SN",
    timezone: str = "Africa/Dakar",
    centre: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_counter)
    user = accounts.create_user(
        email=email or f"user{n}@example.org",
        name=name or f"User {n}",
        password=password,
        audience=audience(audience_slug),
        country=country,
        timezone=timezone,
        centre=globals()["centre"](centre) if centre else None,
        role=role,
    )
    db.session.commit()
    return user


def make_course(
    slug: str | None = None,
    title: str | None = None,
    owner: User | None = None,
    audiences: tuple[str, ...] = ("customs-officer",),
    modules: int = 3,
    published: bool = True,
    restricted: bool = False,
    webinar_required: bool = False,
    conventions: str = "basel",
):
    """A course with ``modules`` modules (Markdown and rendered HTML filled in)."""
    from elearn.courses.models import Course, EnrolmentPolicy, Module

    n = next(_counter)
    course = Course(
        slug=slug or f"course-{n}",
        title=title or f"Course {n}",
        summary=f"Summary of course {n}.",
        conventions=conventions,
        owner=owner,
        published=published,
        webinar_required=webinar_required,
        enrolment_policy=EnrolmentPolicy.restricted if restricted else EnrolmentPolicy.open,
    )
    course.audiences = [audience(slug) for slug in audiences]
    if owner is not None:
        course.trainers = [owner]
    db.session.add(course)
    db.session.flush()
    for position in range(modules):
        db.session.add(Module(
            course_id=course.id, slug=f"module-{position + 1}", title=f"Module {position + 1}",
            position=position, body_markdown=f"## Part {position + 1}\n\nText.",
            body_html=f"<h2>Part {position + 1}</h2>\n<p>Text.</p>",
        ))
    db.session.commit()
    return course


def enrol(user: User, course, status: str = "active"):
    from elearn.enrolments.models import Enrolment, EnrolmentStatus

    enrolment = Enrolment(user_id=user.id, course_id=course.id, status=EnrolmentStatus(status))
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def complete_course(user: User, course):
    """Enrol ``user`` and mark every module of ``course`` done (completion issues the
    certificate when the course has no quiz or required webinar). Returns the enrolment."""
    from elearn.enrolments import services as enrolments

    enrolment = enrolments.enrol(user, course)
    for module in course.modules:
        enrolments.mark_module_done(enrolment, module)
    db.session.commit()
    return enrolment


def make_certificate(user: User | None = None, course=None):
    """A certificate of ``user`` for ``course`` (both made when not given)."""
    from elearn.certificates.models import Certificate

    user = user or make_user()
    course = course or make_course(modules=1)
    complete_course(user, course)
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user.id, Certificate.course_id == course.id))

QUIZ_FIXTURES = __import__("pathlib").Path(__file__).resolve().parent / "fixtures" / "quizzes" / "demo-course"


def make_quiz(course, slug: str = "basics", file: str = "quizzes/basics.yaml", position: int = 0,
              course_dir=None, **settings):
    """A quiz imported from a fixture file (tests/fixtures/quizzes/demo-course by default);
    keyword arguments are course.yaml settings (pass_mark=..., max_attempts=..., ...)."""
    from elearn.quizzes.importer import import_quiz_file

    entry = {"slug": slug, "title": settings.pop("title", slug.title()), "file": file, **settings}
    quiz = import_quiz_file(course, course_dir or QUIZ_FIXTURES, entry, position)
    db.session.commit()
    return quiz


def make_webinar(
    organiser: User,
    start_utc=None,
    zone: str = "Europe/Zurich",
    rrule: str | None = None,
    capacity: int = 0,
    course=None,
    is_public: bool = True,
    duration: int = 60,
    title: str | None = None,
    join_url: str = "https://meet.example.org/room",
):
    """A webinar scheduled through the service (stored iCalendar text included)."""
    from datetime import timedelta

    from elearn.db_types import utcnow
    from elearn.webinars.services import WebinarData, schedule_webinar

    n = next(_counter)
    webinar = schedule_webinar(organiser, WebinarData(
        title=title or f"Webinar {n}", description=f"About topic {n}.",
        course_id=course.id if course is not None else None,
        start_utc=start_utc or (utcnow() + timedelta(days=7)).replace(microsecond=0, second=0),
        timezone=zone, duration_minutes=duration, join_url=join_url, capacity=capacity,
        is_public=is_public, rrule=rrule,
    ))
    db.session.commit()
    return webinar
