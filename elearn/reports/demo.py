"""Synthetic participants for demos and scale tests: `flask seed-demo --participants N`.

``seed(0)`` (plain ``make run``) gives the demo coordinator's centre (bcrc-scrc-senegal) 200
participants so its dashboard has something to show. ``seed(N)`` creates participants
p000001 ... pN@synthetic.elearn.test across every regional centre, with enrolments at every
stage (about 3 per person), quiz attempts, webinar registrations and attendance, and
certificates for the completed enrolments.

Speed: rows go in with bulk inserts (``reports.bulk_rows``), never ORM objects per row;
all synthetic users share one precomputed password hash. 100,000 participants take about a
minute on SQLite. Idempotent: people who already exist are skipped with all their rows, so
running again with the same N adds nothing.
"""

from __future__ import annotations

import base64
import math
import random
import secrets
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.accounts.services import hash_password
from elearn.certificates.models import Certificate
from elearn.certificates.services import CODE_ALPHABET
from elearn.courses.models import Course, Module, course_audiences, course_trainers
from elearn.enrolments.models import Enrolment, EnrolmentSource, EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Question, QuestionKind, Quiz, QuizAttempt
from elearn.reference.models import Audience, RegionalCentre
from elearn.reports import rollups
from elearn.reports.bulk_rows import chunks, insert_rows
from elearn.reports.demo_data import (
    AUDIENCE_WEIGHTS,
    CENTRE_COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
    SYNTHETIC_COURSES,
)
from elearn.webinars.models import Registration, RegistrationStatus, Webinar, WebinarStatus

DOMAIN = "synthetic.elearn.test"
DEMO_CENTRE = "bcrc-scrc-senegal"
DEMO_CENTRE_PARTICIPANTS = 200
#: people generated and written at a time (memory stays flat at a million)
BLOCK = 20_000
#: the password of every synthetic account (they are demo data)
SYNTHETIC_PASSWORD = "synthetic-participant-2026"


def seed(participants: int = 0, *, after_block=None, rebuild: bool = True) -> None:
    """Called by `flask seed-demo`: N synthetic participants, or the demo centre's 200.

    The rows go in with the rollups' events paused; the rollups are then rebuilt once with
    ``flask reports rebuild``'s set-based statements (``rebuild=False`` leaves that to the
    caller). ``after_block`` is called after each block of people is written (a bulk load may
    commit there, so the journal stays small)."""
    with rollups.paused(db.session):
        if participants > 0:
            generate(participants, prefix="p", centre_slugs=None, min_courses=5,
                     after_block=after_block)
        else:
            generate(DEMO_CENTRE_PARTICIPANTS, prefix="sn", centre_slugs=[DEMO_CENTRE],
                     min_courses=3, after_block=after_block)
        db.session.flush()
    if rebuild:
        rollups.rebuild(db.session.connection())


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _organiser_id() -> int | None:
    return db.session.scalar(
        sa.select(User.id).where(User.role.in_([Role.trainer, Role.admin]))
        .order_by((User.email == "trainer@elearn.test").desc(), User.role, User.id).limit(1)
    )


def _ensure_courses(minimum: int, owner_id: int | None) -> None:
    """Add synthetic courses (3 modules, a short quiz) until ``minimum`` courses exist."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Course)) or 0
    audiences = {a.slug: a for a in db.session.scalars(sa.select(Audience))}
    for slug, title, convention, audience_slugs in SYNTHETIC_COURSES:
        if have >= minimum:
            break
        if db.session.scalar(sa.select(Course.id).where(Course.slug == slug)) is not None:
            continue
        course = Course(
            slug=slug, title=title, published=True, conventions=convention, owner_id=owner_id,
            summary="Synthetic course created for demonstrations and scale tests.",
            estimated_hours=4,
        )
        course.audiences = [audiences[s] for s in audience_slugs if s in audiences]
        db.session.add(course)
        db.session.flush()
        if owner_id is not None:
            db.session.execute(course_trainers.insert(), [{"course_id": course.id, "user_id": owner_id}])
        for position in range(3):
            db.session.add(Module(
                course_id=course.id, slug=f"part-{position + 1}", title=f"Part {position + 1}",
                position=position, body_markdown=f"## Part {position + 1}\n\nSynthetic text.",
                body_html=f"<h2>Part {position + 1}</h2>\n<p>Synthetic text.</p>",
            ))
        quiz = Quiz(course_id=course.id, slug="check", title="Check your understanding",
                    position=0, pass_mark=70)
        db.session.add(quiz)
        db.session.flush()
        for position, (text, answer) in enumerate([
            ("<p>The conventions' secretariat is in Geneva.</p>", True),
            ("<p>Every transboundary movement of hazardous waste is forbidden.</p>", False),
        ]):
            db.session.add(Question(
                quiz_id=quiz.id, position=position, kind=QuestionKind.truefalse,
                text_html=text, points=1,
                data={"answer": answer, "feedback_true": "", "feedback_false": ""},
            ))
        have += 1
    db.session.flush()


def _ensure_webinars(course_ids: list[int], organiser_id: int | None) -> dict[int, list[int]]:
    """Each course's webinar ids; a course without any gets one past synthetic session."""
    found: dict[int, list[int]] = {course_id: [] for course_id in course_ids}
    for webinar_id, course_id in db.session.execute(
        sa.select(Webinar.id, Webinar.course_id).where(Webinar.course_id.in_(course_ids))
    ):
        found[course_id].append(webinar_id)
    if organiser_id is None:
        return found
    start = _now().replace(hour=12, minute=0, second=0) - timedelta(days=45)
    for course_id in course_ids:
        if found[course_id]:
            continue
        uid = f"synthetic-course-{course_id}@elearn"
        webinar = Webinar(
            uid=uid, course_id=course_id, organiser_id=organiser_id,
            title="Live session: questions and answers", description="Synthetic past session.",
            start_utc=start, timezone="UTC", duration_minutes=90,
            join_url="https://meet.example.org/synthetic", status=WebinarStatus.scheduled,
            is_public=False,
        )
        db.session.add(webinar)
        db.session.flush()
        found[course_id].append(webinar.id)
    return found


#: base32 digits to certificate code symbols (both alphabets have 32 symbols)
_BASE32_TO_CODE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET)


def _certificate_code(rng: random.Random) -> str:
    """20 random symbols of the certificate alphabet (100 bits), in groups of five."""
    raw = base64.b32encode(rng.randbytes(15)).decode("ascii").translate(_BASE32_TO_CODE)
    return f"{raw[0:5]}-{raw[5:10]}-{raw[10:15]}-{raw[15:20]}"


def generate(count: int, *, prefix: str, centre_slugs: list[str] | None, min_courses: int,
             after_block=None) -> int:
    """Create the synthetic participants ``prefix``000001.. that are missing; returns how many."""
    rng = random.Random(f"elearn-{prefix}-{count}")
    crypto = random.Random(secrets.randbits(128))  # certificate codes: not reproducible
    audiences = {a.slug: a.id for a in db.session.scalars(sa.select(Audience))}
    centres = {c.slug: c for c in db.session.scalars(sa.select(RegionalCentre))}
    if not audiences or not centres:
        raise click.ClickException("Load reference data first: flask reference load")
    width = max(4, len(str(count)))
    emails = [f"{prefix}{index:0{width}d}@{DOMAIN}" for index in range(1, count + 1)]
    existing = set(db.session.scalars(
        sa.select(User.email).where(User.email.like(f"{prefix}%@{DOMAIN}"))
    ))
    missing = [email for email in emails if email not in existing]
    if not missing:
        return 0

    organiser_id = _organiser_id()
    _ensure_courses(min_courses, organiser_id)
    course_rows = db.session.execute(
        sa.select(Course.id, Course.webinar_required).order_by(Course.id)
    ).all()
    course_ids = [row.id for row in course_rows]
    webinar_required = {row.id: row.webinar_required for row in course_rows}
    quizzes_by_course: dict[int, list[tuple[int, int]]] = {cid: [] for cid in course_ids}
    for quiz_id, course_id, pass_mark in db.session.execute(
        sa.select(Quiz.id, Quiz.course_id, Quiz.pass_mark).where(Quiz.archived_at.is_(None))
    ):
        quizzes_by_course.setdefault(course_id, []).append((quiz_id, pass_mark))
    webinars_by_course = _ensure_webinars(course_ids, organiser_id)
    # places: a webinar with a capacity takes registrations up to it, then waitlists (the demo
    # data must not show "109 of 50 places taken")
    capacity = dict(db.session.execute(sa.select(Webinar.id, Webinar.capacity)).all())
    taken = dict(db.session.execute(
        sa.select(Registration.webinar_id, sa.func.count(Registration.id))
        .where(Registration.status == RegistrationStatus.registered)
        .group_by(Registration.webinar_id)).all())

    def is_full(webinar_id: int) -> bool:
        return bool(capacity.get(webinar_id)) and taken.get(webinar_id, 0) >= capacity[webinar_id]
    course_audience_rows = db.session.execute(sa.select(course_audiences)).all()
    courses_for_audience: dict[int, list[int]] = {}
    for course_id, audience_id in course_audience_rows:
        courses_for_audience.setdefault(audience_id, []).append(course_id)

    # -- people ------------------------------------------------------------------------------
    password_hash = hash_password(SYNTHETIC_PASSWORD)
    centre_pool = [centres[s] for s in (centre_slugs or CENTRE_COUNTRIES) if s in centres]
    # the demo centre is the busiest (twice a typical centre); in scale mode a tenth of
    # people belong to no centre
    centre_weights = [2 if c.slug == DEMO_CENTRE else 1 for c in centre_pool]
    audience_slugs = [s for s in AUDIENCE_WEIGHTS if s in audiences]
    audience_weights = [AUDIENCE_WEIGHTS[s] for s in audience_slugs]
    now = _now()
    totals = [0, 0, 0, 0, 0]
    for block in chunks(missing, BLOCK):  # a block of people at a time: flat memory
        user_rows = []
        for email in block:
            if centre_slugs is None and rng.random() < 0.1:
                centre = None
                country = rng.choice(["CH", "DE", "FR", "US", "JP", "IN", "CA", "GB"])
            else:
                centre = rng.choices(centre_pool, centre_weights)[0]
                countries = CENTRE_COUNTRIES.get(centre.slug, [centre.host_country])
                country = countries[0] if rng.random() < 0.4 else rng.choice(countries)
            user_rows.append({
                "email": email,
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "password_hash": password_hash,
                "role": Role.learner,
                "audience_id": audiences[rng.choices(audience_slugs, audience_weights)[0]],
                "country": country,
                "timezone": "UTC",
                "locale": rng.choice(["en", "en", "fr", "es"]),
                "centre_id": centre.id if centre else None,
                "session_token": secrets.token_urlsafe(32),
                "active": True,
                "created_at": now - timedelta(days=rng.uniform(5, 720)),
            })
        insert_rows(User.__table__, user_rows)
        ids = {}
        for emails_chunk in chunks(block):
            ids.update(db.session.execute(
                sa.select(User.email, User.id).where(User.email.in_(emails_chunk))
            ).all())

        # -- enrolments, attempts, registrations, certificates ---------------------------------------
        enrolment_rows, attempt_rows, registration_rows, certificate_rows = [], [], [], []
        per_person = [1, 2, 3, 4, 5]
        per_person_weights = [10, 20, 40, 20, 10]  # three on average
        for person in user_rows:
            user_id = ids[person["email"]]
            preferred = courses_for_audience.get(person["audience_id"], [])
            wanted = min(len(course_ids), rng.choices(per_person, per_person_weights)[0])
            chosen = list(dict.fromkeys(
                ([rng.choice(preferred)] if preferred else []) + rng.sample(course_ids, len(course_ids))
            ))[:wanted]
            for course_id in chosen:
                enrolled_at = person["created_at"] + timedelta(days=rng.uniform(0, 60))
                if enrolled_at > now:
                    enrolled_at = now - timedelta(hours=rng.uniform(1, 48))
                roll = rng.random()
                status, completed_at, progress = EnrolmentStatus.active, None, rng.randint(0, 95)
                if roll < 0.07:
                    status = EnrolmentStatus.withdrawn
                elif roll < 0.52:
                    days = min(365.0, math.exp(rng.gauss(math.log(21), 0.7)))
                    done = enrolled_at + timedelta(days=days)
                    if done < now:
                        status, completed_at, progress = EnrolmentStatus.completed, done, 100
                enrolment_rows.append({
                    "user_id": user_id, "course_id": course_id, "status": status,
                    "source": EnrolmentSource.bulk if rng.random() < 0.3 else EnrolmentSource.self,
                    "enrolled_at": enrolled_at, "completed_at": completed_at,
                    "progress_percent": progress,
                })
                # quizzes: every one passed when complete; some tried along the way otherwise
                for quiz_id, pass_mark in quizzes_by_course.get(course_id, []):
                    if status is EnrolmentStatus.completed:
                        scores = [rng.uniform(pass_mark, 100)]
                        if rng.random() < 0.3:
                            scores.insert(0, rng.uniform(20, pass_mark - 1))
                    elif progress > 50 and rng.random() < 0.6:
                        scores = [rng.uniform(20, 100)]
                    else:
                        continue
                    finish = completed_at or enrolled_at + timedelta(days=rng.uniform(1, 20))
                    finish = min(finish, now)
                    for number, percent in enumerate(scores, start=1):
                        submitted = finish - timedelta(hours=(len(scores) - number) * 24 + 1)
                        attempt_rows.append({
                            "quiz_id": quiz_id, "user_id": user_id, "number": number,
                            "status": AttemptStatus.submitted, "started_at": submitted - timedelta(minutes=20),
                            "submitted_at": submitted, "layout": {}, "answers": {},
                            "score": round(percent / 10, 2), "max_score": 10.0,
                            "percent": round(percent, 1), "passed": percent >= pass_mark,
                        })
                webinars = webinars_by_course.get(course_id) or []
                must_attend = webinar_required.get(course_id) and status is EnrolmentStatus.completed
                if webinars and (must_attend or rng.random() < 0.35):
                    attended = bool(must_attend or rng.random() < 0.7)
                    webinar_id = rng.choice(webinars)
                    if is_full(webinar_id):  # another of the course's webinars may have room
                        webinar_id = next((w for w in webinars if not is_full(w)), webinar_id)
                    full = is_full(webinar_id)
                    if full:
                        attended = False
                    else:
                        taken[webinar_id] = taken.get(webinar_id, 0) + 1
                    registration_rows.append({
                        "webinar_id": webinar_id, "user_id": user_id,
                        "status": RegistrationStatus.waitlisted if full else RegistrationStatus.registered,
                        "created_at": enrolled_at, "attended": attended,
                        "minutes_attended": rng.randint(70, 90) if attended else None,
                    })
                if status is EnrolmentStatus.completed:
                    certificate_rows.append({
                        "code": _certificate_code(crypto), "user_id": user_id, "course_id": course_id,
                        "audience_id": person["audience_id"], "learner_name": person["name"],
                        "issued_at": completed_at,
                    })
        insert_rows(Enrolment.__table__, enrolment_rows)
        insert_rows(QuizAttempt.__table__, attempt_rows)
        insert_rows(Registration.__table__, registration_rows)
        insert_rows(Certificate.__table__, certificate_rows)
        for index, rows in enumerate((user_rows, enrolment_rows, attempt_rows,
                                      registration_rows, certificate_rows)):
            totals[index] += len(rows)
        if after_block is not None:
            after_block()
    db.session.flush()
    if totals[0] >= 1000:
        # fresh statistics after a bulk load, so the query planner picks the reporting indexes
        db.session.execute(sa.text("ANALYZE"))
    click.echo(
        "synthetic participants: {} people, {} enrolments, {} quiz attempts, "
        "{} webinar registrations, {} certificates".format(*totals)
    )
    return totals[0]
