"""report rollups: completion-day histograms of days per projection as those of months (no
longer the full cross product); summary rows also per projection (centre or all centres x course or all
courses x country, audience or neither, as the histograms), with an index in the order the
dashboard reads them (and one by period start for countries and audiences together); the sets of people (Roaring bitmaps of user ids) per centre (and all
centres), course (and all courses), country or audience, and month or day (all time per course),
for exact distinct participants under date filters and trainers' courses (data)

The sets are computed from report_facts; the grouping is written out here (not imported from
elearn.reports.participant_sets) so the migration keeps working when that module changes.

Revision ID: 0021
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa
from pyroaring import BitMap


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0022'
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


SUMS = ("count(*), sum(active), sum(completed), sum(withdrawn), sum(quiz_total), sum(quiz_n), "
        "sum(cert), sum(reg_n), sum(reg_attended)")
SUM_COLUMNS = ("period, centre_id, start, course_id, country, audience_id, enrolments, "
               "in_progress, completed, withdrawn, quiz_total, quiz_n, certificates, "
               "registrations, attended")
ROLLUP_INDEX = ['period', 'centre_id', 'course_id', 'audience_id', 'country', 'start']
#: the countries' and audiences' rows of a (centre, course) in a period range, read together
INDEXES = {
    ('report_rollups', 'ix_report_rollups_course_start'): [
        'period', 'centre_id', 'course_id', 'start'],
    ('report_completion_days', 'ix_report_completion_days_course_start'): [
        'period', 'centre_id', 'course_id', 'start', 'country', 'audience_id', 'days', 'n'],
}


def _projections():
    """(centre, course, country, audience): each the column, or the stand-in for "every"."""
    for centre in ('centre_id', '-1'):
        for course in ('course_id', '0'):
            for country, audience in (('country', '0'), ("''", 'audience_id'), ("''", '0')):
                yield centre, course, country, audience


FULL_DETAIL = ("centre_id >= 0 AND course_id > 0 AND country <> '' AND audience_id > 0")


def _sums(period, projections):
    dialect = op.get_bind().dialect.name
    start = _start(period, dialect)
    for centre, course, country, audience in projections:
        groups = [c for c in (centre, course, country, audience)
                  if c in ('centre_id', 'course_id', 'country', 'audience_id')]
        if period != 'a':
            groups.append(start)
        group_by = f"GROUP BY {', '.join(groups)} " if groups else ""
        op.execute(f"INSERT INTO report_rollups ({SUM_COLUMNS}) SELECT '{period}', {centre}, "
                   f"{start}, {course}, {country}, {audience}, {SUMS} FROM report_facts "
                   f"{group_by}HAVING count(*) > 0")


def _sum_projections():
    """elearn.reports.rollup_sql.sum_groupings: the projections of every period; the full
    detail stays for all time only."""
    op.execute(f"DELETE FROM report_rollups WHERE period <> 'a' AND {FULL_DETAIL}")
    for period in ('a', 'm', 'd'):
        _sums(period, list(_projections()))


def _day_histograms(projections):
    op.execute("DELETE FROM report_completion_days WHERE period = 'd'")
    for centre, course, country, audience in projections:
        groups = [c for c in (centre, course, country, audience)
                  if c in ('centre_id', 'course_id', 'country', 'audience_id')]
        op.execute(
            "INSERT INTO report_completion_days (period, centre_id, start, course_id, country, "
            f"audience_id, days, n) SELECT 'd', {centre}, day, {course}, {country}, {audience}, "
            f"done_days, count(*) FROM report_facts WHERE done_days IS NOT NULL "
            f"GROUP BY {', '.join(groups + ['day', 'done_days'])}")


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
    _sum_projections()
    _day_histograms(list(_projections()))
    op.create_index('ix_report_rollups_grouping', 'report_rollups', ROLLUP_INDEX)
    for (table, name), columns in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade():
    op.drop_table('report_participant_sets')
    op.drop_index('ix_report_rollups_grouping', table_name='report_rollups')
    for table, name in INDEXES:
        op.drop_index(name, table_name=table)
    op.execute(f"DELETE FROM report_rollups WHERE NOT ({FULL_DETAIL})")
    for period in ('m', 'd'):
        _sums(period, [('centre_id', 'course_id', 'country', 'audience_id')])
    _day_histograms([('centre_id', 'course_id', 'country', 'audience_id')])
