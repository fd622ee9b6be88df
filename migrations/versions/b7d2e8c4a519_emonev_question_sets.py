"""emonev question sets: the questions of each year's self-assessment, configurable and
versioned (issue #18 section 1); the defaults of DOMAIN.md section 15 stored as year 2000's
set, which every later year takes until it has its own; an attestation names any question
of a year's set, not only a default one

Revision ID: b7d2e8c4a519
Revises: e7c4a2b9d815
Create Date: 2026-12-02 14:05:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'b7d2e8c4a519'
down_revision = 'e7c4a2b9d815'
branch_labels = None
depends_on = None

# (code, indicator, kind, computation, weight within the indicator, position): the defaults
# as this revision knows them (rules.Question), frozen here.
DEFAULTS = [
    ('ji_berkala', 'jenis_informasi', 'dihitung', 'ji_berkala', 60, 1),
    ('ji_setiap_saat', 'jenis_informasi', 'dihitung', 'ji_setiap_saat', 20, 2),
    ('ji_dik', 'jenis_informasi', 'dihitung', 'ji_dik', 20, 3),
    ('dg_kanal_daring', 'digitalisasi', 'dihitung', 'dg_kanal_daring', 40, 4),
    ('dg_kanal_resmi', 'digitalisasi', 'dihitung', 'dg_kanal_resmi', 30, 5),
    ('dg_dip_daring', 'digitalisasi', 'dihitung', 'dg_dip_daring', 30, 6),
    ('kq_kolom_dip', 'kualitas_informasi', 'dihitung', 'kq_kolom_dip', 50, 7),
    ('kq_mutakhir', 'kualitas_informasi', 'dihitung', 'kq_mutakhir', 50, 8),
    ('pl_tepat_waktu', 'pelayanan_informasi', 'dihitung', 'pl_tepat_waktu', 50, 9),
    ('pl_laporan', 'pelayanan_informasi', 'dihitung', 'pl_laporan', 25, 10),
    ('pl_ikm', 'pelayanan_informasi', 'dihitung', 'pl_ikm', 25, 11),
    ('ko_sk_ppid', 'komitmen_organisasi', 'dinyatakan', None, 25, 12),
    ('ko_sop', 'komitmen_organisasi', 'dinyatakan', None, 25, 13),
    ('ko_maklumat', 'komitmen_organisasi', 'dinyatakan', None, 25, 14),
    ('ko_anggaran', 'komitmen_organisasi', 'dinyatakan', None, 25, 15),
    ('sp_menu_ppid', 'sarana_prasarana', 'dihitung', 'sp_menu_ppid', 40, 16),
    ('sp_ruang', 'sarana_prasarana', 'dinyatakan', None, 30, 17),
    ('sp_disabilitas', 'sarana_prasarana', 'dinyatakan', None, 30, 18),
]


def upgrade():
    table = op.create_table('emonev_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('indicator', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('computation', sa.String(length=30), nullable=True),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_id', sa.String(length=300), nullable=True),
    sa.Column('text_en', sa.String(length=300), nullable=True),
    sa.Column('basis', sa.String(length=200), nullable=True),
    sa.Column('is_retired', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'dihitung') = (computation IS NOT NULL)", name=op.f('ck_emonev_question_computation')),
    sa.CheckConstraint("indicator IN ('jenis_informasi', 'digitalisasi', 'kualitas_informasi', 'pelayanan_informasi', 'komitmen_organisasi', 'sarana_prasarana')", name=op.f('ck_emonev_question_indicator')),
    sa.CheckConstraint("kind IN ('dihitung', 'dinyatakan')", name=op.f('ck_emonev_question_kind')),
    sa.CheckConstraint('weight BETWEEN 0 AND 100', name=op.f('ck_emonev_question_weight')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_emonev_question_year')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_emonev_question_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emonev_question')),
    sa.UniqueConstraint('year', 'code', name=op.f('uq_emonev_question_year_code'))
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(table, [
        {"year": 2000, "code": code, "indicator": indicator, "kind": kind,
         "computation": computation, "weight": weight, "position": position,
         "is_retired": False, "updated_at": now}
        for code, indicator, kind, computation, weight, position in DEFAULTS])
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_emonev_attestation_question'), type_='check')


def downgrade():
    with op.batch_alter_table('emonev_attestation', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_emonev_attestation_question'), "question IN ('ko_sk_ppid', 'ko_sop', 'ko_maklumat', 'ko_anggaran', 'sp_ruang', 'sp_disabilitas')")
    op.drop_table('emonev_question')
