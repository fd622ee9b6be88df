"""an atasan's decision that orders the PPID to act: its deadline and how it was carried out

Revision ID: c9a2d4e61603
Revises: d4b1c8e07a31
Create Date: 2026-12-02 11:40:00

Decisions already recorded that ordered disclosure had no deadline: they keep none (the
registry does not invent a date the atasan never set), so they count as orders only from
now on.
"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'c9a2d4e61603'
down_revision = 'd4b1c8e07a31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('carried_out_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('carried_out_at', ppid.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('carried_out_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('execution', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('execution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('corrected_total', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_objection_order_due_on'), ['order_due_on'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_objection_carried_out_by_id_user'),
                                    'user', ['carried_out_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_objection_carried_out_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_objection_order_due_on'))
        for name in ('corrected_total', 'execution_note', 'execution', 'carried_out_by_id',
                     'carried_out_at', 'carried_out_on', 'order_due_on'):
            batch_op.drop_column(name)
