"""link checker: the last answer of every URL the registry publishes (issue #18)

Revision ID: 8b92fb26fcaa
Revises: b7d41c2e9a15
Create Date: 2026-12-02 10:41:23

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = '8b92fb26fcaa'
down_revision = 'b7d41c2e9a15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('is_ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(length=80), nullable=False),
    sa.Column('checked_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('failing_since', ppid.core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_link_check_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check')),
    sa.UniqueConstraint('agency_id', 'url', name=op.f('uq_link_check_agency_id_url'))
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_check_agency_id'), ['agency_id'], unique=False)



def downgrade():
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_check_agency_id'))

    op.drop_table('link_check')
