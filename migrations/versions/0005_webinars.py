"""webinars: series overrides, sent reminders, cached iCalendar text

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_end_utc', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ics_event', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ics_key', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_webinars_last_end_utc'), ['last_end_utc'], unique=False)

    op.create_table('webinar_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('recurrence_id_utc', sa.DateTime(), nullable=False),
    sa.Column('recurrence_id_local', sa.String(length=15), nullable=False),
    sa.Column('start_utc', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'cancelled', name='webinar_occurrence_status', native_enum=False, create_constraint=True, length=32), server_default='scheduled', nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_occurrences_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_occurrences')),
    sa.UniqueConstraint('webinar_id', 'recurrence_id_utc', name=op.f('uq_webinar_occurrences_webinar_id_recurrence_id_utc'))
    )
    op.create_table('webinar_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_utc', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.Enum('24h', '1h', name='reminder_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_reminders_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_reminders_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_reminders')),
    sa.UniqueConstraint('webinar_id', 'occurrence_utc', 'kind', 'user_id', name=op.f('uq_webinar_reminders_webinar_id_occurrence_utc_kind_user_id'))
    )
    with op.batch_alter_table('webinar_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_reminders_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('webinar_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_reminders_user_id'))
    op.drop_table('webinar_reminders')
    op.drop_table('webinar_occurrences')
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinars_last_end_utc'))
        batch_op.drop_column('ics_key')
        batch_op.drop_column('ics_event')
        batch_op.drop_column('last_end_utc')
