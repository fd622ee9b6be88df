"""requests: the subject's review before the public register shows it, and the erasure of
personal data after the retention period (issue #15, section 5)

Revision ID: b7d41c2e9a15
Revises: db3ca4e09d55
Create Date: 2026-12-02 10:40:00

Existing requests were public already: they are not held (server default false).
"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a15'
down_revision = 'db3ca4e09d55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_subject_held', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('subject_reviewed_at', ppid.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('subject_reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('personal_data_erased_at', ppid.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_info_request_subject_reviewed_by_id_user'),
                                    'user', ['subject_reviewed_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_info_request_personal_data_erased_at'),
                              ['personal_data_erased_at'], unique=False)


def downgrade():
    with op.batch_alter_table('info_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_request_personal_data_erased_at'))
        batch_op.drop_constraint(batch_op.f('fk_info_request_subject_reviewed_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_column('personal_data_erased_at')
        batch_op.drop_column('subject_reviewed_by_id')
        batch_op.drop_column('subject_reviewed_at')
        batch_op.drop_column('is_subject_held')
