"""documents: text extracted after commit by background jobs

Revision ID: c4d2e9f01202
Revises: b7e1a0c41201
Create Date: 2026-12-02 07:30:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'c4d2e9f01202'
down_revision = 'b7e1a0c41201'
branch_labels = None
depends_on = None

# Types whose text the registry reads (ppid.core.extract.EXTRACTABLE, as of this revision).
_EXTRACTABLE = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain", "text/csv",
)


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_expires_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state in ('queued', 'running', 'done', 'failed')",
                       name=op.f('ck_job_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    op.create_index('ix_job_state_run_after', 'job', ['state', 'run_after'], unique=False)

    with op.batch_alter_table('registry_document_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_status', sa.String(length=20), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('text_error', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_registry_document_version_text_status'),
            "text_status in ('pending', 'done', 'failed', 'none')")

    # Versions uploaded before: PDFs have their text (extracted at upload, possibly empty);
    # other readable types never had any, so they are queued for the job worker.
    version = sa.table('registry_document_version', sa.column('id', sa.Integer),
                       sa.column('media_type', sa.String), sa.column('extracted_text', sa.Text),
                       sa.column('text_status', sa.String))
    op.execute(version.update().where(version.c.extracted_text.is_not(None))
               .values(text_status='done'))
    op.execute(version.update().where(version.c.extracted_text.is_(None),
                                      version.c.media_type.in_(_EXTRACTABLE))
               .values(text_status='pending'))
    payload = sa.literal('{"version_id": ') + sa.cast(version.c.id, sa.String) + \
        sa.literal('}')
    now = sa.literal(datetime.now(timezone.utc).replace(tzinfo=None), sa.DateTime)  # naive UTC
    job = sa.table('job', sa.column('kind'), sa.column('payload'), sa.column('state'),
                   sa.column('attempts'), sa.column('max_attempts'), sa.column('run_after'),
                   sa.column('created_at'))
    op.execute(job.insert().from_select(
        ['kind', 'payload', 'state', 'attempts', 'max_attempts', 'run_after', 'created_at'],
        sa.select(sa.literal('registry.document_text'), payload, sa.literal('queued'),
                  sa.literal(0), sa.literal(3), now, now)
        .where(version.c.text_status == 'pending')))


def downgrade():
    with op.batch_alter_table('registry_document_version', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registry_document_version_text_status'),
                                 type_='check')
        batch_op.drop_column('text_error')
        batch_op.drop_column('text_status')
    op.drop_index('ix_job_state_run_after', table_name='job')
    op.drop_table('job')
