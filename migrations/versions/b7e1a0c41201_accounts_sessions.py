"""accounts: session versions, e-mail changes, reset throttling

Revision ID: b7e1a0c41201
Revises: 56530f3fa96a
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'b7e1a0c41201'
down_revision = '56530f3fa96a'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
