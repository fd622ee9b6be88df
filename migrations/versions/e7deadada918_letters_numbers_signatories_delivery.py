"""letters: outgoing numbers and signatories; the DIK entry of a refusal; costs, delivery

Issue #15 section 2 and section 1 (refusals): each letter keeps its number (gap-free per
PPID and year) and who signs it; officers have a position and NIP; a PPID can name its
signing official and the atasan's office; a request names its DIK entry, its other costs
and way of payment, and when and how its information was handed over.

Revision ID: e7deadada918
Revises: 5c7c720f87db
Create Date: 2026-12-02 10:10:06.495255

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'e7deadada918'
down_revision = '5c7c720f87db'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('atasan_nip', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('atasan_office', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('atasan_address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('letter_code', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_position', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_nip', sa.String(length=18), nullable=True))

    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_costs', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payment_method', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('exemption_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delivered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('delivered_via', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_info_request_exemption_id'), ['exemption_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_info_request_exemption_id_registry_exemption'), 'registry_exemption', ['exemption_id'], ['id'])

    with op.batch_alter_table('request_letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_position', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_nip', sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_request_letter_agency_id_year_seq'), ['agency_id', 'year', 'seq'])
        batch_op.create_foreign_key(batch_op.f('fk_request_letter_agency_id_agency'), 'agency', ['agency_id'], ['id'])

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('nip', sa.String(length=18), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('nip')
        batch_op.drop_column('position')

    with op.batch_alter_table('request_letter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_request_letter_agency_id_agency'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_request_letter_agency_id_year_seq'), type_='unique')
        batch_op.drop_column('signatory_nip')
        batch_op.drop_column('signatory_position')
        batch_op.drop_column('signatory_name')
        batch_op.drop_column('number')
        batch_op.drop_column('seq')
        batch_op.drop_column('year')
        batch_op.drop_column('agency_id')

    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_info_request_exemption_id_registry_exemption'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_info_request_exemption_id'))
        batch_op.drop_column('delivered_via')
        batch_op.drop_column('delivered_on')
        batch_op.drop_column('exemption_id')
        batch_op.drop_column('payment_method')
        batch_op.drop_column('other_costs')

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('signatory_nip')
        batch_op.drop_column('signatory_position')
        batch_op.drop_column('signatory_name')
        batch_op.drop_column('letter_code')
        batch_op.drop_column('atasan_address')
        batch_op.drop_column('atasan_office')
        batch_op.drop_column('atasan_nip')
