"""catalog search of translated module text: PostgreSQL GIN index with each language's
text-search configuration; SQLite FTS5 rows re-indexed with the translations

Revision ID: 0020
Revises: 0017
"""
import html
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None

#: must stay exactly elearn.courses.search.PG_TRANSLATION_DOCUMENT
PG_TRANSLATION_DOCUMENT = (
    "to_tsvector(CASE module_translations.language WHEN 'en' THEN 'english'::regconfig "
    "WHEN 'fr' THEN 'french'::regconfig WHEN 'es' THEN 'spanish'::regconfig "
    "ELSE 'simple'::regconfig END, module_translations.title || ' ' || module_translations.body_html)"
)
_TAG = re.compile(r"<[^>]*>")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_module_translations_search ON module_translations "
                   f"USING gin ({PG_TRANSLATION_DOCUMENT})")
        return
    # index again the courses that have translations: modules, then their translations
    courses = bind.execute(sa.text(
        "SELECT DISTINCT modules.course_id FROM module_translations "
        "JOIN modules ON modules.id = module_translations.module_id")).scalars().all()
    for course_id in courses:
        modules = bind.execute(sa.text(
            "SELECT title, body_markdown FROM modules WHERE course_id = :id "
            "AND archived_at IS NULL ORDER BY position"), {"id": course_id}).all()
        translations = bind.execute(sa.text(
            "SELECT t.title, t.body_html FROM module_translations t JOIN modules m "
            "ON m.id = t.module_id WHERE m.course_id = :id AND m.archived_at IS NULL "
            "ORDER BY m.position, t.language"), {"id": course_id}).all()
        body = "\n\n".join(
            [f"{title}\n{text}" for title, text in modules]
            + [f"{title}\n{html.unescape(_TAG.sub(' ', text))}" for title, text in translations])
        bind.execute(sa.text("DELETE FROM course_search WHERE course_id = :id"), {"id": course_id})
        bind.execute(sa.text("INSERT INTO course_search (course_id, body) VALUES (:id, :b)"),
                     {"id": course_id, "b": body})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_module_translations_search")
    # SQLite: the translations' words stay in course_search until the next sync
