"""search: PostgreSQL full-text search columns and indexes

Revision ID: e5a7c3d91401
Revises: d9f3b5a21203
Create Date: 2026-12-02 07:40:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'e5a7c3d91401'
down_revision = 'd9f3b5a21203'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
