"""documents: text extracted after commit by background jobs

Revision ID: c4d2e9f01202
Revises: b7e1a0c41201
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'c4d2e9f01202'
down_revision = 'b7e1a0c41201'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
