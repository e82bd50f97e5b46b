"""The dashboard figures read from the rollups (``reports.rollups``), and the report built on them.

The cost of a dashboard does not grow with the number of enrolments: it sums summary rows whose
number is bounded by centres x courses x countries x audiences (x months and edge days under a date
filter). Two figures are not plain sums:

* the median days to complete comes from a histogram of whole days, so it is the exact median of
  the completion times counted in whole days (within one day of the median of exact times; the
  page says so);
* participants (distinct people) come from per-person counts without a date filter or trainer
  restriction; under those (or a person scope) they are counted in SQL from the enrolments.

:func:`elearn.reports.services.all_figures` is the direct one-statement computation over the
source tables; a test compares the two on random data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from elearn.extensions import db
from elearn.reports import rollups, services
from elearn.reports.services import GROUPINGS, KEY_TYPES, Figures, Scope

r = rollups.rollups_table
h = rollups.days_table
p = rollups.people_table
#: the latest day a date filter may name (one day later must still be a date)
LAST_DAY = date(9998, 12, 31)


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_condition(table, date_from: date | None, date_to: date | None):
    """Rows covering enrolment days ``date_from`` .. ``date_to`` (inclusive) exactly once: the
    all-time rows without a filter; otherwise whole months, and days at the two ragged ends."""
    if date_from is None and date_to is None:
        return table.c.period == "a"
    low = date_from or rollups.EPOCH
    end = min(date_to or LAST_DAY, LAST_DAY) + timedelta(days=1)  # exclusive
    first_month = low if low.day == 1 else _month_after(low)
    cut = end.replace(day=1)  # months before ``cut`` end on or before ``end``
    days = sa.and_(table.c.period == "d", table.c.start >= low, table.c.start < end)
    if first_month >= cut:
        return days
    return sa.or_(
        sa.and_(table.c.period == "m", table.c.start >= first_month, table.c.start < cut),
        sa.and_(table.c.period == "d", table.c.start >= low, table.c.start < first_month),
        sa.and_(table.c.period == "d", table.c.start >= cut, table.c.start < end),
    )


def _scope_conditions(table, scope: Scope) -> list:
    where = []
    if scope.centre_id is not None:
        where.append(table.c.centre_id == scope.centre_id)
    if "course_id" in table.c:
        if scope.trainer_id is not None:
            where.append(table.c.course_id.in_(services.trainer_course_ids(scope.trainer_id)))
        if scope.course_id is not None:
            where.append(table.c.course_id == scope.course_id)
    if "period" in table.c:
        where.append(period_condition(table, scope.date_from, scope.date_to))
    return where


def _grouped(table, scope: Scope, columns: list, extra_groups: tuple = (), having=None):
    """UNION ALL of the total and one GROUP BY per breakdown, over ``table`` rows in scope."""
    keys = {"total": None, "course": table.c.get("course_id"), "country": table.c.country,
            "audience": table.c.audience_id}
    parts = []
    for name, key in keys.items():
        if key is None and name != "total":
            continue
        part = sa.select(
            sa.literal_column(f"'{name}'", sa.String).label("grouping"),
            (sa.cast(sa.null(), sa.String(64)) if key is None else sa.cast(key, sa.String(64)))
            .label("key"),
            *extra_groups, *columns,
        ).where(*_scope_conditions(table, scope))
        groups = [*([] if key is None else [key]), *extra_groups]
        if groups:
            part = part.group_by(*groups)
        if having is not None:
            part = part.having(having)
        parts.append(part)
    return sa.union_all(*parts)


def _key(grouping: str, raw):
    return None if grouping == "total" else KEY_TYPES[grouping](raw)


def median(histogram: list[tuple[int, int]]) -> float | None:
    """The median of values given as sorted (value, count) pairs."""
    total = sum(count for _value, count in histogram)
    if total <= 0:
        return None
    wanted = [(total + 1) // 2, (total + 2) // 2]  # 1-based ranks of the middle value(s)
    found, seen = [], 0
    for value, count in histogram:
        seen += count
        while wanted and wanted[0] <= seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    return sum(found) / len(found)


def _participants(scope: Scope) -> dict[tuple[str, object], int] | None:
    """Distinct people per (grouping, key) outside the course breakdown; None when every group's
    participants equal its enrolments (one course)."""
    if scope.course_id is not None:
        return None
    if scope.date_from is None and scope.date_to is None and scope.trainer_id is None \
            and scope.user_id is None:
        statement = _grouped(p, scope, [sa.func.sum(p.c.participants).label("n")])
    else:  # not additive over days or courses: counted from the enrolments (see module doc)
        e, u = services.enrolments, services.users
        parts = []
        for name, key in (("total", None), ("country", u.c.country),
                          ("audience", u.c.audience_id)):
            part = sa.select(
                sa.literal_column(f"'{name}'", sa.String).label("grouping"),
                (sa.cast(sa.null(), sa.String(64)) if key is None
                 else sa.cast(key, sa.String(64))).label("key"),
                sa.func.count(sa.distinct(e.c.user_id)).label("n"),
            ).select_from(services._enrolments_join()).where(*services.conditions(scope))
            parts.append(part if key is None else part.group_by(key))
        statement = sa.union_all(*parts)
    return {(row.grouping, _key(row.grouping, row.key)): int(row.n or 0)
            for row in db.session.execute(statement)}


def all_figures(scope: Scope) -> dict[str, dict]:
    """Like :func:`services.all_figures` (same shape, same figures), read from the rollups."""
    if scope.user_id is not None:  # one person's enrolments: the direct statement is small
        return services.all_figures(scope)
    sums = [sa.func.sum(r.c[name]).label(name) for name in rollups.SUMS]
    result: dict[str, dict] = {name: {} for name in ("total", *GROUPINGS)}
    for row in db.session.execute(_grouped(r, scope, sums,
                                           having=sa.func.sum(r.c.enrolments) > 0)):
        quiz_n = int(row.quiz_n or 0)
        result[row.grouping][_key(row.grouping, row.key)] = Figures(
            participants=int(row.enrolments), enrolments=int(row.enrolments),
            in_progress=int(row.in_progress), completed=int(row.completed),
            withdrawn=int(row.withdrawn),
            average_best_score=float(row.quiz_total) / quiz_n if quiz_n else None,
            certificates=int(row.certificates), webinar_registrations=int(row.registrations),
            webinar_attended=int(row.attended),
        )
    histograms: dict[tuple, list] = {}
    statement = _grouped(h, scope, [sa.func.sum(h.c.n).label("n")], extra_groups=(h.c.days,),
                         having=sa.func.sum(h.c.n) > 0)
    for row in db.session.execute(statement.order_by("grouping", "key", "days")):
        histograms.setdefault((row.grouping, _key(row.grouping, row.key)), []).append(
            (int(row.days), int(row.n))
        )
    for (grouping, key), histogram in histograms.items():
        if key in result[grouping]:
            result[grouping][key].median_days = median(histogram)
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
