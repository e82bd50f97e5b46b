"""verifiable credentials: status list entries, certificate validity, course validity

Revision ID: 0009
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'credential_status_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_credential_status_entries_certificate_id_certificates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_status_entries')),
    )
    with op.batch_alter_table('credential_status_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_status_entries_certificate_id'),
                              ['certificate_id'], unique=False)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('expiry_reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificates_valid_until'), ['valid_until'],
                              unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_status_index'),
                                          ['status_index'])
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_validity_months', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('certificate_validity_months')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificates_status_index'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_certificates_valid_until'))
        batch_op.drop_column('status_index')
        batch_op.drop_column('expiry_reminded_at')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
    with op.batch_alter_table('credential_status_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_status_entries_certificate_id'))
    op.drop_table('credential_status_entries')
