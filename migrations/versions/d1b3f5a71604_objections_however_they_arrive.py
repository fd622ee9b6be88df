"""objections however they arrive: the channel, the officer who received it, the purpose,
a proxy's identity, and the proxy's power of attorney on the request's attachments

Revision ID: d1b3f5a71604
Revises: c9a2d4e61603
Create Date: 2026-12-02 11:40:00

Objections recorded so far were all filed online by the requester: their channel is
``online`` and they have no proxy.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1b3f5a71604'
down_revision = 'c9a2d4e61603'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=False,
                                      server_default='online'))
        batch_op.add_column(sa.Column('received_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proxy_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('proxy_identity_number', sa.String(length=50),
                                      nullable=True))
        batch_op.add_column(sa.Column('proxy_address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('proxy_occupation', sa.String(length=100),
                                      nullable=True))
        batch_op.add_column(sa.Column('proxy_phone', sa.String(length=30), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_objection_received_by_id_user'), 'user',
                                    ['received_by_id'], ['id'])
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_request_attachment_objection_id_objection'),
                                    'objection', ['objection_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_request_attachment_objection_id_objection'),
                                 type_='foreignkey')
        batch_op.drop_column('objection_id')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_objection_received_by_id_user'),
                                 type_='foreignkey')
        for name in ('proxy_phone', 'proxy_occupation', 'proxy_address',
                     'proxy_identity_number', 'proxy_name', 'received_by_id', 'channel',
                     'purpose'):
            batch_op.drop_column(name)
