"""Reporting: who is in a scope, and the completion figures of that scope, all computed in SQL.

A :class:`Scope` says whose enrolments count: the people of one regional centre (coordinators),
the courses of one trainer, one person (API callers who are learners), or everything (admins),
narrowed by course and by enrolment date. Every figure is an aggregate query (GROUP BY); the
median uses ``percentile_cont`` on PostgreSQL and a window-function query on SQLite. No function
here loads rows into Python to count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.courses.models import Course, course_trainers
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.pagination import PageNavigation
from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt
from elearn.reference.models import Audience, RegionalCentre
from elearn.webinars.models import Registration, RegistrationStatus, Webinar

users = User.__table__
enrolments = Enrolment.__table__
courses = Course.__table__
attempts = QuizAttempt.__table__
quizzes = Quiz.__table__
certificates = Certificate.__table__
registrations = Registration.__table__
webinars = Webinar.__table__
audiences = Audience.__table__
centres = RegionalCentre.__table__

GROUPINGS = ("course", "country", "audience")


@dataclass(frozen=True)
class Scope:
    """Whose enrolments a report covers. ``None`` means no restriction on that axis."""

    #: only people of this regional centre
    centre_id: int | None = None
    #: only courses this trainer owns or co-trains
    trainer_id: int | None = None
    #: only this person's enrolments
    user_id: int | None = None
    #: only this course
    course_id: int | None = None
    #: enrolled on or after this day (UTC)
    date_from: date | None = None
    #: enrolled on or before this day (UTC)
    date_to: date | None = None

    def narrowed(self, **changes) -> Scope:
        return replace(self, **changes)


def trainer_course_ids(trainer_id: int) -> sa.Select:
    """The ids of the courses ``trainer_id`` owns or co-trains, as a subquery."""
    return sa.select(courses.c.id).where(courses.c.owner_id == trainer_id).union(
        sa.select(course_trainers.c.course_id).where(course_trainers.c.user_id == trainer_id)
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def conditions(scope: Scope, *, course_col=None, user_col=None, date_col=None) -> list:
    """WHERE clauses for ``scope``; the query must join ``users`` (for the centre)."""
    course_col = enrolments.c.course_id if course_col is None else course_col
    user_col = enrolments.c.user_id if user_col is None else user_col
    date_col = enrolments.c.enrolled_at if date_col is None else date_col
    where = []
    if scope.centre_id is not None:
        where.append(users.c.centre_id == scope.centre_id)
    if scope.trainer_id is not None:
        where.append(course_col.in_(trainer_course_ids(scope.trainer_id)))
    if scope.user_id is not None:
        where.append(user_col == scope.user_id)
    if scope.course_id is not None:
        where.append(course_col == scope.course_id)
    if scope.date_from is not None:
        where.append(date_col >= _day_start(scope.date_from))
    if scope.date_to is not None:
        where.append(date_col < _day_start(scope.date_to + timedelta(days=1)))
    return where


def _enrolments_join():
    return enrolments.join(users, users.c.id == enrolments.c.user_id)


# -- the figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """The completion figures of one scope or one group of it."""

    participants: int = 0
    enrolments: int = 0
    in_progress: int = 0
    completed: int = 0
    withdrawn: int = 0
    median_days: float | None = None
    average_best_score: float | None = None
    certificates: int = 0
    webinar_registrations: int = 0
    webinar_attended: int = 0

    @property
    def completion_rate(self) -> float | None:
        """Completed enrolments as a share (0-1) of all enrolments, None without any."""
        return self.completed / self.enrolments if self.enrolments else None

    @property
    def attendance_rate(self) -> float | None:
        if not self.webinar_registrations:
            return None
        return self.webinar_attended / self.webinar_registrations

    def as_dict(self) -> dict:
        return {
            "participants": self.participants,
            "enrolments": self.enrolments,
            "in_progress": self.in_progress,
            "completed": self.completed,
            "withdrawn": self.withdrawn,
            "completion_rate": self.completion_rate,
            "median_days_to_complete": self.median_days,
            "average_best_quiz_score": self.average_best_score,
            "certificates": self.certificates,
            "webinar_registrations": self.webinar_registrations,
            "webinar_attended": self.webinar_attended,
        }


FIGURE_COLUMNS = (
    "participants", "enrolments", "in_progress", "completed", "withdrawn", "completion_rate",
    "median_days_to_complete", "average_best_quiz_score", "certificates",
    "webinar_registrations", "webinar_attended",
)


def _status_count(status: EnrolmentStatus):
    return sa.func.coalesce(
        sa.func.sum(sa.case((enrolments.c.status == status, 1), else_=0)), 0
    )


def _days_to_complete(dialect: str):
    if dialect == "postgresql":
        return sa.extract("epoch", enrolments.c.completed_at - enrolments.c.enrolled_at) / 86400.0
    return sa.func.julianday(enrolments.c.completed_at) - sa.func.julianday(enrolments.c.enrolled_at)


def _same_enrolment(user_col, course_col):
    """Correlates a subquery with the enrolment (same person, same course) of the outer row."""
    return sa.and_(user_col == enrolments.c.user_id, course_col == enrolments.c.course_id)


def _enrolment_columns(dialect: str) -> list:
    completed = sa.and_(enrolments.c.status == EnrolmentStatus.completed,
                        enrolments.c.completed_at.is_not(None))
    return [
        enrolments.c.user_id, enrolments.c.course_id, users.c.country, users.c.audience_id,
        sa.case((enrolments.c.status == EnrolmentStatus.active, 1), else_=0).label("active"),
        sa.case((enrolments.c.status == EnrolmentStatus.completed, 1), else_=0)
        .label("completed"),
        sa.case((enrolments.c.status == EnrolmentStatus.withdrawn, 1), else_=0)
        .label("withdrawn"),
        sa.case((completed, _days_to_complete(dialect)), else_=sa.null()).label("days"),
    ]


def _prefilter(scope: Scope, user_col, course_col) -> tuple[list, bool]:
    """Conditions that cut a per-person-and-course aggregate down to the scope early (the join
    to the enrolments applies the full scope); the flag says whether ``users`` must be joined."""
    where = []
    if scope.centre_id is not None:
        where.append(users.c.centre_id == scope.centre_id)
    if scope.user_id is not None:
        where.append(user_col == scope.user_id)
    if scope.trainer_id is not None:
        where.append(course_col.in_(trainer_course_ids(scope.trainer_id)))
    if scope.course_id is not None:
        where.append(course_col == scope.course_id)
    return where, scope.centre_id is not None


def _quiz_per_enrolment(scope: Scope):
    """Per person and course: the sum and number of their best submitted score per quiz."""
    where, join_users = _prefilter(scope, attempts.c.user_id, quizzes.c.course_id)
    source = attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
    if join_users:
        source = source.join(users, users.c.id == attempts.c.user_id)
    best = (
        sa.select(attempts.c.user_id, quizzes.c.course_id,
                  sa.func.max(attempts.c.percent).label("best"))
        .select_from(source)
        .where(*where, attempts.c.status == AttemptStatus.submitted,
               attempts.c.percent.is_not(None))
        .group_by(attempts.c.user_id, quizzes.c.course_id, attempts.c.quiz_id)
        .subquery("best")
    )
    return (
        sa.select(best.c.user_id, best.c.course_id, sa.func.sum(best.c.best).label("total"),
                  sa.func.count().label("n"))
        .group_by(best.c.user_id, best.c.course_id)
        .subquery("quiz")
    )


def _certificates_per_enrolment(scope: Scope):
    where, join_users = _prefilter(scope, certificates.c.user_id, certificates.c.course_id)
    source = certificates
    if join_users:
        source = source.join(users, users.c.id == certificates.c.user_id)
    return (
        sa.select(certificates.c.user_id, certificates.c.course_id)
        .select_from(source)
        .where(*where, certificates.c.revoked_at.is_(None))
        .subquery("cert")
    )


def _registrations_per_enrolment(scope: Scope):
    where, join_users = _prefilter(scope, registrations.c.user_id, webinars.c.course_id)
    source = registrations.join(webinars, webinars.c.id == registrations.c.webinar_id)
    if join_users:
        source = source.join(users, users.c.id == registrations.c.user_id)
    return (
        sa.select(
            registrations.c.user_id, webinars.c.course_id, sa.func.count().label("n"),
            sa.func.sum(sa.case((registrations.c.attended, 1), else_=0)).label("attended"),
        )
        .select_from(source)
        .where(*where, registrations.c.status != RegistrationStatus.cancelled)
        .group_by(registrations.c.user_id, webinars.c.course_id)
        .subquery("reg")
    )


def _facts_joined(scope: Scope, dialect: str):
    """PostgreSQL: the per-enrolment figures from aggregates joined by hash (a correlated
    subplan per row is slower there than one pass over each table)."""
    quiz = _quiz_per_enrolment(scope)
    cert = _certificates_per_enrolment(scope)
    reg = _registrations_per_enrolment(scope)

    def same(table):
        return sa.and_(table.c.user_id == enrolments.c.user_id,
                       table.c.course_id == enrolments.c.course_id)

    return (
        sa.select(
            *_enrolment_columns(dialect),
            quiz.c.total.label("quiz_total"), quiz.c.n.label("quiz_n"),
            sa.case((cert.c.user_id.is_not(None), 1), else_=0).label("cert"),
            reg.c.n.label("reg_n"), reg.c.attended.label("reg_attended"),
        )
        .select_from(
            _enrolments_join()
            .outerjoin(quiz, same(quiz))
            .outerjoin(cert, same(cert))
            .outerjoin(reg, same(reg))
        )
        .where(*conditions(scope))
        .cte("facts")
        .prefix_with("MATERIALIZED")
    )


def _facts(scope: Scope, dialect: str):
    """One row per enrolment in scope with everything the figures need (a CTE, read 4 times).

    SQLite: the per-enrolment quiz, certificate and webinar figures are correlated subqueries,
    each an index lookup (see reports.models for the covering indexes). PostgreSQL: hash joins
    of per-person-and-course aggregates (``_facts_joined``).
    """
    if dialect == "postgresql":
        return _facts_joined(scope, dialect)
    submitted = sa.and_(
        _same_enrolment(attempts.c.user_id, quizzes.c.course_id),
        attempts.c.status == AttemptStatus.submitted, attempts.c.percent.is_not(None),
    )
    attempts_of_course = attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
    best_per_quiz = (
        sa.select(sa.func.max(attempts.c.percent).label("best"))
        .select_from(attempts_of_course).where(submitted).group_by(attempts.c.quiz_id)
        .correlate(enrolments).subquery("best")
    )
    quiz_total = sa.select(sa.func.sum(best_per_quiz.c.best)).scalar_subquery()
    quiz_n = (
        sa.select(sa.func.count(sa.distinct(attempts.c.quiz_id)))
        .select_from(attempts_of_course).where(submitted).scalar_subquery()
    )
    has_certificate = sa.exists().where(
        _same_enrolment(certificates.c.user_id, certificates.c.course_id),
        certificates.c.revoked_at.is_(None),
    )
    registered = sa.and_(
        _same_enrolment(registrations.c.user_id, webinars.c.course_id),
        registrations.c.status != RegistrationStatus.cancelled,
    )
    registrations_of_course = registrations.join(
        webinars, webinars.c.id == registrations.c.webinar_id
    )
    registration_n = (
        sa.select(sa.func.count()).select_from(registrations_of_course).where(registered)
        .scalar_subquery()
    )
    attended_n = (
        sa.select(sa.func.count()).select_from(registrations_of_course)
        .where(registered, registrations.c.attended.is_(True)).scalar_subquery()
    )
    return (
        sa.select(
            *_enrolment_columns(dialect),
            quiz_total.label("quiz_total"), quiz_n.label("quiz_n"),
            sa.case((has_certificate, 1), else_=0).label("cert"),
            registration_n.label("reg_n"), attended_n.label("reg_attended"),
        )
        .select_from(_enrolments_join())
        .where(*conditions(scope))
        .cte("facts")
        .prefix_with("MATERIALIZED")
    )


def _zero(column):
    return sa.func.coalesce(sa.func.sum(column), 0)


def report_statement(scope: Scope, dialect: str) -> sa.Select:
    """ONE statement: the figures of the whole scope and of every group of every breakdown.

    Rows: (grouping, key as text, participants, enrolments, in_progress, completed, withdrawn,
    median_days, quiz_total, quiz_n, certificates, registrations, attended). The enrolments are
    joined to their quiz scores, certificates and registrations once (the ``facts`` CTE); each
    breakdown is a GROUP BY over it, glued with UNION ALL. The median is ``percentile_cont`` on
    PostgreSQL and, on SQLite, the middle row(s) of a ROW_NUMBER() window per group.
    """
    facts = _facts(scope, dialect)
    keys = {
        "total": None, "course": facts.c.course_id, "country": facts.c.country,
        "audience": facts.c.audience_id,
    }
    parts = []
    for name, key in keys.items():
        counts = [
            # one enrolment per person and course: a course's participants are its enrolments
            (sa.func.count() if name == "course" else sa.func.count(sa.distinct(facts.c.user_id)))
            .label("participants"),
            sa.func.count().label("enrolments"),
            _zero(facts.c.active).label("in_progress"),
            _zero(facts.c.completed).label("completed"),
            _zero(facts.c.withdrawn).label("withdrawn"),
        ]
        sums = [
            _zero(facts.c.quiz_total).label("quiz_total"),
            _zero(facts.c.quiz_n).label("quiz_n"),
            _zero(facts.c.cert).label("certificates"),
            _zero(facts.c.reg_n).label("registrations"),
            _zero(facts.c.reg_attended).label("attended"),
        ]
        grouping = sa.literal_column(f"'{name}'", sa.String).label("grouping")
        if dialect == "postgresql":
            median = sa.func.percentile_cont(0.5).within_group(facts.c.days).label("median_days")
            part = sa.select(
                grouping,
                (sa.cast(key, sa.String(64)) if key is not None
                 else sa.cast(sa.null(), sa.String(64))).label("key"),
                *counts, median, *sums,
            ).select_from(facts)
            if key is not None:
                part = part.group_by(key)
            parts.append(part)
            continue
        # SQLite: aggregate first, then join each group to its median (a handful of rows)
        group_key = key if key is not None else sa.literal_column("0")
        aggregated = sa.select(group_key.label("k"), *counts, *sums).select_from(facts)
        if key is not None:
            aggregated = aggregated.group_by(key)
        aggregated = aggregated.subquery(f"agg_{name}")
        partition = [key] if key is not None else None
        ranked = (
            sa.select(
                group_key.label("k"),
                facts.c.days,
                sa.func.row_number().over(partition_by=partition, order_by=facts.c.days)
                .label("rn"),
                # same window as row_number (one sort), framed over the whole group
                sa.func.count().over(partition_by=partition, order_by=facts.c.days,
                                     rows=(None, None)).label("n"),
            )
            .where(facts.c.days.is_not(None))
            .subquery(f"ranked_{name}")
        )
        medians = (
            sa.select(ranked.c.k, sa.func.avg(ranked.c.days).label("median"))
            .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
            .group_by(ranked.c.k)
            .subquery(f"median_{name}")
        )
        a = aggregated.c
        parts.append(
            sa.select(
                grouping,
                (sa.cast(a.k, sa.String(64)) if key is not None
                 else sa.cast(sa.null(), sa.String(64))).label("key"),
                a.participants, a.enrolments, a.in_progress, a.completed, a.withdrawn,
                medians.c.median.label("median_days"),
                a.quiz_total, a.quiz_n, a.certificates, a.registrations, a.attended,
            ).select_from(aggregated.outerjoin(medians, medians.c.k == a.k))
        )
    return sa.union_all(*parts)


def aggregate_queries(scope: Scope, dialect: str) -> dict[str, sa.Select]:
    """The aggregate SQL a report runs (exposed for the benchmark)."""
    return {"report": report_statement(scope, dialect)}


def no_jit(executor, dialect: str) -> None:
    """Switch PostgreSQL's JIT off for this transaction: the report's estimated cost is high
    enough to trigger JIT compilation, which takes longer (about a second) than the query."""
    if dialect == "postgresql":
        executor.execute(sa.text("SET LOCAL jit = off"))


KEY_TYPES = {"course": int, "audience": int, "country": str}


def all_figures(scope: Scope) -> dict[str, dict]:
    """``{"total": {None: Figures}, "course": {course_id: Figures}, "country": ..., ...}``."""
    dialect = db.session.get_bind().dialect.name
    result: dict[str, dict] = {name: {} for name in ("total", *GROUPINGS)}
    no_jit(db.session, dialect)
    for row in db.session.execute(report_statement(scope, dialect)):
        if row.grouping == "total":
            key = None
        elif row.key is None:
            continue
        else:
            key = KEY_TYPES[row.grouping](row.key)
        result[row.grouping][key] = Figures(
            participants=int(row.participants), enrolments=int(row.enrolments),
            in_progress=int(row.in_progress), completed=int(row.completed),
            withdrawn=int(row.withdrawn),
            median_days=None if row.median_days is None else float(row.median_days),
            average_best_score=(float(row.quiz_total) / int(row.quiz_n)) if row.quiz_n else None,
            certificates=int(row.certificates), webinar_registrations=int(row.registrations),
            webinar_attended=int(row.attended),
        )
    result["total"].setdefault(None, Figures())
    return result


def figures_by(scope: Scope, grouping: str | None) -> dict:
    """``{key: Figures}`` for one grouping (``None``: the whole scope under key None)."""
    return all_figures(scope)["total" if grouping is None else grouping]


@dataclass
class BreakdownRow:
    key: object
    label: str
    figures: Figures


@dataclass
class Report:
    totals: Figures
    breakdowns: dict[str, list[BreakdownRow]] = field(default_factory=dict)


def course_titles() -> dict[int, str]:
    return dict(db.session.execute(sa.select(courses.c.id, courses.c.title)).all())


def audience_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(audiences.c.id, audiences.c.name)).all())


def build_report(scope: Scope, country_names: dict[str, str] | None = None) -> Report:
    """Totals and the breakdowns by course, country and audience (biggest groups first)."""
    country_names = country_names or {}
    titles = course_titles()
    audience_labels = audience_names()
    labels = {
        "course": lambda key: titles.get(key, str(key)),
        "country": lambda key: country_names.get(key, key or ""),
        "audience": lambda key: audience_labels.get(key, str(key)),
    }
    figures = all_figures(scope)
    report = Report(totals=figures["total"][None])
    for grouping in GROUPINGS:
        rows = [
            BreakdownRow(key, labels[grouping](key), group)
            for key, group in figures[grouping].items()
        ]
        rows.sort(key=lambda row: (-row.figures.enrolments, row.label))
        report.breakdowns[grouping] = rows
    return report


# -- choices for the filter form -------------------------------------------------------------


def course_choices(scope: Scope) -> list[tuple[int, str]]:
    """(id, title) of the courses a scope's filter may pick: a trainer's own, else all."""
    statement = sa.select(courses.c.id, courses.c.title).order_by(courses.c.title)
    if scope.trainer_id is not None:
        statement = statement.where(courses.c.id.in_(trainer_course_ids(scope.trainer_id)))
    return [tuple(row) for row in db.session.execute(statement)]


def centre_choices() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(centres.c.id, centres.c.name).order_by(centres.c.name)
    )]


# -- participant list --------------------------------------------------------------------------

def _participant_aggregates():
    """Per-person aggregates of the participant list, by sort key."""
    return {
        "enrolments": sa.func.count(enrolments.c.id),
        "completed": _status_count(EnrolmentStatus.completed),
        "progress": sa.func.avg(enrolments.c.progress_percent),
        "last_enrolled": sa.func.max(enrolments.c.enrolled_at),
    }


#: the only sorts accepted (anything else sorts by name)
SORTS = ("name", "email", "country", "enrolments", "completed", "progress", "last_enrolled")


def _search_condition(search: str):
    from elearn.accounts.services import people_search

    return people_search(users.c.name, users.c.email, search)


@dataclass
class ParticipantPage(PageNavigation):
    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def participants(
    scope: Scope, *, search: str = "", sort: str = "name", descending: bool = False,
    page: int = 1, per_page: int = 50,
) -> ParticipantPage:
    """One page of the people with enrolments in ``scope``, with their per-person totals."""
    if sort not in SORTS:
        sort = "name"
    aggregates = _participant_aggregates()
    where = conditions(scope)
    if search.strip():
        where.append(_search_condition(search))
    statement = (
        sa.select(
            users.c.id, users.c.name, users.c.email, users.c.country,
            audiences.c.name.label("audience"),
            *(expression.label(name) for name, expression in aggregates.items()),
        )
        .select_from(_enrolments_join().join(audiences, audiences.c.id == users.c.audience_id))
        .where(*where)
        .group_by(users.c.id, users.c.name, users.c.email, users.c.country, audiences.c.name)
    )
    column = aggregates.get(sort) if sort in aggregates else {
        "name": users.c.name, "email": users.c.email, "country": users.c.country,
    }[sort]
    order = column.desc() if descending else column.asc()
    statement = statement.order_by(order, users.c.id).limit(per_page).offset((page - 1) * per_page)
    total = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(enrolments.c.user_id)))
        .select_from(_enrolments_join()).where(*where)
    ) or 0
    return ParticipantPage(db.session.execute(statement).all(), total, page, per_page)


# -- one person --------------------------------------------------------------------------------


def person_in_scope(scope: Scope, user_id: int) -> User | None:
    """The person, when ``scope`` may see them: of the centre, or enrolled in the trainer's courses."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    if scope.centre_id is not None and user.centre_id != scope.centre_id:
        return None
    if scope.trainer_id is not None:
        enrolled = db.session.scalar(
            sa.select(enrolments.c.id).where(
                enrolments.c.user_id == user_id,
                enrolments.c.course_id.in_(trainer_course_ids(scope.trainer_id)),
            ).limit(1)
        )
        if enrolled is None:
            return None
    return user


@dataclass
class PersonRecord:
    enrolments: list
    quizzes: list
    webinars: list
    certificates: list


def person_record(scope: Scope, user_id: int) -> PersonRecord:
    """A person's courses, best quiz results, webinars and certificates, within ``scope``'s courses."""
    course_filter = []
    if scope.trainer_id is not None:
        course_filter.append(courses.c.id.in_(trainer_course_ids(scope.trainer_id)))
    enrolment_rows = db.session.execute(
        sa.select(
            courses.c.id.label("course_id"), courses.c.title, enrolments.c.status,
            enrolments.c.progress_percent, enrolments.c.enrolled_at, enrolments.c.completed_at,
        )
        .select_from(enrolments.join(courses, courses.c.id == enrolments.c.course_id))
        .where(enrolments.c.user_id == user_id, *course_filter)
        .order_by(enrolments.c.enrolled_at.desc(), enrolments.c.id)
    ).all()
    quiz_rows = db.session.execute(
        sa.select(
            courses.c.title.label("course"), quizzes.c.title.label("quiz"), quizzes.c.pass_mark,
            sa.func.count().label("attempts"), sa.func.max(attempts.c.percent).label("best"),
            sa.func.max(sa.case((attempts.c.passed, 1), else_=0)).label("passed"),
            sa.func.max(attempts.c.submitted_at).label("last_submitted"),
        )
        .select_from(attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
                     .join(courses, courses.c.id == quizzes.c.course_id))
        .where(attempts.c.user_id == user_id, attempts.c.status == AttemptStatus.submitted,
               *course_filter)
        .group_by(courses.c.title, quizzes.c.id, quizzes.c.title, quizzes.c.pass_mark)
        .order_by(courses.c.title, quizzes.c.title)
    ).all()
    webinar_filter = list(course_filter)
    webinar_rows = db.session.execute(
        sa.select(
            webinars.c.title, webinars.c.start_utc, courses.c.title.label("course"),
            registrations.c.status, registrations.c.attended, registrations.c.minutes_attended,
        )
        .select_from(registrations.join(webinars, webinars.c.id == registrations.c.webinar_id)
                     .outerjoin(courses, courses.c.id == webinars.c.course_id))
        .where(registrations.c.user_id == user_id, *webinar_filter)
        .order_by(webinars.c.start_utc.desc())
    ).all()
    certificate_rows = db.session.execute(
        sa.select(
            courses.c.title.label("course"), certificates.c.code, certificates.c.issued_at,
            certificates.c.revoked_at,
        )
        .select_from(certificates.join(courses, courses.c.id == certificates.c.course_id))
        .where(certificates.c.user_id == user_id, *course_filter)
        .order_by(certificates.c.issued_at.desc())
    ).all()
    return PersonRecord(enrolment_rows, quiz_rows, webinar_rows, certificate_rows)


# -- rows for exports ----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "name", "email", "country", "audience", "centre", "course", "course_title", "status",
    "progress_percent", "enrolled_at", "completed_at", "certificate_code",
)


def _iso_text(column, dialect: str):
    """An instant as ISO 8601 UTC text, formatted by the database (no per-row Python work)."""
    if dialect == "postgresql":
        return sa.func.to_char(column, sa.literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"))
    return sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", column)


def export_statement(scope: Scope, search: str = "", dialect: str = "sqlite") -> sa.Select:
    """One row per enrolment in ``scope`` (the participant list, flattened), in a stable order.

    Every column comes out as plain text or number, ready for a CSV writer."""
    where = conditions(scope)
    if search.strip():
        where.append(_search_condition(search))
    return (
        sa.select(
            users.c.name, users.c.email, users.c.country, audiences.c.name.label("audience"),
            sa.func.coalesce(centres.c.slug, "").label("centre"), courses.c.slug.label("course"),
            courses.c.title.label("course_title"),
            sa.type_coerce(enrolments.c.status, sa.String).label("status"),
            enrolments.c.progress_percent,
            sa.func.coalesce(_iso_text(enrolments.c.enrolled_at, dialect), "").label("enrolled_at"),
            sa.func.coalesce(_iso_text(enrolments.c.completed_at, dialect), "")
            .label("completed_at"),
            sa.func.coalesce(certificates.c.code, "").label("certificate_code"),
        )
        .select_from(
            _enrolments_join()
            .join(courses, courses.c.id == enrolments.c.course_id)
            .join(audiences, audiences.c.id == users.c.audience_id)
            .outerjoin(centres, centres.c.id == users.c.centre_id)
            .outerjoin(certificates, sa.and_(
                certificates.c.user_id == enrolments.c.user_id,
                certificates.c.course_id == enrolments.c.course_id,
                certificates.c.revoked_at.is_(None),
            ))
        )
        .where(*where)
        .order_by(enrolments.c.id)
    )


def iter_export_rows(scope: Scope, search: str = "", batch: int = 2000):
    """Yield export rows as tuples, fetched from a server-side cursor ``batch`` rows at a time."""
    dialect = db.session.get_bind().dialect.name
    result = db.session.connection().execute(
        export_statement(scope, search, dialect).execution_options(
            stream_results=True, yield_per=batch
        )
    )
    try:
        yield from result
    finally:
        result.close()


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


BREAKDOWN_COLUMNS = ("breakdown", "key", "label", *FIGURE_COLUMNS)


def breakdown_rows(report: Report):
    """The report flattened to rows: totals first, then each breakdown's groups."""
    def values(figures: Figures):
        data = figures.as_dict()
        return [_rounded(data[name]) for name in FIGURE_COLUMNS]

    yield ("total", "", "", *values(report.totals))
    for grouping in GROUPINGS:
        for row in report.breakdowns.get(grouping, []):
            yield (grouping, "" if row.key is None else str(row.key), row.label, *values(row.figures))


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value
