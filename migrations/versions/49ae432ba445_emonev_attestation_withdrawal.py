"""emonev attestation withdrawal: a wrong or revoked document stops counting (issue #18)

Revision ID: 49ae432ba445
Revises: e7deadada918
Create Date: 2026-12-02 11:00:47

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = '49ae432ba445'
down_revision = 'e7deadada918'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', ppid.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_emonev_attestation_withdrawn_by_id_user'), 'user', ['withdrawn_by_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_emonev_attestation_withdrawal_reason'),
                                         'withdrawn_at IS NULL OR withdrawal_reason IS NOT NULL')


def downgrade():
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_emonev_attestation_withdrawal_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_emonev_attestation_withdrawn_by_id_user'), type_='foreignkey')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')

