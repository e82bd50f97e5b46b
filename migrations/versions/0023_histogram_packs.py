"""report rollups: completion-day histograms packed, one row per group and period
(report_completion_histograms: (whole days, count) pairs as 32-bit little-endian integers)
instead of one row per group, period and whole day (report_completion_days)

The packing is written out here (not imported from elearn.reports.histograms) so the migration
keeps working when that module changes. The stored medians do not change.

Revision ID: 0023
Revises: 0021
"""
import sys
from array import array
from itertools import groupby

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None

KEY = ('period', 'centre_id', 'course_id', 'start', 'country', 'audience_id')
GROUP = ('period', 'centre_id', 'start', 'course_id', 'country', 'audience_id')
BATCH = 2000


def _key_columns():
    return [
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), autoincrement=False, nullable=False),
    ]


def _typed(names):
    """Light columns for reading (a date comes back as a date on SQLite too)."""
    types = {'start': sa.Date, 'country': sa.String}
    return [sa.column(name, types.get(name, sa.Integer)) for name in names]


def _pack(pairs):
    values = array('i')
    for days, n in pairs:
        if n:
            values.extend((days, n))
    if sys.byteorder == 'big':
        values.byteswap()
    return values.tobytes() if values else None


def _unpack(data):
    values = array('i')
    values.frombytes(data)
    if sys.byteorder == 'big':
        values.byteswap()
    return zip(values[0::2], values[1::2])


def upgrade():
    bind = op.get_bind()
    packs = op.create_table(
        'report_completion_histograms', *_key_columns(),
        sa.Column('counts', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_report_completion_histograms')),
    )
    days = sa.table('report_completion_days', *_typed(GROUP), sa.column('days', sa.Integer),
                    sa.column('n', sa.Integer))
    rows = bind.execute(
        sa.select(*(days.c[name] for name in KEY), days.c.days, days.c.n)
        .where(days.c.n != 0).order_by(*(days.c[name] for name in KEY), days.c.days)
        .execution_options(yield_per=BATCH))
    batch = []
    for key, pairs in groupby(rows, key=lambda row: tuple(row[:6])):
        data = _pack((row[6], row[7]) for row in pairs)
        if data is not None:
            batch.append({**dict(zip(KEY, key)), 'counts': data})
        if len(batch) == BATCH:
            bind.execute(packs.insert(), batch)
            batch = []
    if batch:
        bind.execute(packs.insert(), batch)
    op.create_index('ix_report_completion_histograms_grouping', 'report_completion_histograms',
                    ['period', 'centre_id', 'course_id', 'audience_id', 'country', 'start'])
    op.drop_table('report_completion_days')


def downgrade():
    bind = op.get_bind()
    days = op.create_table(
        'report_completion_days', *_key_columns(),
        sa.Column('days', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint(*GROUP, 'days', name=op.f('pk_report_completion_days')),
    )
    packs = sa.table('report_completion_histograms', *_typed(KEY),
                     sa.column('counts', sa.LargeBinary))
    batch = []
    for *key, data in bind.execute(sa.select(*packs.c).execution_options(yield_per=BATCH)):
        for day_count, n in _unpack(data):
            batch.append({**dict(zip(KEY, key)), 'days': day_count, 'n': n})
        if len(batch) >= BATCH:
            bind.execute(days.insert(), batch)
            batch = []
    if batch:
        bind.execute(days.insert(), batch)
    op.create_index('ix_report_completion_days_grouping', 'report_completion_days',
                    ['period', 'centre_id', 'course_id', 'audience_id', 'country', 'start',
                     'days', 'n'])
    op.create_index('ix_report_completion_days_course_start', 'report_completion_days',
                    ['period', 'centre_id', 'course_id', 'start', 'country', 'audience_id',
                     'days', 'n'])
    op.drop_table('report_completion_histograms')
