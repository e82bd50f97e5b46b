"""The packed completion-day histograms: the packing and the median of summed histograms."""

from __future__ import annotations

import statistics
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from elearn.reports import histograms

counts = st.dictionaries(st.integers(0, 5_000), st.integers(0, 1_000), max_size=40)


@given(counts)
def test_pack_round_trip_drops_empty_days(histogram):
    data = histograms.pack(histogram)
    kept = {days: n for days, n in histogram.items() if n}
    if not kept:
        assert data is None
    else:
        assert list(histograms.unpack(data)) == sorted(kept.items())


def test_pack_is_little_endian_pairs():
    assert histograms.pack({3: 2, 1: 1}) == bytes([1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0])


@given(st.lists(counts, min_size=1, max_size=5))
def test_median_of_summed_histograms_is_the_median_of_the_days(parts):
    """Histograms of one group in several periods, summed: the median of every completion."""
    rows = [("g", histograms.pack(part)) for part in parts if histograms.pack(part)]
    days = [d for part in parts for d, n in part.items() for _ in range(n)]
    medians = histograms.medians_of(rows)
    if not days:
        assert medians == {}
    else:
        assert medians == {("g",): statistics.median(days)}


def test_apply_changes_only_what_moved(app):
    """Completions moved between days and groups: a histogram left empty is deleted, the
    all-time medians follow."""
    from datetime import date

    import sqlalchemy as sa

    from elearn.extensions import db

    connection = db.session.connection()
    day = date(2026, 3, 14)
    before = histograms.completions([(1, 5, 7, "TT", 2, day, 10), (2, 5, 7, "TT", 2, day, 20)])
    histograms.apply(connection, Counter(), before)
    after = histograms.completions([(1, 5, 7, "TT", 2, day, 10), (2, 5, 7, "JM", 2, day, 30)])
    histograms.apply(connection, before, after)
    table = histograms.histograms_table
    stored = {tuple(row[:-1]): dict(histograms.unpack(row[-1]))
              for row in db.session.execute(sa.select(*table.c))}
    tt = ("a", 5, 7, date(1970, 1, 1), "TT", 0)
    jm = ("a", 5, 7, date(1970, 1, 1), "JM", 0)
    everyone = ("m", -1, 0, date(2026, 3, 1), "", 0)
    assert stored[tt] == {10: 1}
    assert stored[jm] == {30: 1}
    assert stored[everyone] == {10: 1, 30: 1}
    histograms.apply(connection, after, Counter())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0
    m = histograms.medians_table
    assert db.session.scalar(sa.select(sa.func.count()).select_from(m)) == 0
