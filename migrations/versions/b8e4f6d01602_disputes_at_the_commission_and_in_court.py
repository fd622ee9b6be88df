"""disputes at the Komisi Informasi and in court, with their execution (issue #16)

Revision ID: b8e4f6d01602
Revises: 49ae432ba445
Create Date: 2026-12-02 11:00:00

An objection's dispute was three columns (filed date, outcome, note). Each becomes a
dispute row with its filing on the timeline (the note kept there); one that had an outcome
is closed with it, on its filing date (the only date recorded). Then the columns go.
"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


revision = 'b8e4f6d01602'
down_revision = '49ae432ba445'
branch_labels = None
depends_on = None

STAGES = "('diajukan', 'registrasi', 'mediasi', 'ajudikasi', 'selesai')"
OUTCOMES = ("('dalam_proses', 'dikabulkan', 'dikabulkan_sebagian', 'ditolak', "
            "'tidak_dapat_diterima', 'mediasi_berhasil', 'gugur', 'dicabut')")


def upgrade():
    op.create_table(
        'dispute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('commission', sa.String(length=20), nullable=False),
        sa.Column('register_number', sa.String(length=120), nullable=True),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('registered_on', sa.Date(), nullable=True),
        sa.Column('mediation_on', sa.Date(), nullable=True),
        sa.Column('adjudication_on', sa.Date(), nullable=True),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=30), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('decision_number', sa.String(length=120), nullable=True),
        sa.Column('decision_received_on', sa.Date(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', ppid.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"stage is null or stage in {STAGES}", name=op.f('ck_dispute_stage')),
        sa.CheckConstraint(f"outcome is null or outcome in {OUTCOMES}",
                           name=op.f('ck_dispute_outcome')),
        sa.CheckConstraint("commission is null or commission in ('pusat', 'provinsi', "
                           "'kabupaten_kota')", name=op.f('ck_dispute_commission')),
        sa.CheckConstraint("(stage = 'selesai') = (outcome is not null)",
                           name=op.f('ck_dispute_closed')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_dispute_agency_id_agency')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_dispute_created_by_id_user')),
        sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], ondelete='CASCADE',
                                name=op.f('fk_dispute_objection_id_objection')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute')),
        sa.UniqueConstraint('objection_id', name=op.f('uq_dispute_objection_id')))
    op.create_index(op.f('ix_dispute_agency_id'), 'dispute', ['agency_id'], unique=False)
    op.create_table(
        'dispute_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('happened_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', ppid.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_dispute_event_actor_id_user')),
        sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], ondelete='CASCADE',
                                name=op.f('fk_dispute_event_dispute_id_dispute')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_event')))
    op.create_index(op.f('ix_dispute_event_dispute_id'), 'dispute_event', ['dispute_id'],
                    unique=False)
    op.create_table(
        'dispute_court_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('filed_by', sa.String(length=20), nullable=False),
        sa.Column('case_number', sa.String(length=120), nullable=True),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('decision_received_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=30), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.CheckConstraint("level is null or level in ('ptun', 'pn', 'ma')",
                           name=op.f('ck_dispute_court_case_level')),
        sa.CheckConstraint("filed_by is null or filed_by in ('pemohon', 'badan_publik')",
                           name=op.f('ck_dispute_court_case_filed_by')),
        sa.CheckConstraint("outcome is null or outcome in ('dikabulkan', "
                           "'dikabulkan_sebagian', 'ditolak', 'tidak_dapat_diterima', "
                           "'dicabut')", name=op.f('ck_dispute_court_case_outcome')),
        sa.CheckConstraint("(decided_on is null) = (outcome is null)",
                           name=op.f('ck_dispute_court_case_decided')),
        sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], ondelete='CASCADE',
                                name=op.f('fk_dispute_court_case_dispute_id_dispute')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_court_case')),
        sa.UniqueConstraint('dispute_id', 'level',
                            name=op.f('uq_dispute_court_case_dispute_id')))
    op.create_index(op.f('ix_dispute_court_case_dispute_id'), 'dispute_court_case',
                    ['dispute_id'], unique=False)
    op.create_table(
        'dispute_execution',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('carried_out_on', sa.Date(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', ppid.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_dispute_execution_actor_id_user')),
        sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], ondelete='CASCADE',
                                name=op.f('fk_dispute_execution_dispute_id_dispute')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_execution')))
    op.create_index(op.f('ix_dispute_execution_dispute_id'), 'dispute_execution',
                    ['dispute_id'], unique=False)

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, agency_id, dispute_filed_on, dispute_outcome, dispute_note, created_at "
        "FROM objection WHERE dispute_filed_on IS NOT NULL ORDER BY id")).all()
    for oid, agency_id, filed_on, outcome, note, created_at in rows:
        closed = outcome not in (None, 'dalam_proses')
        dispute_id = conn.execute(sa.text(
            "INSERT INTO dispute (objection_id, agency_id, commission, filed_on, stage, "
            "outcome, closed_on, summary, created_at, updated_at) VALUES (:o, :a, "
            "'provinsi', :f, :s, :out, :c, :summary, :t, :t) RETURNING id"),
            {"o": oid, "a": agency_id, "f": filed_on, "s": 'selesai' if closed else 'diajukan',
             "out": outcome if closed else None, "c": filed_on if closed else None,
             "summary": note if closed else None, "t": created_at}).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO dispute_event (dispute_id, action, happened_on, note, actor_label, "
            "recorded_at) VALUES (:d, 'diajukan', :f, :n, 'Sistem', :t)"),
            {"d": dispute_id, "f": filed_on, "n": note, "t": created_at})
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_column('dispute_note')
        batch_op.drop_column('dispute_outcome')
        batch_op.drop_column('dispute_filed_on')


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispute_filed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dispute_outcome', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('dispute_note', sa.Text(), nullable=True))
    op.execute("UPDATE objection SET dispute_filed_on = (SELECT filed_on FROM dispute WHERE "
               "dispute.objection_id = objection.id), dispute_outcome = (SELECT "
               "coalesce(outcome, 'dalam_proses') FROM dispute WHERE dispute.objection_id = "
               "objection.id), dispute_note = (SELECT summary FROM dispute WHERE "
               "dispute.objection_id = objection.id)")
    for table in ('dispute_execution', 'dispute_court_case', 'dispute_event'):
        op.drop_index(op.f(f'ix_{table}_dispute_id'), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f('ix_dispute_agency_id'), table_name='dispute')
    op.drop_table('dispute')
