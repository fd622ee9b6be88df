"""emonev self-assessment: indicator weights per year and attested documents (issue #18)

Revision ID: db3ca4e09d55
Revises: a7d3e5c91601
Create Date: 2026-12-02 10:10:54

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'db3ca4e09d55'
down_revision = 'a7d3e5c91601'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emonev_attestation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=30), nullable=False),
    sa.Column('statement', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('attested_by_id', sa.Integer(), nullable=True),
    sa.Column('attested_on', sa.Date(), nullable=False),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("question IN ('ko_sk_ppid', 'ko_sop', 'ko_maklumat', 'ko_anggaran', 'sp_ruang', 'sp_disabilitas')", name=op.f('ck_emonev_attestation_question')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_emonev_attestation_valid_period')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_emonev_attestation_agency_id_agency')),
    sa.ForeignKeyConstraint(['attested_by_id'], ['user.id'], name=op.f('fk_emonev_attestation_attested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emonev_attestation'))
    )
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emonev_attestation_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_emonev_attestation_agency_question', ['agency_id', 'question'], unique=False)
        batch_op.create_index(batch_op.f('ix_emonev_attestation_sha256'), ['sha256'], unique=False)

    op.create_table('emonev_weight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("indicator IN ('jenis_informasi', 'digitalisasi', 'kualitas_informasi', 'pelayanan_informasi', 'komitmen_organisasi', 'sarana_prasarana')", name=op.f('ck_emonev_weight_indicator')),
    sa.CheckConstraint('weight BETWEEN 0 AND 100', name=op.f('ck_emonev_weight_weight')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_emonev_weight_year')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_emonev_weight_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emonev_weight')),
    sa.UniqueConstraint('year', 'indicator', name=op.f('uq_emonev_weight_year_indicator'))
    )


def downgrade():
    op.drop_table('emonev_weight')
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emonev_attestation_sha256'))
        batch_op.drop_index('ix_emonev_attestation_agency_question')
        batch_op.drop_index(batch_op.f('ix_emonev_attestation_agency_id'))

    op.drop_table('emonev_attestation')
