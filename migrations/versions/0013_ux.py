"""accessibility: time allowed on timed quizzes, per course and per learner

Revision ID: 0013
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('quiz_time_percent', sa.Integer(), server_default='100',
                                   nullable=False))
    with op.batch_alter_table('enrolments') as batch:
        batch.add_column(sa.Column('quiz_time_percent', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('enrolments') as batch:
        batch.drop_column('quiz_time_percent')
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('quiz_time_percent')
