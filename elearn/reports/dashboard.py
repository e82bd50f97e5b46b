"""The dashboard figures read from the rollups (``reports.rollups``), and the report built on them.

The cost of a dashboard does not grow with the number of enrolments: each breakdown (total,
course, country, audience) reads its own projection of the summary rows (``rollup_sql.
sum_groupings``), one row per group and period (all time, or the months and the edge days of a
date filter). Two figures are not plain sums:

* the median days to complete comes from histograms of whole days, so it is the exact median of
  the completion times counted in whole days (within one day of the median of exact times; the
  page says so). Without a date or trainer filter it is read as stored (``report_medians``,
  one row per figure); otherwise from the histograms of the scope's periods, one packed row
  per group and period (``reports.histograms``), summed per group;
* participants (distinct people) come from per-person counts without a date filter or trainer
  restriction; under those they are the sizes of unions of sets of people per country and
  audience and period (``reports.participant_sets``): exact, and read as a few compressed
  bitmaps per country and audience, not one row per enrolment.

:func:`elearn.reports.services.all_figures` is the direct one-statement computation over the
source tables; a test compares the two on random data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa

from elearn.extensions import db
from elearn.reports import histograms, participant_sets, rollup_sql, services
from elearn.reports.services import GROUPINGS, KEY_TYPES, Figures, Scope

r = rollup_sql.rollups_table
h = histograms.histograms_table
p = rollup_sql.people_table
#: the latest day a date filter may name (one day later must still be a date)
LAST_DAY = date(9998, 12, 31)


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_ranges(date_from: date | None, date_to: date | None) -> list[tuple[str, date, date]]:
    """(period, first start, end start exclusive) covering enrolment days ``date_from`` ..
    ``date_to`` (inclusive) exactly once: the all-time rows without a filter; otherwise whole
    months, and days at the two ragged ends."""
    if date_from is None and date_to is None:
        return [("a", rollup_sql.EPOCH, rollup_sql.EPOCH + timedelta(days=1))]
    low = date_from or rollup_sql.EPOCH
    end = min(date_to or LAST_DAY, LAST_DAY) + timedelta(days=1)  # exclusive
    first_month = low if low.day == 1 else _month_after(low)
    cut = end.replace(day=1)  # months before ``cut`` end on or before ``end``
    if first_month >= cut:
        return [("d", low, end)]
    ranges = [("m", first_month, cut), ("d", low, first_month), ("d", cut, end)]
    return [(period, start, stop) for period, start, stop in ranges if start < stop]


def period_condition(table, date_from: date | None, date_to: date | None):
    return sa.or_(*(
        sa.and_(table.c.period == period, table.c.start >= start, table.c.start < stop)
        for period, start, stop in period_ranges(date_from, date_to)
    ))


def _people_rows(scope: Scope):
    """The per-person counts (``report_people``, all time) of ``scope``'s centre."""
    where = [] if scope.centre_id is None else [p.c.centre_id == scope.centre_id]
    return sa.select(p).where(*where).subquery("rows")


def _grouped(rows, columns: list, having=None):
    """UNION ALL of the total and one GROUP BY per breakdown, over ``rows``."""
    keys = {"total": None, "course": rows.c.get("course_id"), "country": rows.c.country,
            "audience": rows.c.audience_id}
    parts = []
    for name, key in keys.items():
        if key is None and name != "total":
            continue
        part = sa.select(
            sa.literal_column(f"'{name}'", sa.String).label("grouping"),
            (sa.cast(sa.null(), sa.String(64)) if key is None else sa.cast(key, sa.String(64)))
            .label("key"),
            *columns,
        )
        if key is not None:
            part = part.group_by(key)
        if having is not None:
            part = part.having(having)
        parts.append(part)
    return sa.union_all(*parts)


def _key(grouping: str, raw):
    return None if grouping == "total" else KEY_TYPES[grouping](raw)


def _shape_and_parameters(scope: Scope) -> tuple[tuple, dict]:
    """What the statements of ``scope`` are built from (its shape), and the values bound to
    them at execution: each shape is built once (building the UNION of a date filter cost
    several milliseconds, the half of a small centre's page)."""
    ranges = period_ranges(scope.date_from, scope.date_to)
    shape = (scope.course_id is not None, scope.trainer_id is not None,
             tuple(period for period, _start, _stop in ranges))
    parameters = {
        "centre": rollup_sql.ALL_CENTRES if scope.centre_id is None else scope.centre_id,
        "course": scope.course_id, "trainer": scope.trainer_id,
    }
    for index, (_period, start, stop) in enumerate(ranges):
        parameters[f"start_{index}"], parameters[f"stop_{index}"] = start, stop
    return shape, parameters


def _grouping_rows(table, shape: tuple, columns: tuple[str, ...]):
    """For each breakdown, the summary rows of a scope of ``shape`` as (grouping, key,
    *columns), read from the groupings (``rollup_sql.histogram_groupings``) of ``table`` that
    have exactly the needed columns: one row per group and period. Bound parameters:
    :func:`_shape_and_parameters`."""
    t = table
    by_one_course, by_trainer, periods = shape
    restrict = []
    if by_one_course:
        restrict.append(t.c.course_id == sa.bindparam("course"))
    if by_trainer:
        restrict.append(t.c.course_id.in_(services.trainer_course_ids(sa.bindparam("trainer"))))
    if restrict:  # the rows of each course in scope, summed
        one_course = by_course = sa.and_(*restrict)
    else:  # the rows for every course at once, or per course for the course breakdown
        one_course = t.c.course_id == rollup_sql.ANY_COURSE
        by_course = t.c.course_id.in_(sa.select(services.courses.c.id))  # one seek per course
    # the stand-ins sort first ('' and 0): "> stand-in" is an index range, "!=" would not be
    any_country, any_audience = t.c.country == rollup_sql.ANY_COUNTRY, \
        t.c.audience_id == rollup_sql.ANY_AUDIENCE
    # countries and audiences in one read: the rows of (centre, course) in the period range
    # (an index on period, centre, course, start), each of them one country's or one audience's
    by_country = sa.and_(t.c.country > rollup_sql.ANY_COUNTRY, any_audience)
    by_audience = sa.and_(any_country, t.c.audience_id > rollup_sql.ANY_AUDIENCE)
    groupings = (
        (sa.literal_column("'total'", sa.String), sa.cast(sa.null(), sa.String(64)),
         (one_course, any_country, any_audience)),
        (sa.literal_column("'course'", sa.String), sa.cast(t.c.course_id, sa.String(64)),
         (by_course, any_country, any_audience)),
        (sa.case((by_country, sa.literal_column("'country'", sa.String)),
                 else_=sa.literal_column("'audience'", sa.String)),
         sa.case((by_country, sa.cast(t.c.country, sa.String(64))),
                 else_=sa.cast(t.c.audience_id, sa.String(64))),
         (one_course, sa.or_(by_country, by_audience))),
    )
    parts = []
    for grouping, key, where in groupings:
        for index, period in enumerate(periods):
            parts.append(sa.select(
                grouping.label("grouping"), key.label("key"),
                *(t.c[column] for column in columns),
            ).where(t.c.period == period, t.c.centre_id == sa.bindparam("centre"), *where,
                    t.c.start >= sa.bindparam(f"start_{index}", type_=sa.Date),
                    t.c.start < sa.bindparam(f"stop_{index}", type_=sa.Date)))
    return sa.union_all(*parts).subquery("grouping_rows")


@lru_cache(maxsize=64)
def _median_statement(shape: tuple) -> sa.Select:
    """For each breakdown, the packed histograms of a scope of ``shape``, one per group and
    period."""
    return sa.select(_grouping_rows(h, shape, ("counts",)))


@lru_cache(maxsize=64)
def _sums_statement(shape: tuple) -> sa.Select:
    """For each breakdown, the summed figures of a scope of ``shape`` (groups with enrolments)."""
    rows = _grouping_rows(r, shape, tuple(rollup_sql.SUMS))
    return sa.select(rows.c.grouping, rows.c.key, *(
        sa.func.sum(rows.c[name]).label(name) for name in rollup_sql.SUMS
    )).group_by(rows.c.grouping, rows.c.key).having(sa.func.sum(rows.c.enrolments) > 0)


def medians(scope: Scope) -> dict[tuple[str, object], float]:
    """The median days to complete per (grouping, key): stored per group for all time (one row
    per figure), else from the histograms of the scope's periods."""
    if scope.date_from is None and scope.date_to is None and scope.trainer_id is None:
        return _stored_medians(scope)
    shape, parameters = _shape_and_parameters(scope)
    rows = db.session.execute(_median_statement(shape), parameters).all()
    return {(grouping, _key(grouping, key)): median
            for (grouping, key), median in histograms.medians_of(rows).items()}


def _stored_medians(scope: Scope) -> dict[tuple[str, object], float]:
    m = rollup_sql.medians_table
    centre = rollup_sql.ALL_CENTRES if scope.centre_id is None else scope.centre_id
    course = rollup_sql.ANY_COURSE if scope.course_id is None else scope.course_id
    by_course = m.c.course_id > rollup_sql.ANY_COURSE if scope.course_id is None \
        else m.c.course_id == scope.course_id
    any_country, any_audience = m.c.country == rollup_sql.ANY_COUNTRY, \
        m.c.audience_id == rollup_sql.ANY_AUDIENCE
    groupings = (
        ("total", None, (m.c.course_id == course, any_country, any_audience)),
        ("course", m.c.course_id, (by_course, any_country, any_audience)),
        ("country", m.c.country,
         (m.c.course_id == course, m.c.country > rollup_sql.ANY_COUNTRY, any_audience)),
        ("audience", m.c.audience_id,
         (m.c.course_id == course, any_country, m.c.audience_id > rollup_sql.ANY_AUDIENCE)),
    )
    statement = sa.union_all(*(
        sa.select(
            sa.literal_column(f"'{name}'", sa.String).label("grouping"),
            (sa.cast(sa.null(), sa.String(64)) if key is None else sa.cast(key, sa.String(64)))
            .label("key"), m.c.median_days,
        ).where(m.c.centre_id == centre, *where)
        for name, key, where in groupings
    ))
    return {(row.grouping, _key(row.grouping, row.key)): row.median_days
            for row in db.session.execute(statement)}


def _course_ids(scope: Scope):
    """The courses of ``scope`` as participant sets name them: None for every course, else a
    list or a SELECT of ids."""
    if scope.trainer_id is None:
        return None if scope.course_id is None else [scope.course_id]
    ids = services.trainer_course_ids(scope.trainer_id)
    if scope.course_id is not None:
        ids = ids.where(services.courses.c.id == scope.course_id)
    return ids


def _people(scope: Scope, **narrowing) -> participant_sets.People:
    """The scope's people as unions of participant sets (exact; see reports.participant_sets)."""
    dated = scope.date_from is not None or scope.date_to is not None
    ranges = period_ranges(scope.date_from, scope.date_to) if dated \
        else participant_sets.all_time()
    return participant_sets.read(scope.centre_id, _course_ids(scope), ranges, db.session,
                                 **narrowing)


def _participants(scope: Scope) -> dict[tuple[str, object], int] | None:
    """Distinct people per (grouping, key) outside the course breakdown; None when every group's
    participants equal its enrolments (one course)."""
    if scope.course_id is not None:
        return None
    if scope.date_from is None and scope.date_to is None and scope.trainer_id is None \
            and scope.user_id is None:
        rows = _people_rows(scope)
        statement = _grouped(rows, [sa.func.sum(rows.c.participants).label("n")])
        return {(row.grouping, _key(row.grouping, row.key)): int(row.n or 0)
                for row in db.session.execute(statement)}
    # not additive over days or courses: unions of the sets of people
    people = _people(scope)
    by_country = people.by_country()
    counts = {("total", None): sum(by_country.values())}
    counts.update({("country", key): n for key, n in by_country.items()})
    counts.update({("audience", key): n for key, n in people.by_audience().items()})
    return counts


def participant_total(scope: Scope) -> int:
    """People with an enrolment in ``scope`` (narrowed by country and audience as the participant
    list is): summed from per-person counts without a date or trainer filter, else the size of
    a union of participant sets."""
    if scope.user_id is not None:
        raise ValueError("one person's scope has no participant list")
    if scope.date_from is not None or scope.date_to is not None or scope.trainer_id is not None:
        return _people(scope, country=scope.country, audience_id=scope.audience_id).count(
            scope.country, scope.audience_id)
    # a person has at most one enrolment per course: with a course, enrolments are people,
    # read from the summary rows' full detail (every real centre, country and audience)
    table, total = (p, p.c.participants) if scope.course_id is None else (r, r.c.enrolments)
    where = [] if scope.course_id is None else [
        r.c.period == "a", r.c.start == rollup_sql.EPOCH, r.c.course_id == scope.course_id,
        r.c.centre_id > rollup_sql.ALL_CENTRES, r.c.country > rollup_sql.ANY_COUNTRY,
        r.c.audience_id > rollup_sql.ANY_AUDIENCE]
    if scope.centre_id is not None:
        where.append(table.c.centre_id == scope.centre_id)
    if scope.country is not None:
        where.append(table.c.country == scope.country)
    if scope.audience_id is not None:
        where.append(table.c.audience_id == scope.audience_id)
    return int(db.session.scalar(sa.select(sa.func.sum(total)).where(*where)) or 0)


def _serial(session) -> None:
    """On PostgreSQL, no parallel workers for the rest of the transaction: the rollups'
    statements read a few hundred rows, and starting two workers took longer (about 8 ms at a
    million participants, measured with EXPLAIN ANALYZE) than the work."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))


def all_figures(scope: Scope) -> dict[str, dict]:
    """Like :func:`services.all_figures` (same shape, same figures), read from the rollups."""
    if scope.user_id is not None:  # one person's enrolments: the direct statement is small
        return services.all_figures(scope)
    _serial(db.session)
    result: dict[str, dict] = {name: {} for name in ("total", *GROUPINGS)}
    shape, parameters = _shape_and_parameters(scope)
    for row in db.session.execute(_sums_statement(shape), parameters):
        quiz_n = int(row.quiz_n or 0)
        result[row.grouping][_key(row.grouping, row.key)] = Figures(
            participants=int(row.enrolments), enrolments=int(row.enrolments),
            in_progress=int(row.in_progress), completed=int(row.completed),
            withdrawn=int(row.withdrawn),
            average_best_score=float(row.quiz_total) / quiz_n if quiz_n else None,
            certificates=int(row.certificates), webinar_registrations=int(row.registrations),
            webinar_attended=int(row.attended),
        )
    for (grouping, key), value in medians(scope).items():
        if key in result[grouping]:
            result[grouping][key].median_days = value
    people = _participants(scope)
    if people is not None:
        for (grouping, key), count in people.items():
            if key in result[grouping]:
                result[grouping][key].participants = count
    result["total"].setdefault(None, Figures())
    return result


# -- the report ----------------------------------------------------------------------------------


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
    return dict(db.session.execute(
        sa.select(services.courses.c.id, services.courses.c.title)).all())


def audience_names() -> dict[int, str]:
    return dict(db.session.execute(
        sa.select(services.audiences.c.id, services.audiences.c.name)).all())


def build_report(scope: Scope, country_names: dict[str, str] | None = None,
                 figures: dict[str, dict] | None = None) -> Report:
    """Totals and the breakdowns by course, country and audience (biggest groups first)."""
    country_names = country_names or {}
    titles = course_titles()
    audience_labels = audience_names()
    labels = {
        "course": lambda key: titles.get(key, str(key)),
        "country": lambda key: country_names.get(key, key or ""),
        "audience": lambda key: audience_labels.get(key, str(key)),
    }
    figures = all_figures(scope) if figures is None else figures
    report = Report(totals=figures["total"][None])
    for grouping in GROUPINGS:
        rows = [
            BreakdownRow(key, labels[grouping](key), group)
            for key, group in figures[grouping].items()
        ]
        rows.sort(key=lambda row: (-row.figures.enrolments, row.label))
        report.breakdowns[grouping] = rows
    return report


BREAKDOWN_COLUMNS = ("breakdown", "key", "label", *services.FIGURE_COLUMNS)


def breakdown_rows(report: Report):
    """The report flattened to rows: totals first, then each breakdown's groups."""
    def values(figures: Figures):
        data = figures.as_dict()
        return [_rounded(data[name]) for name in services.FIGURE_COLUMNS]

    yield ("total", "", "", *values(report.totals))
    for grouping in GROUPINGS:
        for row in report.breakdowns.get(grouping, []):
            yield (grouping, "" if row.key is None else str(row.key), row.label,
                   *values(row.figures))


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value
