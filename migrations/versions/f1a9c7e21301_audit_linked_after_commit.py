"""audit: events written unlinked, linked into the chain after commit by one chainer

Revision ID: f1a9c7e21301
Revises: e5a7c3d91401
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'f1a9c7e21301'
down_revision = 'e5a7c3d91401'
branch_labels = None
depends_on = None

# An event's chain fields are empty until the chainer links it (ppid/core/audit.py); they
# are all empty or all set. Events already stored are linked and stay as they are.
LINKED_WHOLE = ("(seq IS NULL AND prev_hash IS NULL AND hash IS NULL AND key_id IS NULL) OR "
                "(seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL AND key_id "
                "IS NOT NULL)")
CHAIN_FIELDS = (('seq', sa.BigInteger()), ('prev_hash', sa.String(length=64)),
                ('hash', sa.String(length=64)), ('key_id', sa.String(length=40)))


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name, type_ in CHAIN_FIELDS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.create_check_constraint(op.f('ck_audit_event_linked_whole'), LINKED_WHOLE)
    op.create_index('ix_audit_event_unlinked', 'audit_event', ['id'], unique=False,
                    sqlite_where=sa.text('seq IS NULL'),
                    postgresql_where=sa.text('seq IS NULL'))


def downgrade():
    # The previous code cannot read unlinked events: link them first (flask ppid audit-link).
    op.drop_index('ix_audit_event_unlinked', table_name='audit_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_event_linked_whole'), type_='check')
        for name, type_ in CHAIN_FIELDS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
