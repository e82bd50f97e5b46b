"""Full-text search of module text for the catalog, one rule for both databases.

SQLite: an FTS5 table ``course_search`` (one row per course: its modules' titles and text and
those of their translations), filled by :func:`refresh` when a course is synced (migration 0015
creates it, 0020 adds the translations).
PostgreSQL: ``to_tsvector`` on the modules themselves, served by the GIN index
``ix_modules_search`` (migration 0015), and on their translations with the text-search
configuration of each translation's language (stemming: "déchet" finds "déchets"), served by
``ix_module_translations_search`` (migration 0020); nothing to keep in sync.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from markupsafe import Markup

from elearn.courses.models import Module, ModuleTranslation
from elearn.extensions import db

SEARCH_TABLE = "course_search"
#: the configuration of to_tsvector: 'simple' (no stemming), as courses come in several languages
TS_CONFIG = "'simple'::regconfig"
#: the indexed expression; migration 0015 builds the GIN index on exactly this
PG_DOCUMENT = f"to_tsvector({TS_CONFIG}, modules.title || ' ' || modules.body_markdown)"
#: PostgreSQL's text-search configuration per translation language ('simple' for the others,
#: Arabic included: PostgreSQL has no Arabic stemmer)
TS_CONFIGS = {"en": "english", "fr": "french", "es": "spanish"}
PG_TRANSLATION_CONFIG = (
    "CASE module_translations.language "
    + " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in TS_CONFIGS.items())
    + " ELSE 'simple'::regconfig END"
)
#: the indexed expression of translations (HTML: PostgreSQL's parser skips the tags);
#: migration 0020 builds the GIN index on exactly this
PG_TRANSLATION_DOCUMENT = (f"to_tsvector({PG_TRANSLATION_CONFIG}, "
                           "module_translations.title || ' ' || module_translations.body_html)")
INDEXES = ("ix_modules_search", "ix_module_translations_search")


def is_search_table(name: str) -> bool:
    """True for the FTS5 table and its shadow tables (not models: schema comparison skips them)."""
    return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave the search table and index out of schema comparison."""
    if type_ == "table":
        return not is_search_table(name)
    if type_ == "index":
        return name not in INDEXES
    return True


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def fts5_query(text: str) -> str:
    """``text`` as an FTS5 query: each word a quoted prefix term, all required (no syntax errors
    from the user's quotes, stars or operators)."""
    words = re.findall(r"\w+", text)
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def module_text_matches(text: str, course_id) -> sa.ColumnElement[bool]:
    """A condition: the course ``course_id`` (a column) has a live module whose text, or the
    text of one of its translations, matches."""
    if _dialect() == "postgresql":
        document = sa.literal_column(PG_DOCUMENT)
        return sa.or_(
            sa.exists().where(
                Module.course_id == course_id, Module.archived_at.is_(None),
                document.op("@@")(sa.func.websearch_to_tsquery(sa.literal_column(TS_CONFIG), text)),
            ),
            sa.exists().where(
                Module.course_id == course_id, Module.archived_at.is_(None),
                ModuleTranslation.module_id == Module.id, translation_matches(text),
            ),
        )
    query = fts5_query(text)
    if not query:
        return sa.false()
    table = sa.table(SEARCH_TABLE, sa.column("course_id"))
    return course_id.in_(
        sa.select(table.c.course_id).where(
            sa.text(f"{SEARCH_TABLE} MATCH :search_query").bindparams(search_query=query))
    )


def html_text(html: str) -> str:
    """The text of rendered HTML, tags removed and entities decoded, for the FTS5 index."""
    return Markup(html).striptags()


def translation_matches(text: str) -> sa.ColumnElement[bool]:
    """PostgreSQL: a module translation matches ``text``, read with the configuration of the
    translation's language. One branch per configuration, so that each compares the indexed
    document with a constant query and can use ``ix_module_translations_search``."""
    document = sa.literal_column(PG_TRANSLATION_DOCUMENT)
    language = ModuleTranslation.language

    def matches(config: str):
        query = sa.func.websearch_to_tsquery(sa.literal_column(f"'{config}'::regconfig"), text)
        return document.op("@@")(query)

    return sa.or_(
        *[sa.and_(language == code, matches(config)) for code, config in TS_CONFIGS.items()],
        sa.and_(language.not_in(list(TS_CONFIGS)), matches("simple")),
    )


def refresh(course) -> None:
    """Index the course's live modules and their translations again (SQLite; PostgreSQL
    indexes them by itself)."""
    if _dialect() != "sqlite":
        return
    rows = db.session.execute(
        sa.select(Module.title, Module.body_markdown)
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position)
    ).all()
    translations = db.session.execute(
        sa.select(ModuleTranslation.title, ModuleTranslation.body_html)
        .join(Module, Module.id == ModuleTranslation.module_id)
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position, ModuleTranslation.language)
    ).all()
    body = "\n\n".join(
        [f"{row.title}\n{row.body_markdown}" for row in rows]
        + [f"{row.title}\n{html_text(row.body_html)}" for row in translations])
    db.session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE course_id = :id"),
                       {"id": course.id})
    db.session.execute(sa.text(f"INSERT INTO {SEARCH_TABLE} (course_id, body) VALUES (:id, :b)"),
                       {"id": course.id, "b": body})
