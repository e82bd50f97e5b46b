"""Reporting: the completion figures of a scope computed directly in SQL, filter choices, and
the rows of the participant exports.

Every figure is an aggregate query (GROUP BY) over the per-enrolment facts (``reports.facts``);
the median uses ``percentile_cont`` on PostgreSQL and a window-function query on SQLite. No
function here loads rows into Python to count them. The dashboard reads the same figures from
the rollups (``reports.dashboard``); this direct computation is their reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from elearn.accounts.services import people_search
from elearn.enrolments.models import EnrolmentStatus
from elearn.extensions import db
from elearn.reports.facts import facts as _facts
from elearn.reports.scope import (  # noqa: F401 - the names other modules read from here
    GROUPINGS,
    Scope,
    _day_start,
    _enrolments_join,
    attempts,
    audiences,
    centres,
    certificates,
    conditions,
    courses,
    enrolments,
    quizzes,
    registrations,
    trainer_course_ids,
    users,
    webinars,
)

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


def _zero(column):
    return sa.func.coalesce(sa.func.sum(column), 0)


def _figure_columns(facts, name: str) -> tuple[list, list]:
    """The counted and the summed columns of one breakdown's GROUP BY over ``facts``."""
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
    return counts, sums


def _postgresql_part(facts, key, grouping, counts, sums) -> sa.Select:
    """One breakdown on PostgreSQL: a GROUP BY with ``percentile_cont`` for the median."""
    median = sa.func.percentile_cont(0.5).within_group(facts.c.days).label("median_days")
    part = sa.select(
        grouping,
        (sa.cast(key, sa.String(64)) if key is not None
         else sa.cast(sa.null(), sa.String(64))).label("key"),
        *counts, median, *sums,
    ).select_from(facts)
    if key is not None:
        part = part.group_by(key)
    return part


def _sqlite_part(facts, name: str, key, grouping, counts, sums) -> sa.Select:
    """One breakdown on SQLite: aggregate first, then join each group to its median (a handful
    of rows), the middle row(s) of a ROW_NUMBER() window."""
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
    return sa.select(
        grouping,
        (sa.cast(a.k, sa.String(64)) if key is not None
         else sa.cast(sa.null(), sa.String(64))).label("key"),
        a.participants, a.enrolments, a.in_progress, a.completed, a.withdrawn,
        medians.c.median.label("median_days"),
        a.quiz_total, a.quiz_n, a.certificates, a.registrations, a.attended,
    ).select_from(aggregated.outerjoin(medians, medians.c.k == a.k))


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
        counts, sums = _figure_columns(facts, name)
        grouping = sa.literal_column(f"'{name}'", sa.String).label("grouping")
        if dialect == "postgresql":
            parts.append(_postgresql_part(facts, key, grouping, counts, sums))
        else:
            parts.append(_sqlite_part(facts, name, key, grouping, counts, sums))
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


def _search_condition(search: str):
    """Name, or the email's local part, matches ``search`` (one rule: accounts.people_search)."""
    return people_search(users.c.name, users.c.email, search)


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


def _excel_serial(column, dialect: str):
    """An instant as an Excel serial date (days since 1899-12-30, UTC), computed by the database."""
    if dialect == "postgresql":
        return sa.extract("epoch", column) / 86400.0 + 25569
    return sa.func.julianday(column) - 2415018.5


#: the type of each export column in a spreadsheet (see ``xlsx.KINDS``)
EXPORT_KINDS = ("text",) * 8 + ("number", "date", "date", "text")


def export_statement(scope: Scope, search: str = "", dialect: str = "sqlite",
                     typed: bool = False) -> sa.Select:
    """One row per enrolment in ``scope`` (the participant list, flattened), in a stable order.

    Every column comes out as plain text or number, ready for a CSV writer; ``typed``: the two
    instants as Excel serial dates (numbers) instead, for a spreadsheet."""
    if typed:
        enrolled = _excel_serial(enrolments.c.enrolled_at, dialect)
        completed = _excel_serial(enrolments.c.completed_at, dialect)
    else:
        enrolled = sa.func.coalesce(_iso_text(enrolments.c.enrolled_at, dialect), "")
        completed = sa.func.coalesce(_iso_text(enrolments.c.completed_at, dialect), "")
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
            enrolled.label("enrolled_at"), completed.label("completed_at"),
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


def iter_export_rows(scope: Scope, search: str = "", batch: int = 2000, typed: bool = False):
    """Yield export rows as tuples, fetched from a server-side cursor ``batch`` rows at a time."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":  # every row is read: plan for all of them, not the first 10%
        # (a cursor's default: it walked enrolments by id, half the rate at a million)
        db.session.execute(sa.text("SET LOCAL cursor_tuple_fraction = 1"))
    result = db.session.connection().execute(
        export_statement(scope, search, dialect, typed).execution_options(
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
