"""report rollups: per-enrolment facts, summary rows, completion-day histograms, people counts;
indexes for keyset pages of participants

Revision ID: 0010
Revises: 0007

The tables start empty; run ``flask reports rebuild`` once after upgrading a database that
already has enrolments (the application keeps them current from then on).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0013'
branch_labels = None
depends_on = None

GROUP = ('period', 'centre_id', 'start', 'course_id', 'country', 'audience_id')


def _group_columns():
    return [
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), autoincrement=False, nullable=False),
    ]


def _count(name):
    return sa.Column(name, sa.Integer(), server_default='0', nullable=False)


def upgrade():
    op.create_index('ix_users_centre_name_id', 'users', ['centre_id', 'name', 'id'])
    op.create_index('ix_users_centre_email_id', 'users', ['centre_id', 'email', 'id'])
    op.create_index('ix_users_name_id', 'users', ['name', 'id'])
    op.create_table(
        'report_facts',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('active', sa.Integer(), nullable=False),
        sa.Column('completed', sa.Integer(), nullable=False),
        sa.Column('withdrawn', sa.Integer(), nullable=False),
        sa.Column('done_days', sa.Integer(), nullable=True),
        sa.Column('quiz_total', sa.Float(), nullable=False),
        sa.Column('quiz_n', sa.Integer(), nullable=False),
        sa.Column('cert', sa.Integer(), nullable=False),
        sa.Column('reg_n', sa.Integer(), nullable=False),
        sa.Column('reg_attended', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'course_id', name=op.f('pk_report_facts')),
    )
    op.create_index('ix_report_facts_user_id', 'report_facts', ['user_id'])
    op.create_index('ix_report_facts_centre_day', 'report_facts',
                    ['centre_id', 'day', 'user_id', 'course_id', 'country', 'audience_id'])
    op.create_table(
        'report_rollups',
        *_group_columns(),
        _count('enrolments'), _count('in_progress'), _count('completed'), _count('withdrawn'),
        sa.Column('quiz_total', sa.Float(), server_default='0', nullable=False),
        _count('quiz_n'), _count('certificates'), _count('registrations'), _count('attended'),
        sa.PrimaryKeyConstraint(*GROUP, name=op.f('pk_report_rollups')),
    )
    op.create_table(
        'report_completion_days',
        *_group_columns(),
        sa.Column('days', sa.Integer(), autoincrement=False, nullable=False),
        _count('n'),
        sa.PrimaryKeyConstraint(*GROUP, 'days', name=op.f('pk_report_completion_days')),
    )
    op.create_table(
        'report_people',
        sa.Column('centre_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('audience_id', sa.Integer(), autoincrement=False, nullable=False),
        _count('participants'),
        sa.PrimaryKeyConstraint('centre_id', 'country', 'audience_id',
                                name=op.f('pk_report_people')),
    )


def downgrade():
    op.drop_table('report_people')
    op.drop_table('report_completion_days')
    op.drop_table('report_rollups')
    op.drop_index('ix_report_facts_centre_day', table_name='report_facts')
    op.drop_index('ix_report_facts_user_id', table_name='report_facts')
    op.drop_table('report_facts')
    op.drop_index('ix_users_name_id', table_name='users')
    op.drop_index('ix_users_centre_email_id', table_name='users')
    op.drop_index('ix_users_centre_name_id', table_name='users')
