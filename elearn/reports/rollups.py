"""Rollups: the dashboard figures as summary rows, kept current in the transaction of the change.

Three levels of summary rows (``reports.models``) are derived from ``report_facts``, which holds
one row per enrolment with everything the figures need, exactly as the rollups last counted it:

* ``report_rollups``: additive sums per period (all time, month, day of enrolment) and
  projection of (centre, course, country, audience) (``rollup_sql.sum_groupings``);
* ``report_completion_histograms``: for the median, histograms of whole days to completion,
  one packed row per centre (and all centres), course (and all courses) and country or
  audience (or neither) and period (all time, months, days; ``reports.histograms``);
  ``report_medians``: the all-time median of each histogram group, what a dashboard without a
  date or trainer filter reads;
* ``report_people``: people with at least one enrolment per (centre, country, audience);
  ``report_participant_sets``: the people themselves per group and period, for distinct
  participants under a date filter or a trainer's courses (``reports.participant_sets``).

The tables, their keys and the statements that change them are in ``reports.rollup_sql``.

A change is applied as a delta: the affected enrolments' old facts are subtracted from the
summary rows, their facts are recomputed from the source tables with the same per-enrolment SQL
as the direct report (``reports.facts``), and added again; all with set-based
``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` statements; the packed rows (histograms, sets
of people) are changed from the touched people's facts read before and after
(``reports.packed_rows``).

Which enrolments are affected is found by session events, so a new code path cannot forget it:
``after_flush`` looks at the flushed objects (enrolments, quiz attempts, registrations,
certificates, people whose country, audience or centre changed, quizzes and webinars that moved
or went away, courses that went away), and ``do_orm_execute`` looks at ORM-enabled bulk INSERT,
UPDATE and DELETE statements on those tables (``session.execute(sa.update(Enrolment)...)``).
Raw SQL text bypasses both: run ``flask reports rebuild`` after such a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from types import SimpleNamespace

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.courses.models import Course
from elearn.enrolments.models import Enrolment
from elearn.quizzes.models import Quiz, QuizAttempt
from elearn.reports import histograms, participant_sets, services
from elearn.reports.bulk_rows import chunks
from elearn.reports.rollup_sql import (
    facts_table,
    people_condition,
    people_table,
    rollups_table,
    update_statements,
)
from elearn.webinars.models import Registration, Webinar

#: the person attributes the groups use; a change of one moves all their enrolments
PERSON_ATTRIBUTES = ("country", "audience_id", "centre_id")
#: session.info key: while set, the events leave the rollups alone (bulk seeding, then rebuild)
PAUSED = "reports.rollups.paused"
CHUNK = 300
#: people bound to one statement: the summary statements read them once (a CTE), and the whole
#: must stay under SQLite's 32,766 parameters (PostgreSQL's 65,535)
PEOPLE_PER_STATEMENT = 1_000
#: PostgreSQL transaction-level advisory lock taken before a refresh: the rows "every centre"
#: and "every course" are shared by nearly every write, and a refresh subtracts then adds, so
#: two writers could lock them in opposite orders (bench/reports_concurrent_writes.py saw
#: deadlocks with 4 writers); they queue here instead, which the shared rows made them do anyway
REFRESH_LOCK = 190_001


# -- the facts the packed rollups hold ----------------------------------------------------------


def _facts_of(connection, bound: dict) -> list[tuple]:
    """The bound people's facts as (user, centre, course, country, audience, day, whole days to
    complete or None): what the histograms and the sets of people hold of them."""
    f = facts_table
    return [tuple(row) for row in connection.execute(
        sa.select(f.c.user_id, f.c.centre_id, f.c.course_id, f.c.country, f.c.audience_id,
                  f.c.day, f.c.done_days).where(people_condition(f, "user" in bound)), bound)]


def _members(facts: list[tuple]) -> set:
    return participant_sets.memberships(fact[:6] for fact in facts)


def _apply(connection, statements: SimpleNamespace, sign: int, bound: dict) -> None:
    """Add (sign 1) or subtract (sign -1) the facts in scope to the summary rows (the people
    counts cover all facts of the bound ``users``, so they move whole people)."""
    for statement in statements.apply:
        connection.execute(statement, {**bound, "sign": sign})


# -- keeping them current ------------------------------------------------------------------------


def _queue(connection) -> None:
    """On PostgreSQL, wait for any other transaction changing the rollups (``REFRESH_LOCK``)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(REFRESH_LOCK)))


def refresh(connection, pairs: Iterable[tuple[int, int]] = (), users: Iterable[int] = (),
            courses: Iterable[int] = ()) -> None:
    """Bring the rollups up to date for the people of the enrolments (user id, course id) in
    ``pairs``, for ``users``, and for everyone enrolled in ``courses``: all their enrolments are
    recounted (a person has a handful; a bulk enrolment of 10,000 is one set of statements)."""
    people = {user for user, _course in pairs} | set(users)
    e = services.enrolments
    for chunk in chunks(sorted(set(courses) - {None}), CHUNK):
        for table in (facts_table, e):
            people.update(connection.scalars(
                sa.select(table.c.user_id).where(table.c.course_id.in_(chunk)).distinct()
            ))
    people.discard(None)
    if not people:
        return
    _queue(connection)
    for chunk in chunks(sorted(people), PEOPLE_PER_STATEMENT):
        one = len(chunk) == 1
        statements = update_statements(connection.dialect.name, True, one)
        bound = {"user": chunk[0]} if one else {"users": chunk}
        before = _facts_of(connection, bound)
        _apply(connection, statements, -1, bound)
        connection.execute(statements.delete_facts, bound)
        connection.execute(statements.insert_facts, bound)
        _apply(connection, statements, 1, bound)
        after = _facts_of(connection, bound)
        participant_sets.apply(connection, _members(before), _members(after))
        histograms.apply(connection, histograms.completions(before),
                         histograms.completions(after))


def rebuild(connection) -> int:
    """Recompute every summary row from the source tables; returns the number of enrolments."""
    _queue(connection)  # writers wait for the rebuild to commit
    for table in (people_table, rollups_table, facts_table):
        connection.execute(table.delete())  # histograms, medians and sets: their rebuild
    dialect = connection.dialect.name
    services.no_jit(connection, dialect)
    statements = update_statements(dialect, False)
    connection.execute(statements.insert_facts)
    _apply(connection, statements, 1, {})
    histograms.rebuild(connection)
    participant_sets.rebuild(connection)
    return connection.scalar(sa.select(sa.func.count()).select_from(facts_table)) or 0


@contextmanager
def paused(session):
    """Leave the rollups alone inside the block (bulk loads); call :func:`rebuild` after it."""
    session.info[PAUSED] = True
    try:
        yield
    finally:
        session.info.pop(PAUSED, None)


# -- what a flush or a bulk statement touched ---------------------------------------------------


def _value(obj, name: str):
    """An attribute's current value, else the one it had (deleted or expired objects)."""
    state = sa.inspect(obj)
    if name in state.dict:
        return state.dict[name]
    history = state.attrs[name].load_history()
    values = history.deleted or history.unchanged or history.added
    return values[0] if values else None


def _old_and_new(obj, name: str) -> set:
    history = sa.inspect(obj).attrs[name].load_history()
    return {*history.deleted, *history.added, *history.unchanged} - {None}


class Touched:
    """Enrolments, people and courses whose facts may have changed."""

    def __init__(self) -> None:
        self.pairs: set[tuple[int, int]] = set()
        self.attempts: set[tuple[int, int]] = set()  # (user, quiz)
        self.registrations: set[tuple[int, int]] = set()  # (user, webinar)
        self.users: set[int] = set()
        self.courses: set[int] = set()

    def add_object(self, obj, *, gone: bool) -> None:
        if isinstance(obj, Enrolment | Certificate):
            self.pairs.add((_value(obj, "user_id"), _value(obj, "course_id")))
        elif isinstance(obj, QuizAttempt):
            self.attempts.add((_value(obj, "user_id"), _value(obj, "quiz_id")))
        elif isinstance(obj, Registration):
            self.registrations.add((_value(obj, "user_id"), _value(obj, "webinar_id")))
        elif isinstance(obj, User):
            state = sa.inspect(obj)
            if gone or any(state.attrs[name].history.has_changes() for name in PERSON_ATTRIBUTES):
                self.users.add(_value(obj, "id"))
        elif isinstance(obj, Quiz | Webinar):
            if gone or sa.inspect(obj).attrs.course_id.history.has_changes():
                self.courses |= _old_and_new(obj, "course_id")
        elif isinstance(obj, Course) and gone:
            self.courses.add(_value(obj, "id"))

    def resolve(self, connection) -> set[tuple[int, int]]:
        """Turn (user, quiz) and (user, webinar) into (user, course)."""
        pairs = set(self.pairs)
        for keys, table in ((self.attempts, services.quizzes), (self.registrations,
                                                                 services.webinars)):
            ids = sorted({key for _user, key in keys if key is not None})
            course_of = {}
            for chunk in chunks(ids, 500):
                course_of.update(connection.execute(
                    sa.select(table.c.id, table.c.course_id).where(table.c.id.in_(chunk))
                ).all())
            pairs.update((user, course_of.get(key)) for user, key in keys)
        return pairs

    def refresh(self, connection) -> None:
        refresh(connection, self.resolve(connection), self.users, self.courses)


def _after_flush(session, _flush_context) -> None:
    if session.info.get(PAUSED):
        return
    touched = Touched()
    for obj in session.new:
        if not isinstance(obj, User):  # a new person has no counted enrolments yet
            touched.add_object(obj, gone=False)
    for obj in session.dirty:
        touched.add_object(obj, gone=False)
    for obj in session.deleted:
        touched.add_object(obj, gone=True)
    if touched.pairs or touched.attempts or touched.registrations or touched.users \
            or touched.courses:
        touched.refresh(session.connection())


def _bulk_sources() -> dict[str, sa.Select]:
    """Tables whose bulk statements change facts, and how to read (user, course) from their
    rows (for ``users``: the person's id)."""
    e, a, q = services.enrolments, services.attempts, services.quizzes
    r, w, c = services.registrations, services.webinars, services.certificates
    return {
        e.name: sa.select(e.c.user_id, e.c.course_id),
        c.name: sa.select(c.c.user_id, c.c.course_id),
        a.name: sa.select(a.c.user_id, q.c.course_id).select_from(a.join(q, q.c.id == a.c.quiz_id)),
        r.name: sa.select(r.c.user_id, w.c.course_id)
        .select_from(r.join(w, w.c.id == r.c.webinar_id)),
        services.users.name: sa.select(services.users.c.id),
    }


def _on_orm_execute(state) -> None:
    """Bulk INSERT/UPDATE/DELETE through the session: find the touched enrolments, run the
    statement, then refresh them (in the same transaction)."""
    if state.session.info.get(PAUSED) or not (state.is_insert or state.is_update
                                              or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    sources = _bulk_sources()
    if table is None or table.name not in sources:
        return None
    select = sources[table.name]
    connection = state.session.connection()
    touched = Touched()
    if state.is_insert:
        parameters = state.parameters
        rows = parameters if isinstance(parameters, list) else [parameters or {}]
        for row in rows:
            if table.name in (services.enrolments.name, services.certificates.name):
                touched.pairs.add((row.get("user_id"), row.get("course_id")))
            elif table.name == services.attempts.name:
                touched.attempts.add((row.get("user_id"), row.get("quiz_id")))
            elif table.name == services.registrations.name:
                touched.registrations.add((row.get("user_id"), row.get("webinar_id")))
    else:
        where = state.statement.whereclause
        found = connection.execute(select if where is None else select.where(where)).all()
        if table.name == services.users.name:
            touched.users.update(row[0] for row in found)
        else:
            touched.pairs.update(tuple(row) for row in found)
    result = state.invoke_statement()
    touched.refresh(connection)
    return result


def install() -> None:
    """Listen to every Flask-SQLAlchemy session (idempotent)."""
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _on_orm_execute)):
        if not sa.event.contains(FlaskSession, name, listener):
            sa.event.listen(FlaskSession, name, listener)


install()
