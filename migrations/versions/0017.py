"""content version: a token that changes with every change of course content (cache keys)

Revision ID: 0017
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'content_versions',
        sa.Column('name', sa.String(length=40), nullable=False, comment='what the version covers'),
        sa.Column('token', sa.String(length=32), nullable=False,
                  comment='random; changes with every committed change of that content'),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_content_versions')),
    )
    op.bulk_insert(table, [{'name': 'content', 'token': 'initial'}])


def downgrade():
    op.drop_table('content_versions')
