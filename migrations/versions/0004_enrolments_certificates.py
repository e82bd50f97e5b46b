"""enrolments, completion and certificates: place requests and the certificate audit trail

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolment_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', name='enrolment_request_status', native_enum=False, create_constraint=True, length=32), server_default='pending', nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrolment_requests_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_enrolment_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enrolment_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_requests'))
    )
    with op.batch_alter_table('enrolment_requests', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_requests_course_status', ['course_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_enrolment_requests_one_pending', ['user_id', 'course_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('certificate_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('issued', 'revoked', 'reissued', name='certificate_event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('details', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_certificate_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_events_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_events'))
    )
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_events_certificate_id'), ['certificate_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_events_certificate_id'))

    op.drop_table('certificate_events')
    with op.batch_alter_table('enrolment_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolment_requests_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_enrolment_requests_user_id'))
        batch_op.drop_index('ix_enrolment_requests_course_status')

    op.drop_table('enrolment_requests')
