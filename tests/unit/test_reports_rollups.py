"""The rollups against the direct one-statement computation, on random data (Hypothesis).

Each example writes people, enrolments, quiz attempts, registrations and certificates through the
ORM and through bulk statements, then changes some of them (status, country, deletions, a bulk
UPDATE), and compares every figure of every breakdown for several scopes. It runs on whichever
database the suite runs on (PostgreSQL when ELEARN_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyroaring import BitMap

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt
from elearn.reference.models import Audience, RegionalCentre
from elearn.reports import dashboard, histograms, participant_sets, rollup_sql, rollups, services
from elearn.reports.models import ReportRollup
from elearn.reports.services import GROUPINGS, Scope
from elearn.webinars.models import Registration, RegistrationStatus, Webinar
from tests import factories

BASE = datetime(2026, 1, 20, tzinfo=UTC)  # the random days straddle three month boundaries
CENTRES = ("bcrc-caribbean", "bcrc-scrc-senegal", None)
COUNTRIES = ("TT", "JM", "SN")
AUDIENCES = ("customs-officer", "ngo")
WIPE = ("registrations", "certificates", "quiz_attempts", "enrolments", "report_medians",
        "report_participant_sets",
        "report_people",
        "report_completion_histograms", "report_rollups", "report_facts")


@pytest.fixture
def world(app, trainer):
    courses = [factories.make_course(slug=f"c{i}", title=f"C{i}", owner=trainer if i < 2 else None)
               for i in range(3)]
    quizzes, webinars = [], []
    for course in courses:
        for n in range(2):
            quizzes.append(Quiz(course_id=course.id, slug=f"q{n}", title=f"Q{n}", pass_mark=70))
        webinars.append(Webinar(
            course_id=course.id, organiser_id=trainer.id, title="W", start_utc=BASE,
            timezone="UTC", join_url="https://meet.example.org/w",
        ))
    db.session.add_all(quizzes + webinars)
    db.session.commit()
    centres = dict(db.session.execute(sa.select(RegionalCentre.slug, RegionalCentre.id)).all())
    audiences = dict(db.session.execute(sa.select(Audience.slug, Audience.id)).all())
    return {
        "trainer": trainer.id, "courses": [c.id for c in courses],
        "quizzes": [q.id for q in quizzes], "webinars": [w.id for w in webinars],
        "centres": centres, "audiences": audiences,
    }


def _wipe() -> None:
    connection = db.session.connection()
    for name in WIPE:
        connection.execute(sa.table(name).delete())
    connection.execute(User.__table__.delete().where(User.email.like("h%@example.org")))
    db.session.expunge_all()


person = st.fixed_dictionaries({
    "centre": st.sampled_from(CENTRES), "country": st.sampled_from(COUNTRIES),
    "audience": st.sampled_from(AUDIENCES),
    "enrolments": st.lists(st.fixed_dictionaries({
        "course": st.integers(0, 2),
        "status": st.sampled_from(list(EnrolmentStatus)),
        "day": st.integers(0, 80), "hours": st.integers(0, 23),
        "took_hours": st.integers(0, 24 * 40),
        "scores": st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), max_size=3),
        "registration": st.sampled_from([None, *RegistrationStatus]),
        "attended": st.booleans(),
        "certificate": st.sampled_from([None, "valid", "revoked"]),
        "bulk": st.booleans(),
    }), max_size=4, unique_by=lambda e: e["course"]),
})

changes = st.lists(st.tuples(
    st.sampled_from(["status", "country", "delete", "bulk_withdraw", "centre"]),
    st.integers(0, 50), st.sampled_from(list(EnrolmentStatus)), st.sampled_from(COUNTRIES),
), max_size=4)


def _populate(world, people) -> list[User]:
    users = []
    for index, spec in enumerate(people):
        user = factories.make_user(
            email=f"h{index}@example.org", password=None, centre=spec["centre"],
            country=spec["country"], audience_slug=spec["audience"],
        )
        users.append(user)
        bulk_rows = []
        for e in spec["enrolments"]:
            course_id = world["courses"][e["course"]]
            enrolled = BASE + timedelta(days=e["day"], hours=e["hours"])
            completed = (enrolled + timedelta(hours=e["took_hours"])
                         if e["status"] is EnrolmentStatus.completed else None)
            values = {"user_id": user.id, "course_id": course_id, "status": e["status"],
                      "enrolled_at": enrolled, "completed_at": completed, "progress_percent": 0}
            if e["bulk"]:
                bulk_rows.append(values)
            else:
                db.session.add(Enrolment(**values))
            for number, score in enumerate(e["scores"], start=1):
                quiz_id = world["quizzes"][e["course"] * 2 + number % 2]
                db.session.add(QuizAttempt(
                    quiz_id=quiz_id, user_id=user.id, number=number,
                    status=AttemptStatus.in_progress if score is None else AttemptStatus.submitted,
                    submitted_at=None if score is None else enrolled, percent=score,
                    passed=None if score is None else score >= 70,
                    score=None if score is None else score / 10, max_score=10,
                ))
            if e["registration"] is not None:
                db.session.add(Registration(
                    webinar_id=world["webinars"][e["course"]], user_id=user.id,
                    status=e["registration"], attended=e["attended"],
                ))
            if e["certificate"] is not None:
                db.session.add(Certificate(
                    code=f"h{index}-{course_id}", user_id=user.id, course_id=course_id,
                    audience_id=user.audience_id, learner_name=user.name, issued_at=enrolled,
                    revoked_at=enrolled if e["certificate"] == "revoked" else None,
                    revoked_reason="test" if e["certificate"] == "revoked" else None,
                ))
        db.session.flush()
        if bulk_rows:
            db.session.execute(sa.insert(Enrolment), bulk_rows)
    db.session.flush()
    return users


def _change(world, users, plan) -> None:
    enrolments = db.session.scalars(sa.select(Enrolment).order_by(Enrolment.id)).all()
    for kind, index, status, country in plan:
        if kind in ("country", "centre") and users:
            user = users[index % len(users)]
            if kind == "country":
                user.country = country
            else:
                user.centre_id = world["centres"]["bcrc-pacific"]
        elif enrolments:
            enrolment = enrolments[index % len(enrolments)]
            if kind == "status" and enrolment in db.session:
                enrolment.status = status
                enrolment.completed_at = (enrolment.enrolled_at + timedelta(days=index)
                                          if status is EnrolmentStatus.completed else None)
            elif kind == "delete" and enrolment in db.session:
                db.session.delete(enrolment)
            elif kind == "bulk_withdraw":
                db.session.execute(
                    sa.update(Enrolment).where(Enrolment.course_id == enrolment.course_id)
                    .values(status=EnrolmentStatus.withdrawn, completed_at=None)
                    .execution_options(synchronize_session=False)
                )
        db.session.flush()


def _assert_same(scope: Scope) -> None:
    direct = services.all_figures(scope)
    rolled = dashboard.all_figures(scope)
    for grouping in ("total", *GROUPINGS):
        assert set(rolled[grouping]) == set(direct[grouping]), (scope, grouping)
        for key, expected in direct[grouping].items():
            got = rolled[grouping][key]
            where = (scope, grouping, key)
            for name in ("participants", "enrolments", "in_progress", "completed", "withdrawn",
                         "certificates", "webinar_registrations", "webinar_attended"):
                assert getattr(got, name) == getattr(expected, name), (*where, name)
            if expected.average_best_score is None:
                assert got.average_best_score is None, where
            else:
                assert got.average_best_score == pytest.approx(expected.average_best_score,
                                                               abs=1e-6), where
            if expected.median_days is None:
                assert got.median_days is None, where
            else:  # whole days: within one day of the exact median
                assert abs(got.median_days - expected.median_days) < 1 + 1e-9, where


def _scopes(world, date_from: date | None, date_to: date | None) -> list[Scope]:
    centre = world["centres"]["bcrc-caribbean"]
    return [
        Scope(), Scope(centre_id=centre), Scope(trainer_id=world["trainer"]),
        Scope(course_id=world["courses"][0]), Scope(date_from=date_from, date_to=date_to),
        Scope(centre_id=centre, date_from=date_from),
        Scope(trainer_id=world["trainer"], date_to=date_to),
        Scope(course_id=world["courses"][1], date_from=date_from, date_to=date_to),
        Scope(centre_id=centre, course_id=world["courses"][0], date_to=date_to),
        Scope(centre_id=centre, trainer_id=world["trainer"]),
        Scope(trainer_id=world["trainer"], course_id=world["courses"][2]),
    ]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(person, max_size=6), plan=changes,
       date_from=st.one_of(st.none(), st.dates(date(2026, 1, 10), date(2026, 4, 30))),
       span=st.integers(0, 70))
def test_rollups_equal_the_direct_computation(world, people, plan, date_from, span):
    _wipe()
    try:
        users = _populate(world, people)
        _change(world, users, plan)
        date_to = None if date_from is None else date_from + timedelta(days=span)
        for scope in _scopes(world, date_from, date_to):
            _assert_same(scope)
            # the participant list's count, also narrowed by country and audience
            for narrowed in (scope, scope.narrowed(country="TT"),
                             scope.narrowed(audience_id=world["audiences"]["ngo"]),
                             scope.narrowed(country="SN", audience_id=world["audiences"]["ngo"])):
                assert dashboard.participant_total(narrowed) == _people_counted(narrowed), narrowed
        # a rebuild from scratch gives the same rows as the incremental updates (summary rows,
        # every grouping of the completion-day histograms, people counts)
        stored = ((ReportRollup.__table__, "enrolments"),
                  (rollup_sql.people_table, "participants"), (rollup_sql.medians_table, None))
        kept = {table.name: _rows(table, count) for table, count in stored}
        kept_sets, kept_histograms = _participant_sets(), _histograms()
        rollups.rebuild(db.session.connection())
        for table, count in stored:
            assert _rounded(kept[table.name]) == _rounded(_rows(table, count)), table.name
        assert kept_sets == _participant_sets()
        assert kept_histograms == _histograms()
    finally:
        db.session.rollback()


def _people_counted(scope: Scope) -> int:
    """People with an enrolment in ``scope``, counted from the source tables."""
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(services.enrolments.c.user_id)))
        .select_from(services.enrolments.join(
            services.users, services.users.c.id == services.enrolments.c.user_id))
        .where(*services.conditions(scope)))


def _participant_sets() -> dict:
    """Every stored set of people, as key -> user ids."""
    table = participant_sets.sets_table
    return {tuple(row[:-1]): set(BitMap.deserialize(row[-1]))
            for row in db.session.execute(sa.select(*table.c))}


def _histograms() -> dict:
    """Every stored completion-day histogram, as key -> {whole days: count}; none is empty."""
    table = histograms.histograms_table
    stored = {tuple(row[:-1]): dict(histograms.unpack(row[-1]))
              for row in db.session.execute(sa.select(*table.c))}
    assert all(counts and all(counts.values()) for counts in stored.values())
    return stored


def _rows(table, count: str | None) -> set:
    """A summary table's rows, without those an update brought down to zero."""
    where = [] if count is None else [table.c[count] != 0]
    return {tuple(row) for row in db.session.execute(sa.select(*table.c).where(*where)).all()}


def _rounded(rows: set) -> set:
    return {tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows}


def test_rebuild_command_recomputes_from_scratch(world, app):
    _populate(world, [{"centre": "bcrc-caribbean", "country": "TT", "audience": "ngo",
                       "enrolments": [{"course": 0, "status": EnrolmentStatus.completed, "day": 3,
                                       "hours": 1, "took_hours": 50, "scores": [80.0],
                                       "registration": None, "attended": False,
                                       "certificate": "valid", "bulk": False}]}])
    db.session.commit()
    db.session.execute(sa.text("DELETE FROM report_rollups"))  # e.g. lost in a restore
    db.session.commit()
    assert dashboard.all_figures(Scope())["total"][None].enrolments == 0
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    figures = dashboard.all_figures(Scope())["total"][None]
    assert (figures.enrolments, figures.completed, figures.certificates) == (1, 1, 1)
    assert figures.median_days == 2  # 50 hours, in whole days


def test_period_condition_covers_each_day_once():
    """Whole months inside the range come from month rows, the ragged ends from day rows."""
    table = rollup_sql.rollups_table
    condition = dashboard.period_condition(table, date(2026, 1, 20), date(2026, 4, 10))
    sql = str(condition.compile(compile_kwargs={"literal_binds": True}))
    assert "'2026-02-01'" in sql and "'2026-04-01'" in sql  # February and March as months
    assert "'2026-01-20'" in sql and "'2026-04-11'" in sql
    single = dashboard.period_condition(table, date(2026, 1, 3), date(2026, 1, 5))
    assert "'m'" not in str(single.compile(compile_kwargs={"literal_binds": True}))


def test_median_of_stored_histograms(world):
    """Medians from the stored histograms: even and odd counts, every breakdown, and the
    all-centres rows of a platform-wide view (days are whole days); stored for all time, and
    summed from the packed histograms of a date filter's periods."""
    _populate(world, [
        {"centre": "bcrc-caribbean", "country": "TT", "audience": "ngo", "enrolments": [
            {"course": 0, "status": EnrolmentStatus.completed, "day": 1, "hours": 0,
             "took_hours": 24 * took, "scores": [], "registration": None, "attended": False,
             "certificate": None, "bulk": False}]}
        for took in (4, 10, 20, 30)
    ] + [{"centre": "bcrc-scrc-senegal", "country": "SN", "audience": "ngo", "enrolments": [
        {"course": 1, "status": EnrolmentStatus.completed, "day": 1, "hours": 0,
         "took_hours": 24 * 9, "scores": [], "registration": None, "attended": False,
         "certificate": None, "bulk": False}]}])
    caribbean = world["centres"]["bcrc-caribbean"]
    centre = dashboard.medians(Scope(centre_id=caribbean))
    assert centre[("total", None)] == 15
    assert centre[("country", "TT")] == 15
    assert centre[("course", world["courses"][0])] == 15
    everyone = dashboard.medians(Scope())
    assert everyone[("total", None)] == 10
    assert everyone[("country", "SN")] == 9
    assert everyone[("audience", world["audiences"]["ngo"])] == 10
    dated = dashboard.medians(Scope(date_from=BASE.date(), date_to=BASE.date() + timedelta(days=40)))
    assert dated == everyone


def test_participants_over_a_date_range_are_distinct_people(world):
    """One person enrolled in two courses in two months and on a ragged day counts once over a
    range that covers all three (the sets of people are unioned, not their sizes added), and
    leaves the sets when their enrolments go."""
    def enrolment(course, day):
        return {"course": course, "status": EnrolmentStatus.active, "day": day, "hours": 1,
                "took_hours": 0, "scores": [], "registration": None, "attended": False,
                "certificate": None, "bulk": False}

    users = _populate(world, [
        {"centre": "bcrc-caribbean", "country": "TT", "audience": "ngo",
         "enrolments": [enrolment(0, 2), enrolment(1, 15), enrolment(2, 45)]},
        {"centre": "bcrc-caribbean", "country": "JM", "audience": "ngo",
         "enrolments": [enrolment(0, 16)]},
    ])
    caribbean = world["centres"]["bcrc-caribbean"]
    scope = Scope(centre_id=caribbean, date_from=date(2026, 1, 21), date_to=date(2026, 3, 10))
    figures = dashboard.all_figures(scope)
    assert figures["total"][None].enrolments == 4
    assert figures["total"][None].participants == 2
    assert figures["country"]["TT"].participants == 1
    assert figures["audience"][world["audiences"]["ngo"]].participants == 2
    assert dashboard.participant_total(scope.narrowed(country="TT",
                                                      audience_id=world["audiences"]["ngo"])) == 1
    trainer = Scope(trainer_id=world["trainer"])  # courses 0 and 1, without dates
    assert dashboard.all_figures(trainer)["total"][None].participants == 2
    db.session.delete(users[1])
    db.session.flush()
    assert dashboard.all_figures(scope)["total"][None].participants == 1
    assert users[1].id not in set().union(*(
        BitMap.deserialize(row.people)
        for row in db.session.execute(sa.select(participant_sets.sets_table))))


def test_refresh_queues_writers_on_postgresql(world):
    """On PostgreSQL a refresh first takes a transaction-level advisory lock: two writers
    subtracting and adding on the shared "every centre" rows could otherwise lock them in
    opposite orders and deadlock (bench/reports_concurrent_writes.py)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    held = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                   "AND pid = pg_backend_pid() AND objid = :key")
    assert db.session.scalar(held, {"key": rollups.REFRESH_LOCK}) == 0
    _populate(world, [{"centre": "bcrc-caribbean", "country": "TT", "audience": "ngo",
                       "enrolments": [{"course": 0, "status": EnrolmentStatus.active, "day": 1,
                                       "hours": 0, "took_hours": 0, "scores": [],
                                       "registration": None, "attended": False,
                                       "certificate": None, "bulk": False}]}])
    assert db.session.scalar(held, {"key": rollups.REFRESH_LOCK}) == 1
