"""quizzes: stable question keys, content hashes, GIFT categories, attempt lookup index

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('category', sa.String(length=300), server_default='', nullable=False))
        batch_op.create_index('ix_questions_quiz_id_key', ['quiz_id', 'key'], unique=False)
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_quiz_id_status', ['quiz_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_quiz_id_status')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_quiz_id_key')
        batch_op.drop_column('category')
        batch_op.drop_column('content_hash')
        batch_op.drop_column('key')
