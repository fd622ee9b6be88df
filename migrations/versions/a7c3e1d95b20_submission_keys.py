"""submission keys: one request per submission posted twice (issue #15, section 4)

Revision ID: a7c3e1d95b20
Revises: c9f5a7e21603
Create Date: 2026-12-02 10:30:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'a7c3e1d95b20'
down_revision = 'c9f5a7e21603'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['info_request.id'], name=op.f('fk_submission_key_request_id_info_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_key')),
    sa.UniqueConstraint('scope', 'key_hash', name=op.f('uq_submission_key_scope_key_hash'))
    )
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_key_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_key_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_key_request_id'))
        batch_op.drop_index(batch_op.f('ix_submission_key_expires_at'))
    op.drop_table('submission_key')
