"""courses (files, assets, catalog)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('owner_email', sa.String(length=254), server_default='', nullable=False)
        )
    op.create_table('course_assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_assets_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_assets')),
    sa.UniqueConstraint('course_id', 'path', name=op.f('uq_course_assets_course_id_path'))
    )
    # the catalog lists published courses by title
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index('ix_courses_published_title', ['published', 'title'], unique=False)


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index('ix_courses_published_title')
    op.drop_table('course_assets')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('owner_email')
