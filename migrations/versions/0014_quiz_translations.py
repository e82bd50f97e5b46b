"""language versions of quizzes (display texts per question and quiz title)

Revision ID: 0014
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes') as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))
    with op.batch_alter_table('questions') as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('questions') as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('quizzes') as batch_op:
        batch_op.drop_column('translations')
