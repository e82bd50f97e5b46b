"""outbox: the account whose password link a queued mail gets at delivery

Revision ID: 0016
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # nullable, no foreign key: mail rows outlive accounts (a gone account gets the
    # forgot-password page instead of a link)
    op.add_column('outbox_messages', sa.Column('user_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('user_id')
