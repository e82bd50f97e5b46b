"""report rollups: completion-day histograms of all time and months per centre (and all
centres), course (and all courses) and country, audience or neither, instead of the full cross
product (data), with an index in the order a median reads them; indexes for keyset pages of participants by country, and by email across
centres

The rows are recomputed from report_facts; the SQL is written out here (not imported from
elearn.reports.rollups) so the migration keeps working when that module changes.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

REAL = ('centre_id', 'course_id', 'country', 'audience_id')
COLUMNS = "period, centre_id, start, course_id, country, audience_id, days, n"


def _start(period, dialect):
    if period == 'a':
        return "DATE '1970-01-01'" if dialect == 'postgresql' else "'1970-01-01'"
    if period == 'd':
        return "day"
    if dialect == 'postgresql':
        return "CAST(date_trunc('month', day) AS DATE)"
    return "date(day, 'start of month')"


def _select(period, dialect, centre, course, country, audience):
    """One grouping: each argument is the column name, or the stand-in for "all"."""
    start = _start(period, dialect)
    groups = [column for column in (centre, course, country, audience) if column in REAL]
    if period != 'a':
        groups.append(start)
    return (f"SELECT '{period}', {centre}, {start}, {course}, {country}, {audience}, done_days, "
            f"count(*) FROM report_facts WHERE done_days IS NOT NULL "
            f"GROUP BY {', '.join(groups + ['done_days'])}")


FULL = ('centre_id', 'course_id', 'country', 'audience_id')


def _fill(groupings):
    """All time and months in ``groupings``, days always in the full cross product."""
    dialect = op.get_bind().dialect.name
    op.execute("DELETE FROM report_completion_days")
    for period in ('a', 'm', 'd'):
        for grouping in groupings if period != 'd' else [FULL]:
            op.execute(f"INSERT INTO report_completion_days ({COLUMNS}) "
                       + _select(period, dialect, *grouping))


INDEXES = {
    'ix_users_centre_country_id': ['centre_id', 'country', 'id'],
    'ix_users_country_id': ['country', 'id'],
    'ix_users_email_id': ['email', 'id'],
}


GROUPING_INDEX = ['period', 'centre_id', 'course_id', 'audience_id', 'country', 'start', 'days',
                  'n']


#: each all-time histogram group's median: the first whole days at which the running count
#: reaches half the total (elearn.reports.rollups.median_select)
MEDIANS = """
INSERT INTO report_medians (centre_id, course_id, country, audience_id, median_days)
SELECT centre_id, course_id, country, audience_id,
       CAST((MIN(CASE WHEN 2 * running >= total THEN days END)
             + MIN(CASE WHEN 2 * running >= total + 1 THEN days END)) / 2.0 AS FLOAT)
FROM (SELECT centre_id, course_id, country, audience_id, days,
             SUM(n) OVER (PARTITION BY centre_id, course_id, country, audience_id
                          ORDER BY days) AS running,
             SUM(n) OVER (PARTITION BY centre_id, course_id, country, audience_id) AS total
      FROM report_completion_days WHERE period = 'a') AS histogram
WHERE total > 0
GROUP BY centre_id, course_id, country, audience_id
"""


def upgrade():
    op.create_table(
        'report_medians',
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('median_days', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('centre_id', 'course_id', 'country', 'audience_id',
                                name=op.f('pk_report_medians')),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, 'users', columns)
    groupings = []
    for centre in ('centre_id', '-1'):
        for course in ('course_id', '0'):
            for country, audience in (('country', '0'), ("''", 'audience_id'), ("''", '0')):
                groupings.append((centre, course, country, audience))
    _fill(groupings)
    op.execute(MEDIANS)
    op.create_index('ix_report_completion_days_grouping', 'report_completion_days',
                    GROUPING_INDEX)


def downgrade():
    op.drop_table('report_medians')
    op.drop_index('ix_report_completion_days_grouping', table_name='report_completion_days')
    for name in INDEXES:
        op.drop_index(name, table_name='users')
    _fill([FULL])
