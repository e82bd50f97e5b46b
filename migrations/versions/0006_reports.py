"""reports, API tokens and reporting indexes

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=20), server_default='read', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_index('ix_users_centre_country_audience', 'users',
                    ['centre_id', 'country', 'audience_id'], unique=False)
    op.create_index('ix_enrolments_course_enrolled', 'enrolments',
                    ['course_id', 'enrolled_at'], unique=False)
    op.create_index('ix_enrolments_enrolled_at', 'enrolments', ['enrolled_at'], unique=False)
    op.create_index('ix_quiz_attempts_user_quiz_status_percent', 'quiz_attempts',
                    ['user_id', 'quiz_id', 'status', 'percent'], unique=False)
    op.create_index('ix_certificates_user_course_revoked', 'certificates',
                    ['user_id', 'course_id', 'revoked_at'], unique=False)
    op.create_index('ix_registrations_user_webinar_status', 'registrations',
                    ['user_id', 'webinar_id', 'status', 'attended'], unique=False)


def downgrade():
    op.drop_index('ix_registrations_user_webinar_status', table_name='registrations')
    op.drop_index('ix_certificates_user_course_revoked', table_name='certificates')
    op.drop_index('ix_quiz_attempts_user_quiz_status_percent', table_name='quiz_attempts')
    op.drop_index('ix_enrolments_enrolled_at', table_name='enrolments')
    op.drop_index('ix_enrolments_course_enrolled', table_name='enrolments')
    op.drop_index('ix_users_centre_country_audience', table_name='users')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
