"""security: webinar VEVENT text with the join link kept apart from the shared one

Revision ID: 0007
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webinars') as batch_op:
        batch_op.add_column(sa.Column('ics_event_joined', sa.Text(), nullable=True))
    # the stored shared text carried the join link: forget it, feeds rebuild it without
    op.execute("UPDATE webinars SET ics_event = NULL, ics_key = NULL")


def downgrade():
    with op.batch_alter_table('webinars') as batch_op:
        batch_op.drop_column('ics_event_joined')
