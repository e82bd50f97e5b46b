"""Distinct participants over any date range or set of courses, exactly: per group and period
the set of people (user ids) as a Roaring bitmap (pyroaring), in ``report_participant_sets``.

People are not additive over days or courses (one person enrolled in two courses, or on two
days, is one participant), so the dashboard cannot sum counts. It reads, for the scope's periods
(whole months and the days at the ragged ends, as the other rollups: ``dashboard.period_ranges``)
and courses, one set per country and one per audience, and unions them in C: the cost is the
number of sets (countries and audiences x periods x courses) and their compressed size (about
two bytes per person and period, 8 KB at most per 65,536 ids), not one row per enrolment.

Groups, for each enrolment in ``report_facts`` (``groupings``): its centre and every centre (-1),
its course and, for months and days, every course (0); its country (audience 0) and its
audience (country ''); all time (courses only: the trainer's view without dates), its month,
its day. Each person has one country and one audience, so the total is the sum of the
countries' sizes, and "country and audience" is an intersection.

Kept current by ``rollups.refresh`` in the transaction of the change: the touched people's
memberships before and after their facts are recomputed are compared, and only the sets that
gain or lose someone are read, changed and written back (``reports.packed_rows``).
``rebuild`` recomputes them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import sqlalchemy as sa
from pyroaring import BitMap

from elearn.reports import packed_rows
from elearn.reports.models import ReportParticipantSet
from elearn.reports.rollup_sql import (
    ALL_CENTRES,
    ANY_AUDIENCE,
    ANY_COUNTRY,
    ANY_COURSE,
    EPOCH,
    _period_start,
    facts_table,
)

sets_table = ReportParticipantSet.__table__


def groupings(period: str) -> list[tuple[bool, bool, str]]:
    """(by centre, by course, "country" or "audience") of a period's sets: all time is kept
    per course only (without dates and courses the dashboard reads ``report_people``)."""
    courses = (True,) if period == "a" else (True, False)
    return [(by_centre, by_course, breakdown) for by_centre in (True, False)
            for by_course in courses for breakdown in ("country", "audience")]


def keys_of(centre: int, course: int, country: str, audience: int, day: date) -> Iterator[tuple]:
    """The keys of the sets an enrolment with these facts puts its person in."""
    return packed_rows.keys_of(groupings, centre, course, country, audience, day)


def memberships(facts: Iterable[tuple]) -> set[tuple[tuple, int]]:
    """(set key, user id) for facts given as (user id, centre, course, country, audience,
    day)."""
    return {(key, user) for user, *fact in facts for key in keys_of(*fact)}


def _combine(stored: bytes, change: tuple[list, list]) -> bytes | None:
    joined, left = change
    people = BitMap.deserialize(stored)
    people |= BitMap(joined)
    people -= BitMap(left)
    return people.serialize() if people else None


def apply(connection, before: set, after: set) -> None:
    """Move people between sets: those in ``after`` but not ``before`` join, the others
    leave (both are (set key, user id) pairs, as :func:`memberships` gives them)."""
    changes: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for key, user in after - before:
        changes[key][0].append(user)
    for key, user in before - after:
        changes[key][1].append(user)
    if changes:
        packed_rows.update(connection, sets_table, "people", dict(changes), combine=_combine,
                           creates=lambda change: bool(change[0]),
                           empty=BitMap().serialize())


def rebuild(connection) -> None:
    """Recompute every set from ``report_facts`` (one grouped statement per grouping: each
    set's ids come back as one comma-separated string)."""
    connection.execute(sets_table.delete())
    dialect = connection.dialect.name
    f = facts_table
    if dialect == "postgresql":
        ids = sa.func.string_agg(sa.cast(f.c.user_id, sa.Text), ",")
    else:
        ids = sa.func.group_concat(f.c.user_id, ",")
    for period in ("a", "m", "d"):
        start = _period_start(period, f.c.day, dialect)
        for by_centre, by_course, breakdown in groupings(period):
            columns = (
                (f.c.centre_id if by_centre else sa.literal(ALL_CENTRES, sa.Integer)),
                (f.c.course_id if by_course else sa.literal(ANY_COURSE, sa.Integer)),
                (sa.literal(EPOCH, sa.Date) if start is None else sa.type_coerce(start, sa.Date)),
                (f.c.country if breakdown == "country" else sa.literal(ANY_COUNTRY, sa.String)),
                (f.c.audience_id if breakdown == "audience"
                 else sa.literal(ANY_AUDIENCE, sa.Integer)),
            )
            groups = [column for column, used in (
                (f.c.centre_id, by_centre), (f.c.course_id, by_course),
                (start, start is not None), (f.c.country, breakdown == "country"),
                (f.c.audience_id, breakdown == "audience")) if used]
            rows = connection.execute(sa.select(*columns, ids).group_by(*groups)
                                      .execution_options(yield_per=2000))
            batch = []
            for centre, course, first, country, audience, joined in rows:
                batch.append({"period": period, "centre_id": centre, "course_id": course,
                              "start": first, "country": country, "audience_id": audience,
                              "people": BitMap(map(int, joined.split(","))).serialize()})
                if len(batch) == 2000:
                    connection.execute(sets_table.insert(), batch)
                    batch = []
            if batch:
                connection.execute(sets_table.insert(), batch)


# -- reading ---------------------------------------------------------------------------------


class People:
    """The people of a scope, per country and per audience (bitmaps)."""

    def __init__(self) -> None:
        self.countries: dict[str, list[BitMap]] = defaultdict(list)
        self.audiences: dict[int, list[BitMap]] = defaultdict(list)

    @staticmethod
    def _sizes(parts: dict) -> dict:
        return {key: len(BitMap.union(*sets)) for key, sets in parts.items()}

    def by_country(self) -> dict[str, int]:
        return self._sizes(self.countries)

    def by_audience(self) -> dict[int, int]:
        return self._sizes(self.audiences)

    def count(self, country: str | None = None, audience_id: int | None = None) -> int:
        """Everyone (the countries partition people), or those of a country, an audience or
        both."""
        if country is not None and audience_id is not None:
            return len(BitMap.union(*self.countries.get(country, [BitMap()]))
                       & BitMap.union(*self.audiences.get(audience_id, [BitMap()])))
        if country is not None:
            return self.by_country().get(country, 0)
        if audience_id is not None:
            return self.by_audience().get(audience_id, 0)
        return sum(self.by_country().values())


def read(centre_id: int | None, courses: Iterable[int] | sa.Select | None,
         ranges: list[tuple[str, date, date]], session, *, country: str | None = None,
         audience_id: int | None = None) -> People:
    """The sets of a centre (None: every centre) and ``courses`` (None: every course; else a
    list or a SELECT of ids) over the period ranges (``dashboard.period_ranges``); with
    ``country`` or ``audience_id`` only the sets they need."""
    s = sets_table
    where = [s.c.centre_id == (ALL_CENTRES if centre_id is None else centre_id)]
    where.append(s.c.course_id == ANY_COURSE if courses is None else s.c.course_id.in_(courses))
    if country is not None or audience_id is not None:
        wanted = []
        if country is not None:
            wanted.append(s.c.country == country)
        if audience_id is not None:
            wanted.append(s.c.audience_id == audience_id)
        where.append(sa.or_(*wanted))
    parts = [sa.select(s.c.country, s.c.audience_id, s.c.people)
             .where(s.c.period == period, *where, s.c.start >= first, s.c.start < stop)
             for period, first, stop in ranges]
    result = People()
    for country_code, audience, stored in session.execute(
            parts[0] if len(parts) == 1 else sa.union_all(*parts)).all():
        people = BitMap.deserialize(stored)
        if country_code != ANY_COUNTRY:
            result.countries[country_code].append(people)
        else:
            result.audiences[audience].append(people)
    return result


def all_time() -> list[tuple[str, date, date]]:
    return [("a", EPOCH, EPOCH + timedelta(days=1))]
