"""Completion-day histograms for the median days to complete, one packed row per group and period
in ``report_completion_histograms``, and the all-time medians stored from them.

A median is not additive, so the dashboard keeps, per group and period, how many completed
enrolments took each number of whole days, and finds the middle of the scope's periods summed.
Groups (``rollup_sql.histogram_groupings``): a centre and every centre, a course and every
course, a country or an audience or neither; periods: all time, the month and the day of
enrolment. One row holds a whole histogram as (whole days, count) pairs, so a date filter over
the whole platform reads a few thousand rows (groups x periods) rather than one per group,
period and day (66,000 at a million participants, which cost the database a sort of them all).

Kept current by ``rollups.refresh`` in the transaction of the change: the touched people's
completions before and after their facts are recomputed are compared, and only the histograms
that gain or lose a completion are read, changed and written back (``reports.packed_rows``);
the medians of the all-time ones that changed are stored again (``report_medians``).
``rebuild`` recomputes them all.

The median is the exact median of the completion times counted in whole days: the mean of the
lower and upper middle values, as the direct computation ranks them.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from itertools import groupby

import sqlalchemy as sa

from elearn.reports import packed_rows
from elearn.reports.models import ReportCompletionHistogram
from elearn.reports.rollup_sql import (
    PERIODS,
    _period_start,
    completion_selects,
    facts_table,
    histogram_groupings,
    medians_table,
)

histograms_table = ReportCompletionHistogram.__table__
#: rows written to the database in one statement during a rebuild
BATCH = 2_000


# -- the packed value ----------------------------------------------------------------------------


def pack(counts: Mapping[int, int]) -> bytes | None:
    """(whole days -> count) as 32-bit little-endian (days, count) pairs in ascending days,
    without the days nobody took; None when nobody is left."""
    pairs = array("i")
    for days in sorted(counts):
        if counts[days]:
            pairs.extend((days, counts[days]))
    if not pairs:
        return None
    if sys.byteorder == "big":
        pairs.byteswap()
    return pairs.tobytes()


def unpack(data: bytes) -> Iterator[tuple[int, int]]:
    """The (whole days, count) pairs of a packed histogram."""
    pairs = array("i")
    pairs.frombytes(data)
    if sys.byteorder == "big":
        pairs.byteswap()
    return zip(pairs[0::2], pairs[1::2], strict=True)


def median_of(histogram: Iterable[tuple[int, int]]) -> float | None:
    """The median of a histogram given as (whole days, count) pairs in ascending days: the mean
    of the lower and upper middle values (the ranks of the direct computation's median); None
    when it counts nobody."""
    histogram = list(histogram)
    total = sum(n for _days, n in histogram)
    low, running = None, 0
    for days, n in histogram:
        running += n
        if low is None and 2 * running >= total:
            low = days
        if 2 * running >= total + 1:
            return (low + days) / 2
    return None


def medians_of(rows: Iterable[tuple]) -> dict[tuple, float]:
    """The median of each group's histograms summed, for rows (*group, packed counts)."""
    summed: dict[tuple, dict[int, int]] = {}
    for *group, data in rows:
        counts = summed.setdefault(tuple(group), {})
        get = counts.get  # a plain dict and its bound get: twice as fast as a Counter here
        for days, n in unpack(data):
            counts[days] = get(days, 0) + n
    medians = {group: median_of(sorted(counts.items())) for group, counts in summed.items()}
    return {group: median for group, median in medians.items() if median is not None}


# -- keeping them current ----------------------------------------------------------------------


def keys_of(centre: int, course: int, country: str, audience: int, day: date) -> Iterator[tuple]:
    """The keys of the histograms an enrolment with these facts counts in."""
    return packed_rows.keys_of(histogram_groupings, centre, course, country, audience, day)


def completions(facts: Iterable[tuple]) -> Counter:
    """(histogram key, whole days) counted, for facts given as (user id, centre, course,
    country, audience, day, whole days to complete or None)."""
    return Counter((key, days) for _user, *fact, days in facts if days is not None
                   for key in keys_of(*fact))


def _combine(stored: bytes, change: Mapping[int, int]) -> bytes | None:
    counts = dict(unpack(stored))
    for days, n in change.items():
        counts[days] = counts.get(days, 0) + n
    return pack(counts)


def apply(connection, before: Counter, after: Counter) -> None:
    """Move completions between histograms (``before`` and ``after`` as :func:`completions`
    gives them), then store again the medians of the all-time ones that changed."""
    changes: dict[tuple, Counter] = defaultdict(Counter)
    for (key, days), n in after.items():
        changes[key][days] += n
    for (key, days), n in before.items():
        changes[key][days] -= n
    changes = {key: change for key, change in changes.items() if any(change.values())}
    if not changes:
        return
    written = packed_rows.update(
        connection, histograms_table, "counts", changes, combine=_combine,
        creates=lambda change: any(n > 0 for n in change.values()), empty=b"")
    store_medians(connection, {key: data for key, data in written.items() if key[0] == "a"})


def _median_key(key: tuple) -> dict:
    _period, centre, course, _start, country, audience = key
    return {"centre_id": centre, "course_id": course, "country": country,
            "audience_id": audience}


def store_medians(connection, histograms: Mapping[tuple, bytes | None]) -> None:
    """Store again the medians of these all-time histograms (key -> packed counts; None: gone)."""
    m = medians_table
    keys = [_median_key(key) for key in histograms]
    if keys:
        connection.execute(m.delete().where(*(
            m.c[name] == sa.bindparam(f"k_{name}") for name in keys[0])),
            [{f"k_{name}": value for name, value in key.items()} for key in keys])
    medians = [{**_median_key(key), "median_days": median_of(unpack(data))}
               for key, data in histograms.items() if data is not None]
    if medians:
        connection.execute(m.insert(), medians)


def rebuild(connection) -> None:
    """Recompute every histogram from ``report_facts`` (one grouped statement per grouping and
    period, read in key order), then every stored median."""
    connection.execute(histograms_table.delete())
    connection.execute(medians_table.delete())
    dialect = connection.dialect.name
    f = facts_table
    all_time = {}
    for period in PERIODS:
        start = _period_start(period, f.c.day, dialect)
        for select in completion_selects(f, period, start):
            grouped = select.subquery("grouped")
            rows = connection.execute(
                sa.select(*(sa.type_coerce(column, sa.Date) if column.name == "start"
                            else column for column in grouped.c))
                .order_by(*(grouped.c[name] for name in (*packed_rows.PACK_KEY, "days")))
                .execution_options(yield_per=BATCH))
            batch = []
            for key, pairs in groupby(rows, key=lambda row: tuple(row[:6])):
                data = pack({days: n for *_key, days, n in pairs})
                row = dict(zip(("period", "centre_id", "start", "course_id", "country",
                                "audience_id"), key, strict=True), counts=data)
                batch.append(row)
                if period == "a":
                    all_time[tuple(row[name] for name in packed_rows.PACK_KEY)] = data
                if len(batch) == BATCH:
                    connection.execute(histograms_table.insert(), batch)
                    batch = []
            if batch:
                connection.execute(histograms_table.insert(), batch)
    store_medians(connection, all_time)
