"""Rollup rows that hold a whole group in one value (a set of people, a histogram), changed by
reading, combining in Python and writing back: one read-modify-write for every such table.

Their key is a group and period: (period, centre, course, period start, country, audience),
with the stand-ins of ``rollup_sql`` for "every ...". A change is a mapping of keys to whatever
the table's ``combine`` function adds to the stored value; rows that a change may create are
inserted empty first with ``INSERT ... ON CONFLICT DO NOTHING`` (two writers then meet on one
row), then every changed row is read (with ``FOR UPDATE`` on PostgreSQL), combined, and
updated, or deleted when nothing is left in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import sqlalchemy as sa

from elearn.reports.bulk_rows import chunks
from elearn.reports.rollup_sql import (
    ALL_CENTRES,
    ANY_AUDIENCE,
    ANY_COUNTRY,
    ANY_COURSE,
    EPOCH,
    _insert,
)

PACK_KEY = ("period", "centre_id", "course_id", "start", "country", "audience_id")
#: keys bound to one statement (6 parameters each)
KEYS_PER_STATEMENT = 500


def keys_of(groupings: Callable[[str], list[tuple[bool, bool, str]]], centre: int, course: int,
            country: str, audience: int, day: date) -> Iterator[tuple]:
    """The keys of the rows, in the ``groupings`` of each period (by centre, by course, and
    "country", "audience" or neither), that an enrolment with these facts counts in."""
    for period, start in (("a", EPOCH), ("m", day.replace(day=1)), ("d", day)):
        for by_centre, by_course, breakdown in groupings(period):
            yield (period, centre if by_centre else ALL_CENTRES,
                   course if by_course else ANY_COURSE, start,
                   country if breakdown == "country" else ANY_COUNTRY,
                   audience if breakdown == "audience" else ANY_AUDIENCE)


def _key_in(table, keys: list[tuple]):
    return sa.tuple_(*(table.c[name] for name in PACK_KEY)).in_(keys)


def _key_params(key: tuple) -> dict:
    return {f"k_{name}": value for name, value in zip(PACK_KEY, key, strict=True)}


def _by_key(table):
    return sa.and_(*(table.c[name] == sa.bindparam(f"k_{name}") for name in PACK_KEY))


def update(connection, table, column: str, changes: dict[tuple, object], *,
           combine: Callable[[bytes, object], bytes | None], creates: Callable[[object], bool],
           empty: bytes) -> dict[tuple, bytes | None]:
    """Apply ``changes`` (key -> change) to the packed ``column`` of ``table``: ``combine(stored,
    change)`` gives the new value, None when the row should go; ``creates(change)`` tells whether
    the change can put something in a row that does not exist yet (``empty`` is stored first).
    Returns the new value of each changed row."""
    dialect = connection.dialect.name
    written: dict[tuple, bytes | None] = {}
    for keys in chunks(sorted(changes), KEYS_PER_STATEMENT):
        created = [dict(zip(PACK_KEY, key, strict=True), **{column: empty})
                   for key in keys if creates(changes[key])]
        if created:
            connection.execute(_insert(dialect)(table).on_conflict_do_nothing(), created)
        select = sa.select(*(table.c[name] for name in PACK_KEY), table.c[column]) \
            .where(_key_in(table, keys))
        if dialect == "postgresql":
            select = select.with_for_update()
        updates, deletes = [], []
        for *key, stored in connection.execute(select):
            key = tuple(key)
            value = combine(stored, changes[key])
            written[key] = value
            params = _key_params(key)
            if value is None:
                deletes.append(params)
            else:
                updates.append({**params, column: value})
        if updates:
            connection.execute(table.update().where(_by_key(table)).values(
                {column: sa.bindparam(column)}), updates)
        if deletes:
            connection.execute(table.delete().where(_by_key(table)), deletes)
    return written
