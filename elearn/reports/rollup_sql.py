"""The SQL of the report rollups (``elearn.reports.rollups``): the summary tables, the stand-in
keys of their "every ..." groups, the histogram groupings and the grouped completions they are
rebuilt from (``reports.histograms``), and the statements that add or subtract facts (built once
per engine kind)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from elearn.reports import services
from elearn.reports.facts import facts as facts_sql
from elearn.reports.models import (
    ROLLUP_KEY,
    ReportFact,
    ReportMedian,
    ReportPeople,
    ReportRollup,
)
from elearn.reports.services import Scope

facts_table = ReportFact.__table__
rollups_table = ReportRollup.__table__
people_table = ReportPeople.__table__
medians_table = ReportMedian.__table__

#: the start of the all-time period
EPOCH = date(1970, 1, 1)
#: a (all time), m (month), d (day)
PERIODS = ("a", "m", "d")

SUMS = {
    "enrolments": lambda f: sa.func.count(),
    "in_progress": lambda f: sa.func.sum(f.c.active),
    "completed": lambda f: sa.func.sum(f.c.completed),
    "withdrawn": lambda f: sa.func.sum(f.c.withdrawn),
    "quiz_total": lambda f: sa.func.sum(f.c.quiz_total),
    "quiz_n": lambda f: sa.func.sum(f.c.quiz_n),
    "certificates": lambda f: sa.func.sum(f.c.cert),
    "registrations": lambda f: sa.func.sum(f.c.reg_n),
    "attended": lambda f: sa.func.sum(f.c.reg_attended),
}


def _day(column, dialect: str):
    """The UTC day of a stored instant (instants are stored as naive UTC)."""
    if dialect == "postgresql":
        return sa.cast(column, sa.Date)
    return sa.func.date(column)


def _whole_days(days, dialect: str):
    if dialect == "postgresql":
        return sa.cast(sa.func.floor(days), sa.Integer)
    return sa.cast(days, sa.Integer)  # days are never negative: truncation is the floor


def _period_start(period: str, day, dialect: str):
    if period == "a":
        return None
    if period == "d":
        return day
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    return sa.func.date(day, "start of month")


#: stand-ins in the rollup keys for "every centre", "every course", "every country",
#: "every audience" (no real row has them: ids start at 1, centre 0 is "no centre", countries
#: are two letters)
ALL_CENTRES, ANY_COURSE, ANY_COUNTRY, ANY_AUDIENCE = -1, 0, "", 0


def histogram_groupings(period: str) -> list[tuple[bool, bool, str]]:
    """The groupings of the completion-day histograms of a period (all the same): (by centre,
    by course, by "country", "audience" or "neither").

    Not the full cross product but its projections. A median of the dashboard is one of total,
    course, country or audience within a centre (or all centres) and a set of courses (or all),
    so every scope's medians come from one packed histogram per group and period
    (``reports.histograms``), whatever the number of enrolments."""
    del period  # every period has the same groupings
    return [(by_centre, by_course, breakdown)
            for by_centre in (True, False) for by_course in (True, False)
            for breakdown in ("country", "audience", "neither")]


def _projection(f, by_centre: bool, by_course: bool, breakdown: str) -> tuple[tuple, list]:
    """One grouping's key columns (stand-ins for its "every ..." parts) and the columns it
    groups by."""
    by_country, by_audience = breakdown in ("country", "both"), breakdown in ("audience", "both")
    keys = (f.c.centre_id if by_centre else sa.literal(ALL_CENTRES, sa.Integer),
            f.c.course_id if by_course else sa.literal(ANY_COURSE, sa.Integer),
            f.c.country if by_country else sa.literal(ANY_COUNTRY, sa.String(2)),
            f.c.audience_id if by_audience else sa.literal(ANY_AUDIENCE, sa.Integer))
    groups = [column for column, used in (
        (f.c.centre_id, by_centre), (f.c.course_id, by_course), (f.c.country, by_country),
        (f.c.audience_id, by_audience)) if used]
    return keys, groups


def _projection_selects(f, period: str, start, groupings, columns: list, where,
                        extra_where=(), extra_groups=()) -> list[sa.Select]:
    """One grouped SELECT per grouping: (period, centre, start, course, country, audience,
    *columns)."""
    selects = []
    for by_centre, by_course, breakdown in groupings:
        (centre, course, country, audience), groups = _projection(f, by_centre, by_course,
                                                                  breakdown)
        if start is not None:
            groups.append(start)
        selects.append(
            sa.select(
                sa.literal(period, sa.String(1)).label("period"), centre.label("centre_id"),
                (sa.literal(EPOCH, sa.Date) if start is None else start).label("start"),
                course.label("course_id"), country.label("country"),
                audience.label("audience_id"), *columns,
            ).where(where, *extra_where).group_by(*groups, *extra_groups)
        )
    return selects


def completion_selects(f, period: str, start) -> list[sa.Select]:
    """Per histogram grouping of ``period``, the completed facts of ``f`` counted per group and
    whole days: (period, centre_id, start, course_id, country, audience_id, days, n)."""
    return _projection_selects(
        f, period, start, histogram_groupings(period),
        [f.c.done_days.label("days"), sa.func.count().label("n")], sa.true(),
        (f.c.done_days.is_not(None),), (f.c.done_days,))


def sum_groupings(period: str) -> list[tuple[bool, bool, str]]:
    """The groupings of the summary rows of a period: the projections the dashboard reads
    (those of the histograms), each breakdown of a scope then reads one row per group and
    period; for all time also the full detail (centre, course, country, audience), which a
    course's participant list narrowed by country and audience counts."""
    return [*([(True, True, "both")] if period == "a" else []), *histogram_groupings(period)]


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _upsert(dialect: str, table, select, columns: list[str], key: Iterable[str],
            added: Iterable[str]):
    """INSERT the SELECT's rows; on a key that exists, add them to the stored values."""
    # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT: select from a subquery
    rows = select.subquery("delta")
    statement = _insert(dialect)(table).from_select(
        columns, sa.select(*rows.c).where(rows.c[columns[-1]].is_not(None))
    )
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in added},
    )


def people_condition(table, one: bool = False):
    """The rows of the bound ``users`` (an index on ``user_id`` serves it on both engines).

    ``one``: of the bound ``user`` alone, the usual write. An expanding IN list is written into
    the SQL at each execution, so the database prepares the statement again every time (75
    grouped SELECTs for the summary rows); one bound id keeps the SQL text, and its prepared
    statement, the same."""
    if one:
        return table.c.user_id == sa.bindparam("user")
    return table.c.user_id.in_(sa.bindparam("users", expanding=True))


@lru_cache(maxsize=8)
def update_statements(dialect: str, scoped: bool, one: bool = False) -> SimpleNamespace:
    """The statements of an update, built once per engine kind (then only bound and run).

    ``scoped``: they take the bound ``users`` (all their enrolments), or with ``one`` the bound
    ``user``; otherwise everything. The sign (1 add, -1 subtract) is bound as ``sign``."""
    signed = sa.bindparam("sign", type_=sa.Integer)
    where = people_condition(facts_table, one) if scoped else facts_table.c.user_id.is_not(None)
    # the bound people's facts once (a CTE), not their id list in each of the 76 SELECTs:
    # 1,000 ids repeated 76 times were most of a bulk enrolment's refresh (SQL text and binds)
    f = sa.select(*facts_table.c).where(where).cte("scoped_facts") if scoped else facts_table
    where = sa.true() if scoped else where
    people_where = where
    sums = []
    for period in PERIODS:
        start = _period_start(period, f.c.day, dialect)
        sums.extend(_projection_selects(
            f, period, start, sum_groupings(period),
            [(signed * total(f)).label(name) for name, total in SUMS.items()], where))
    e = services.enrolments
    facts = facts_sql(Scope(), dialect, (people_condition(e, one),) if scoped else (),
                            joined=False if scoped else None)
    new_facts = sa.select(
        facts.c.user_id, facts.c.course_id, sa.func.coalesce(facts.c.centre_id, 0),
        facts.c.country, facts.c.audience_id, _day(facts.c.enrolled_at, dialect),
        facts.c.active, facts.c.completed, facts.c.withdrawn, _whole_days(facts.c.days, dialect),
        sa.func.coalesce(facts.c.quiz_total, 0.0), sa.func.coalesce(facts.c.quiz_n, 0),
        facts.c.cert, sa.func.coalesce(facts.c.reg_n, 0), sa.func.coalesce(facts.c.reg_attended, 0),
    )
    return SimpleNamespace(
        apply=[
            _upsert(dialect, rollups_table, sa.union_all(*sums), [*ROLLUP_KEY, *SUMS],
                    ROLLUP_KEY, SUMS),
            _upsert(
                dialect, people_table,
                sa.select(f.c.centre_id, f.c.country, f.c.audience_id,
                          (signed * sa.func.count(sa.distinct(f.c.user_id))).label("participants"))
                .where(people_where).group_by(f.c.centre_id, f.c.country, f.c.audience_id),
                ["centre_id", "country", "audience_id", "participants"],
                ("centre_id", "country", "audience_id"), ["participants"],
            ),
        ],
        delete_facts=facts_table.delete().where(people_condition(facts_table, one)) if scoped
        else facts_table.delete(),
        insert_facts=facts_table.insert().from_select(FACT_COLUMNS, new_facts),
    )


FACT_COLUMNS = ["user_id", "course_id", "centre_id", "country", "audience_id", "day", "active",
                "completed", "withdrawn", "done_days", "quiz_total", "quiz_n", "cert", "reg_n",
                "reg_attended"]
