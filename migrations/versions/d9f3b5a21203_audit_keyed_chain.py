"""audit: keyed chain over every field, checkpoints

Revision ID: d9f3b5a21203
Revises: c4d2e9f01202
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'd9f3b5a21203'
down_revision = 'c4d2e9f01202'
branch_labels = None
depends_on = None


# Events already stored were sealed with unkeyed SHA-256; they keep their hashes and are
# verified as such (ppid/core/audit.py explains why they are not resealed). The next event
# written records the key's arrival (audit.key_rotated from legacy-sha256).
LEGACY_KEY_ID = 'legacy-sha256'


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=40), nullable=True))
    op.execute(sa.text("UPDATE audit_event SET key_id = :legacy").bindparams(
        legacy=LEGACY_KEY_ID))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('key_id', existing_type=sa.String(length=40), nullable=False)


def downgrade():
    # The previous code verifies every event as unkeyed SHA-256: it will report the first
    # keyed event as altered.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('key_id')
