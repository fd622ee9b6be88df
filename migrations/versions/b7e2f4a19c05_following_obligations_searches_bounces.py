"""following: an obligation or a saved search, daily or weekly digests, bounces and
complaints honoured, List-Unsubscribe on the outbox's mail (issue #19 section 3)

Revision ID: b7e2f4a19c05
Revises: d1b3f5a71604
Create Date: 2026-12-02 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'b7e2f4a19c05'
down_revision = 'd1b3f5a71604'
branch_labels = None
depends_on = None

OLD_TARGET = ("(target = 'government' AND agency_id IS NULL) OR "
              "(target LIKE 'agency:%' AND agency_id IS NOT NULL)")
NEW_TARGET = ("(target = 'government' AND agency_id IS NULL AND obligation_id IS NULL) OR "
              "(target LIKE 'agency:%' AND agency_id IS NOT NULL AND obligation_id IS NULL) OR "
              "(target LIKE 'obligation:%' AND agency_id IS NOT NULL "
              "AND obligation_id IS NOT NULL) OR "
              "(target LIKE 'search:%' AND search_query IS NOT NULL AND agency_id IS NULL "
              "AND obligation_id IS NULL)")


def upgrade():
    op.create_table('follow_mail_bounce',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('diagnostic', sa.String(length=300), nullable=False),
    sa.Column('report_id', sa.String(length=300), nullable=True),
    sa.Column('received_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind in ('hard', 'soft', 'complaint')", name=op.f('ck_follow_mail_bounce_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_mail_bounce')),
    sa.UniqueConstraint('report_id', 'email', name='follow_mail_bounce_once')
    )
    with op.batch_alter_table('follow_mail_bounce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_mail_bounce_email'), ['email'], unique=False)

    with op.batch_alter_table('follow_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('obligation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_query', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('search_filters', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('frequency', sa.String(length=10), nullable=False,
                                      server_default='harian'))
        batch_op.add_column(sa.Column('suspended_at', ppid.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('digest_covered_at', ppid.core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reported_status', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_follow_subscription_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_subscription_unsubscribed_at'), ['unsubscribed_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_follow_subscription_obligation_id_registry_obligation'), 'registry_obligation', ['obligation_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_follow_subscription_target_agency'), type_='check')
        batch_op.create_check_constraint('target_agency', NEW_TARGET)
        batch_op.create_check_constraint('frequency', "frequency in ('harian', 'mingguan')")
    # What existing subscriptions had covered is what their last digest had.
    op.execute("UPDATE follow_subscription SET digest_covered_at = digest_sent_at")
    with op.batch_alter_table('follow_subscription', schema=None) as batch_op:
        batch_op.alter_column('frequency', server_default=None)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('headers')
    op.execute("DELETE FROM follow_subscription WHERE target LIKE 'obligation:%' "
               "OR target LIKE 'search:%'")
    with op.batch_alter_table('follow_subscription', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_subscription_frequency'), type_='check')
        batch_op.drop_constraint(op.f('ck_follow_subscription_target_agency'), type_='check')
        batch_op.create_check_constraint('target_agency', OLD_TARGET)
        batch_op.drop_constraint(batch_op.f('fk_follow_subscription_obligation_id_registry_obligation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_follow_subscription_unsubscribed_at'))
        batch_op.drop_index(batch_op.f('ix_follow_subscription_obligation_id'))
        for name in ('reported_status', 'digest_covered_at', 'suspended_at', 'frequency',
                     'search_filters', 'search_query', 'obligation_id'):
            batch_op.drop_column(name)
    with op.batch_alter_table('follow_mail_bounce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_mail_bounce_email'))
    op.drop_table('follow_mail_bounce')
