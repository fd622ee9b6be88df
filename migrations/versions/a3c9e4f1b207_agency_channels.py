"""agency channels: each agency's official website and social-media channels (issue #19
section 1), listed on its page, checked by the link checker, counted by E-Monev

Revision ID: a3c9e4f1b207
Revises: b7e2f4a19c05
Create Date: 2026-12-02 13:40:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'a3c9e4f1b207'
down_revision = 'b7e2f4a19c05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agency_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('handle', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('removed_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("platform IN ('website', 'instagram', 'facebook', 'x', 'youtube', 'tiktok', 'whatsapp', 'lainnya')", name=op.f('ck_agency_channel_platform')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_channel_agency_id_agency')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_agency_channel_created_by_id_user')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user.id'], name=op.f('fk_agency_channel_removed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_channel'))
    )
    with op.batch_alter_table('agency_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_channel_agency_id'), ['agency_id'], unique=False)


def downgrade():
    with op.batch_alter_table('agency_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_channel_agency_id'))
    op.drop_table('agency_channel')
