"""matching questions (GIFT): question_kind accepts 'matching'; calendar feed states
(Last-Modified moves when a webinar leaves a feed); attendance per session of a series

Revision ID: 0012
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_KINDS = ('single', 'multiple', 'truefalse', 'short', 'numeric')
NEW_KINDS = OLD_KINDS + ('matching',)


def _kind_check(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_required', sa.Integer(), server_default='1',
                                      nullable=False))
    op.create_table(
        'session_attendances',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('session_utc', sa.DateTime(), nullable=False),
        sa.Column('attended', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('minutes', sa.Integer(), server_default='0', nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_session_attendances_registration_id_registrations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendances')),
        sa.UniqueConstraint('registration_id', 'session_utc',
                            name=op.f('uq_session_attendances_registration_id_session_utc')),
    )
    op.create_table(
        'calendar_feed_states',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('etag', sa.String(length=64), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_calendar_feed_states')),
    )
    # the CHECK of a non-native Enum column is named ck_questions_question_kind (naming
    # convention); SQLite needs the table rebuilt to change it, hence batch mode
    with op.batch_alter_table('questions', recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_question_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_questions_question_kind'), _kind_check(NEW_KINDS))


def downgrade():
    op.drop_table('session_attendances')
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_column('sessions_required')
    op.drop_table('calendar_feed_states')
    op.execute(sa.text("DELETE FROM questions WHERE kind = 'matching'"))
    with op.batch_alter_table('questions', recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_question_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_questions_question_kind'), _kind_check(OLD_KINDS))
