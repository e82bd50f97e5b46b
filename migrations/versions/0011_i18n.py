"""language versions of courses and modules

Revision ID: 0011
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'module_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('module_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body_html', sa.Text(), server_default='', nullable=False),
        sa.Column('source_hash', sa.String(length=64), server_default='', nullable=False),
        sa.Column('content_hash', sa.String(length=64), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['module_id'], ['modules.id'],
                                name=op.f('fk_module_translations_module_id_modules'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_module_translations')),
        sa.UniqueConstraint('module_id', 'language',
                            name=op.f('uq_module_translations_module_id_language')),
    )
    with op.batch_alter_table('module_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_translations_module_id'), ['module_id'],
                              unique=False)


    op.create_table(
        'course_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('summary', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_course_translations_course_id_courses'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_translations')),
        sa.UniqueConstraint('course_id', 'language',
                            name=op.f('uq_course_translations_course_id_language')),
    )
    with op.batch_alter_table('course_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_translations_course_id'), ['course_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('course_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_translations_course_id'))
    op.drop_table('course_translations')
    with op.batch_alter_table('module_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_translations_module_id'))
    op.drop_table('module_translations')
