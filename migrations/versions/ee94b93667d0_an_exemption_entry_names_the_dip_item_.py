"""an exemption entry names the DIP item it closes

Revision ID: ee94b93667d0
Revises: c551e6fc137c
Create Date: 2026-12-02 08:44:20.694726

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'ee94b93667d0'
down_revision = 'c551e6fc137c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_exemption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registry_exemption_item_id'), ['item_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_registry_exemption_item_id_registry_dip_item'),
            'registry_dip_item', ['item_id'], ['id'])


def downgrade():
    with op.batch_alter_table('registry_exemption', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_registry_exemption_item_id_registry_dip_item'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registry_exemption_item_id'))
        batch_op.drop_column('item_id')
