"""the annual report complete (Perki 1/2021 Pasal 56): policy overview, external
constraints, and the record of each report's submission

Revision ID: c9f5a7e21603
Revises: b8e4f6d01602
Create Date: 2026-12-02 11:30:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


revision = 'c9f5a7e21603'
down_revision = 'b8e4f6d01602'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_annual_text', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('constraints_external', sa.Text(), nullable=False,
                                      server_default=''))
    op.create_table(
        'report_annual_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('year between 2000 and 2100',
                           name=op.f('ck_report_annual_submission_year')),
        sa.CheckConstraint("method in ('surat', 'surel', 'aplikasi', 'langsung')",
                           name=op.f('ck_report_annual_submission_method')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_report_annual_submission_agency_id_agency')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'],
                                name=op.f('fk_report_annual_submission_recorded_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_annual_submission')))
    op.create_index(op.f('ix_report_annual_submission_agency_id'), 'report_annual_submission',
                    ['agency_id'], unique=False)
    op.create_index('ix_report_annual_submission_year_agency', 'report_annual_submission',
                    ['year', 'agency_id'], unique=False)


def downgrade():
    op.drop_index('ix_report_annual_submission_year_agency',
                  table_name='report_annual_submission')
    op.drop_index(op.f('ix_report_annual_submission_agency_id'),
                  table_name='report_annual_submission')
    op.drop_table('report_annual_submission')
    with op.batch_alter_table('report_annual_text', schema=None) as batch_op:
        batch_op.drop_column('constraints_external')
        batch_op.drop_column('policy')
