"""report rollups: the sets of people (Roaring bitmaps of user ids) per centre (and all
centres), course (and all courses), country or audience, and month or day (all time per course),
for exact distinct participants under date filters and trainers' courses (data)

The sets are computed from report_facts; the grouping is written out here (not imported from
elearn.reports.participant_sets) so the migration keeps working when that module changes.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa
from pyroaring import BitMap


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _start(period, dialect):
    if period == 'a':
        return "'1970-01-01'" if dialect != 'postgresql' else "DATE '1970-01-01'"
    if period == 'd':
        return "day"
    if dialect == 'postgresql':
        return "CAST(date_trunc('month', day) AS DATE)"
    return "date(day, 'start of month')"


def _fill():
    """One grouped statement per grouping (elearn.reports.participant_sets.groupings)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    ids = ("string_agg(CAST(user_id AS TEXT), ',')" if dialect == 'postgresql'
           else "group_concat(user_id, ',')")
    table = sa.table('report_participant_sets', *(sa.column(name) for name in (
        'period', 'centre_id', 'course_id', 'start', 'country', 'audience_id', 'people')))
    for period in ('a', 'm', 'd'):
        start = _start(period, dialect)
        for centre in ('centre_id', '-1'):
            for course in ('course_id',) if period == 'a' else ('course_id', '0'):
                for country, audience in (('country', '0'), ("''", 'audience_id')):
                    groups = [c for c in (centre, course, country, audience)
                              if not c.startswith(("'", '-')) and c != '0']
                    if period != 'a':
                        groups.append(start)
                    rows = bind.execute(sa.text(
                        f"SELECT {centre}, {course}, CAST({start} AS TEXT), {country}, "
                        f"{audience}, {ids} FROM report_facts GROUP BY {', '.join(groups)}"))
                    batch = [{'period': period, 'centre_id': c, 'course_id': k,
                              'start': s, 'country': n,
                              'audience_id': a,
                              'people': BitMap(map(int, people.split(','))).serialize()}
                             for c, k, s, n, a, people in rows]
                    for offset in range(0, len(batch), 2000):
                        _insert(bind, table, batch[offset:offset + 2000], dialect)


def _insert(bind, table, rows, dialect):
    if dialect == 'postgresql':  # the day as text, cast by the server
        bind.execute(sa.text(
            "INSERT INTO report_participant_sets (period, centre_id, course_id, start, country, "
            "audience_id, people) VALUES (:period, :centre_id, :course_id, CAST(:start AS DATE), "
            ":country, :audience_id, :people)").bindparams(sa.bindparam('people',
                                                                          type_=sa.LargeBinary)),
            rows)
    else:
        bind.execute(table.insert(), rows)


def upgrade():
    op.create_table(
        'report_participant_sets',
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('people', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'centre_id', 'course_id', 'start', 'country',
                                'audience_id', name=op.f('pk_report_participant_sets')),
    )
    _fill()


def downgrade():
    op.drop_table('report_participant_sets')
