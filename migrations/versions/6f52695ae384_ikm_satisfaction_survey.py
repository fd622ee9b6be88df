"""ikm satisfaction survey: one survey per closed request (issue #18)

Revision ID: 6f52695ae384
Revises: ee94b93667d0
Create Date: 2026-12-02 08:45:00

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = '6f52695ae384'
down_revision = 'ee94b93667d0'
branch_labels = None
depends_on = None

ANSWERS = ('u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9')
ANSWERED_WHOLE = ('(responded_at IS NULL AND u1 IS NULL AND u2 IS NULL AND u3 IS NULL AND u4 IS NULL AND u5 IS NULL AND u6 IS NULL AND u7 IS NULL AND u8 IS NULL AND u9 IS NULL) OR (responded_at IS NOT NULL AND responded_on IS NOT NULL AND u1 IS NOT NULL AND u2 IS NOT NULL AND u3 IS NOT NULL AND u4 IS NOT NULL AND u5 IS NOT NULL AND u6 IS NOT NULL AND u7 IS NOT NULL AND u8 IS NOT NULL AND u9 IS NOT NULL)')


def upgrade():
    op.create_table('ikm_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('invited_on', sa.Date(), nullable=False),
    sa.Column('reminded_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('responded_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=True),
    *[sa.Column(c, sa.SmallInteger(), nullable=True) for c in ANSWERS],
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_state', sa.String(length=20), nullable=True),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    *[sa.CheckConstraint(f"{c} IS NULL OR ({c} BETWEEN 1 AND 4)",
                         name=op.f(f'ck_ikm_survey_{c}_scale')) for c in ANSWERS],
    sa.CheckConstraint(ANSWERED_WHOLE, name=op.f('ck_ikm_survey_answered_whole')),
    sa.CheckConstraint("comment_state IS NULL OR comment_state IN ('menunggu', 'disetujui', 'ditolak')", name=op.f('ck_ikm_survey_comment_state')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_ikm_survey_agency_id_agency')),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['user.id'], name=op.f('fk_ikm_survey_moderated_by_id_user')),
    sa.ForeignKeyConstraint(['request_id'], ['info_request.id'], name=op.f('fk_ikm_survey_request_id_info_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ikm_survey')),
    sa.UniqueConstraint('request_id', name=op.f('uq_ikm_survey_request_id'))
    )
    with op.batch_alter_table('ikm_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ikm_survey_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ikm_survey_responded_on'), ['responded_on'], unique=False)


def downgrade():
    with op.batch_alter_table('ikm_survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ikm_survey_responded_on'))
        batch_op.drop_index(batch_op.f('ix_ikm_survey_agency_id'))
    op.drop_table('ikm_survey')
