"""Bulk rows straight to the database driver (COPY on PostgreSQL, executemany on SQLite), for
the synthetic data of ``reports.demo``: the rows are already valid, and SQLAlchemy's per-value
processing would take most of the seeding time."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime

from elearn.extensions import db

CHUNK = 5000


def chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _sqlite_instant(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_instant(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _converter(value, dialect: str):
    """How to turn a column's values into what the database driver takes (what the column
    types would bind), chosen once per column from a sample value; None: as they are."""
    if isinstance(value, datetime):
        return _sqlite_instant if dialect == "sqlite" else _pg_instant
    if isinstance(value, enum.Enum):
        return lambda v: v.value
    if isinstance(value, dict | list):
        return lambda v: json.dumps(v) if v else ("{}" if isinstance(v, dict) else "[]")
    return None


def _driver_rows(rows: list[dict], columns: list[str], dialect: str):
    """The rows as tuples of driver values (columns that are None in the first row may hold
    values further on: they are converted value by value)."""
    converters = []
    for name in columns:
        sample = next((row[name] for row in rows if row[name] is not None), None)
        converter = _converter(sample, dialect)
        converters.append(converter)
    if all(converter is None for converter in converters):
        return [tuple(row[name] for name in columns) for row in rows]
    pairs = list(zip(columns, converters, strict=True))
    return [
        tuple(row[name] if convert is None or row[name] is None else convert(row[name])
              for name, convert in pairs)
        for row in rows
    ]


def insert_rows(table, rows: list[dict]) -> None:
    """Bulk rows straight to the driver: COPY on PostgreSQL, executemany on SQLite (the rows
    are synthetic and already valid; going through SQLAlchemy's per-value processing would
    take most of the seeding time)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect.name
    columns = list(rows[0])
    cursor = connection.connection.cursor()
    try:
        if dialect == "postgresql":
            names = ", ".join(f'"{name}"' for name in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in _driver_rows(rows, columns, dialect):
                    copy.write_row(row)
        elif dialect == "sqlite":
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})',
                _driver_rows(rows, columns, dialect),
            )
        else:  # pragma: no cover - other engines take the portable path
            for chunk in chunks(rows):
                db.session.execute(table.insert(), chunk)
    finally:
        cursor.close()
