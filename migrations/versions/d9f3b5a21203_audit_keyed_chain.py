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


def upgrade():
    pass


def downgrade():
    pass
