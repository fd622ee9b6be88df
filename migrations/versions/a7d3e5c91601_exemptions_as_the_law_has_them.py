"""exemptions as the law has them (approval, document, test date, open-ended periods) and
the contents of a serta-merta announcement

Revision ID: a7d3e5c91601
Revises: 6f52695ae384
Create Date: 2026-12-02 10:40:00

Existing register entries were recorded with their decree and closed items as they were
saved, so they are taken as approved by whoever issued the decree, on its date: leaving
them unapproved would put exempt information back within reach of publication. Their test
date is taken as the decree date. Each keeps its stored period text.
"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'a7d3e5c91601'
down_revision = '6f52695ae384'
branch_labels = None
depends_on = None

SERTA_MERTA = ("sm_danger", "sm_affected", "sm_actions", "sm_help", "sm_response")


def upgrade():
    with op.batch_alter_table('registry_exemption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('tested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_name', sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('approved_by_position', sa.String(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approval_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approval_recorded_at', ppid.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.alter_column('end_on', existing_type=sa.Date(), nullable=True)
        batch_op.alter_column('period_text', existing_type=sa.String(length=120),
                              type_=sa.String(length=200), existing_nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_registry_exemption_approval_recorded_by_id_user'), 'user',
            ['approval_recorded_by_id'], ['id'])
    op.execute("UPDATE registry_exemption SET tested_on = decree_on, "
               "approved_by_name = decided_by, approved_on = decree_on")
    with op.batch_alter_table('registry_exemption', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_registry_exemption_approval_named'),
            'approved_on is null or approved_by_name is not null')
    with op.batch_alter_table('registry_dip_item', schema=None) as batch_op:
        for name in SERTA_MERTA:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('registry_dip_item', schema=None) as batch_op:
        for name in reversed(SERTA_MERTA):
            batch_op.drop_column(name)
    op.execute("UPDATE registry_exemption SET end_on = decree_on WHERE end_on IS NULL")
    with op.batch_alter_table('registry_exemption', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registry_exemption_approval_named'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_registry_exemption_approval_recorded_by_id_user'),
            type_='foreignkey')
        batch_op.alter_column('period_text', existing_type=sa.String(length=200),
                              type_=sa.String(length=120), existing_nullable=False)
        batch_op.alter_column('end_on', existing_type=sa.Date(), nullable=False)
        for name in ('approval_recorded_at', 'approval_recorded_by_id', 'approved_on',
                     'approved_by_position', 'approved_by_name', 'tested_on', 'document'):
            batch_op.drop_column(name)
