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
from types import SimpleNamespace

import click
import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.accounts.services import hash_password
from elearn.certificates.models import Certificate
from elearn.certificates.services import CODE_ALPHABET
from elearn.courses.models import Course, course_audiences
from elearn.enrolments.models import Enrolment, EnrolmentSource, EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt
from elearn.reference.models import Audience, RegionalCentre
from elearn.reports import rollups
from elearn.reports.bulk_rows import chunks, insert_rows
from elearn.reports.demo_courses import ensure_courses
from elearn.reports.demo_data import (
    AUDIENCE_WEIGHTS,
    CENTRE_COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
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

    world = _courses_world(min_courses)

    # -- people ------------------------------------------------------------------------------
    pool = _people_pool(centres, audiences, centre_slugs)
    now = _now()
    totals = [0, 0, 0, 0, 0]
    for block in chunks(missing, BLOCK):  # a block of people at a time: flat memory
        user_rows = _user_rows(rng, block, pool, now)
        insert_rows(User.__table__, user_rows)
        ids = {}
        for emails_chunk in chunks(block):
            ids.update(db.session.execute(
                sa.select(User.email, User.id).where(User.email.in_(emails_chunk))
            ).all())

        # -- enrolments, attempts, registrations, certificates ---------------------------------------
        out = SimpleNamespace(enrolments=[], attempts=[], registrations=[], certificates=[])
        for person in user_rows:
            _enrolments_of(rng, crypto, person, ids[person["email"]], world, now, out)
        insert_rows(Enrolment.__table__, out.enrolments)
        insert_rows(QuizAttempt.__table__, out.attempts)
        insert_rows(Registration.__table__, out.registrations)
        insert_rows(Certificate.__table__, out.certificates)
        for index, rows in enumerate((user_rows, out.enrolments, out.attempts,
                                      out.registrations, out.certificates)):
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


def _courses_world(min_courses: int) -> SimpleNamespace:
    """The courses people enrol in (made when too few), their quizzes, webinars and audiences,
    and the webinars' places (capacity, places taken). Reads only the database: no draws."""
    organiser_id = _organiser_id()
    ensure_courses(min_courses, organiser_id)
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
    course_audience_rows = db.session.execute(sa.select(course_audiences)).all()
    courses_for_audience: dict[int, list[int]] = {}
    for course_id, audience_id in course_audience_rows:
        courses_for_audience.setdefault(audience_id, []).append(course_id)
    return SimpleNamespace(
        course_ids=course_ids, webinar_required=webinar_required,
        quizzes_by_course=quizzes_by_course, webinars_by_course=webinars_by_course,
        capacity=capacity, taken=taken, courses_for_audience=courses_for_audience,
    )


def _is_full(world: SimpleNamespace, webinar_id: int) -> bool:
    return bool(world.capacity.get(webinar_id)) \
        and world.taken.get(webinar_id, 0) >= world.capacity[webinar_id]


def _people_pool(centres: dict, audiences: dict[str, int],
                 centre_slugs: list[str] | None) -> SimpleNamespace:
    """What people are drawn from: centres and audiences with their weights, and the one
    password hash they share."""
    password_hash = hash_password(SYNTHETIC_PASSWORD)
    centre_pool = [centres[s] for s in (centre_slugs or CENTRE_COUNTRIES) if s in centres]
    # the demo centre is the busiest (twice a typical centre); in scale mode a tenth of
    # people belong to no centre
    centre_weights = [2 if c.slug == DEMO_CENTRE else 1 for c in centre_pool]
    audience_slugs = [s for s in AUDIENCE_WEIGHTS if s in audiences]
    audience_weights = [AUDIENCE_WEIGHTS[s] for s in audience_slugs]
    return SimpleNamespace(centre_slugs=centre_slugs, centre_pool=centre_pool,
                           centre_weights=centre_weights, audiences=audiences,
                           audience_slugs=audience_slugs, audience_weights=audience_weights,
                           password_hash=password_hash)


def _user_rows(rng: random.Random, block: list[str], pool: SimpleNamespace,
               now: datetime) -> list[dict]:
    """The rows of a block of people (draws from ``rng`` person by person)."""
    user_rows = []
    for email in block:
        if pool.centre_slugs is None and rng.random() < 0.1:
            centre = None
            country = rng.choice(["CH", "DE", "FR", "US", "JP", "IN", "CA", "GB"])
        else:
            centre = rng.choices(pool.centre_pool, pool.centre_weights)[0]
            countries = CENTRE_COUNTRIES.get(centre.slug, [centre.host_country])
            country = countries[0] if rng.random() < 0.4 else rng.choice(countries)
        user_rows.append({
            "email": email,
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "password_hash": pool.password_hash,
            "role": Role.learner,
            "audience_id": pool.audiences[rng.choices(pool.audience_slugs,
                                                      pool.audience_weights)[0]],
            "country": country,
            "timezone": "UTC",
            "locale": rng.choice(["en", "en", "fr", "es"]),
            "centre_id": centre.id if centre else None,
            "session_token": secrets.token_urlsafe(32),
            "active": True,
            "created_at": now - timedelta(days=rng.uniform(5, 720)),
        })
    return user_rows


#: enrolments per person and their weights: three on average
PER_PERSON = [1, 2, 3, 4, 5]
PER_PERSON_WEIGHTS = [10, 20, 40, 20, 10]


def _enrolments_of(rng: random.Random, crypto: random.Random, person: dict, user_id: int,
                   world: SimpleNamespace, now: datetime, out: SimpleNamespace) -> None:
    """One person's enrolments with their quiz attempts, webinar registrations and
    certificates, appended to ``out`` (the draws from ``rng`` in the same order every run)."""
    preferred = world.courses_for_audience.get(person["audience_id"], [])
    wanted = min(len(world.course_ids), rng.choices(PER_PERSON, PER_PERSON_WEIGHTS)[0])
    chosen = list(dict.fromkeys(
        ([rng.choice(preferred)] if preferred else [])
        + rng.sample(world.course_ids, len(world.course_ids))
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
        out.enrolments.append({
            "user_id": user_id, "course_id": course_id, "status": status,
            "source": EnrolmentSource.bulk if rng.random() < 0.3 else EnrolmentSource.self,
            "enrolled_at": enrolled_at, "completed_at": completed_at,
            "progress_percent": progress,
        })
        _attempts(rng, world.quizzes_by_course.get(course_id, []), user_id, status, progress,
                  enrolled_at, completed_at, now, out.attempts)
        _registration(rng, world, course_id, user_id, status, enrolled_at, out.registrations)
        if status is EnrolmentStatus.completed:
            out.certificates.append({
                "code": _certificate_code(crypto), "user_id": user_id, "course_id": course_id,
                "audience_id": person["audience_id"], "learner_name": person["name"],
                "issued_at": completed_at,
            })


def _attempts(rng: random.Random, quizzes: list[tuple[int, int]], user_id: int, status,
              progress: int, enrolled_at: datetime, completed_at: datetime | None,
              now: datetime, attempt_rows: list[dict]) -> None:
    """The quiz attempts of one enrolment: every quiz passed when complete; some tried along
    the way otherwise."""
    for quiz_id, pass_mark in quizzes:
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


def _registration(rng: random.Random, world: SimpleNamespace, course_id: int, user_id: int,
                  status, enrolled_at: datetime, registration_rows: list[dict]) -> None:
    """Maybe a registration to one of the course's webinars (always when the course requires
    one and the enrolment is complete), waitlisted when every webinar of the course is full."""
    webinars = world.webinars_by_course.get(course_id) or []
    must_attend = world.webinar_required.get(course_id) and status is EnrolmentStatus.completed
    if webinars and (must_attend or rng.random() < 0.35):
        attended = bool(must_attend or rng.random() < 0.7)
        webinar_id = rng.choice(webinars)
        if _is_full(world, webinar_id):  # another of the course's webinars may have room
            webinar_id = next((w for w in webinars if not _is_full(world, w)), webinar_id)
        full = _is_full(world, webinar_id)
        if full:
            attended = False
        else:
            world.taken[webinar_id] = world.taken.get(webinar_id, 0) + 1
        registration_rows.append({
            "webinar_id": webinar_id, "user_id": user_id,
            "status": RegistrationStatus.waitlisted if full else RegistrationStatus.registered,
            "created_at": enrolled_at, "attended": attended,
            "minutes_attended": rng.randint(70, 90) if attended else None,
        })
