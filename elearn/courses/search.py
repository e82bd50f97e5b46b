"""Full-text search of module text for the catalog, one rule for both databases.

SQLite: an FTS5 table ``course_search`` (one row per course: its modules' titles and text),
filled by :func:`refresh` when a course is synced (migration 0015 creates it).
PostgreSQL: ``to_tsvector`` on the modules themselves, served by the GIN index
``ix_modules_search`` (migration 0015); nothing to keep in sync.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from elearn.courses.models import Module
from elearn.extensions import db

SEARCH_TABLE = "course_search"
#: the configuration of to_tsvector: 'simple' (no stemming), as courses come in several languages
TS_CONFIG = "'simple'::regconfig"
#: the indexed expression; migration 0015 builds the GIN index on exactly this
PG_DOCUMENT = f"to_tsvector({TS_CONFIG}, modules.title || ' ' || modules.body_markdown)"


def is_search_table(name: str) -> bool:
    """True for the FTS5 table and its shadow tables (not models: schema comparison skips them)."""
    return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave the search table and index out of schema comparison."""
    if type_ == "table":
        return not is_search_table(name)
    if type_ == "index":
        return name != "ix_modules_search"
    return True


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def fts5_query(text: str) -> str:
    """``text`` as an FTS5 query: each word a quoted prefix term, all required (no syntax errors
    from the user's quotes, stars or operators)."""
    words = re.findall(r"\w+", text)
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def module_text_matches(text: str, course_id) -> sa.ColumnElement[bool]:
    """A condition: the course ``course_id`` (a column) has a live module whose text matches."""
    if _dialect() == "postgresql":
        document = sa.literal_column(PG_DOCUMENT)
        return sa.exists().where(
            Module.course_id == course_id, Module.archived_at.is_(None),
            document.op("@@")(sa.func.websearch_to_tsquery(sa.literal_column(TS_CONFIG), text)),
        )
    query = fts5_query(text)
    if not query:
        return sa.false()
    table = sa.table(SEARCH_TABLE, sa.column("course_id"))
    return course_id.in_(
        sa.select(table.c.course_id).where(
            sa.text(f"{SEARCH_TABLE} MATCH :search_query").bindparams(search_query=query))
    )


def refresh(course) -> None:
    """Index the course's live modules again (SQLite; PostgreSQL indexes them by itself)."""
    if _dialect() != "sqlite":
        return
    rows = db.session.execute(
        sa.select(Module.title, Module.body_markdown)
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position)
    ).all()
    body = "\n\n".join(f"{row.title}\n{row.body_markdown}" for row in rows)
    db.session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE course_id = :id"),
                       {"id": course.id})
    db.session.execute(sa.text(f"INSERT INTO {SEARCH_TABLE} (course_id, body) VALUES (:id, :b)"),
                       {"id": course.id, "b": body})
