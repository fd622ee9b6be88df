"""publication kinds and the agencies' publication plans: each publication has a kind
(news of an activity, programme, achievement, policy, announcement) and each agency a
target per kind and period (a month or a quarter) that the publication calendar checks

Revision ID: e7c4a2b9d815
Revises: e4f1a9c27b58
Create Date: 2026-12-02 13:50:00

Publications made so far are news of activities (``berita``); no agency has a plan yet.
"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'e7c4a2b9d815'
down_revision = 'e4f1a9c27b58'
branch_labels = None
depends_on = None

KINDS = "'berita', 'program', 'capaian', 'kebijakan', 'pengumuman'"


def upgrade():
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False,
                                      server_default='berita'))
        batch_op.create_check_constraint(op.f('ck_publication_kind'), f"kind IN ({KINDS})")
    op.create_table('publication_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_publication_plan_kind')),
    sa.CheckConstraint("cadence IN ('bulanan', 'triwulanan')",
                       name=op.f('ck_publication_plan_cadence')),
    sa.CheckConstraint('target >= 1 AND target <= 100',
                       name=op.f('ck_publication_plan_target_range')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                            name=op.f('fk_publication_plan_agency_id_agency'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                            name=op.f('fk_publication_plan_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_plan')),
    sa.UniqueConstraint('agency_id', 'kind', name=op.f('uq_publication_plan_agency_id_kind'))
    )
    with op.batch_alter_table('publication_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_plan_agency_id'), ['agency_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('publication_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_plan_agency_id'))
    op.drop_table('publication_plan')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_publication_kind'), type_='check')
        batch_op.drop_column('kind')
