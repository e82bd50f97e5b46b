"""catalog search of module text: SQLite FTS5 table, PostgreSQL GIN index on to_tsvector

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # the expression must stay exactly elearn.courses.search.PG_DOCUMENT
        op.execute("CREATE INDEX ix_modules_search ON modules USING gin "
                   "(to_tsvector('simple'::regconfig, modules.title || ' ' || modules.body_markdown))")
        return
    op.execute("CREATE VIRTUAL TABLE course_search USING fts5("
               "course_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')")
    # index the courses already there: each course's live modules, in order
    op.execute(
        "INSERT INTO course_search (course_id, body) "
        "SELECT course_id, group_concat(title || char(10) || body_markdown, char(10) || char(10)) "
        "FROM (SELECT course_id, title, body_markdown FROM modules WHERE archived_at IS NULL "
        "ORDER BY course_id, position) GROUP BY course_id")
    # a deleted course leaves no row behind
    op.execute("CREATE TRIGGER course_search_course_deleted AFTER DELETE ON courses BEGIN "
               "DELETE FROM course_search WHERE course_id = old.id; END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_modules_search")
        return
    op.execute("DROP TRIGGER IF EXISTS course_search_course_deleted")
    op.execute("DROP TABLE IF EXISTS course_search")
