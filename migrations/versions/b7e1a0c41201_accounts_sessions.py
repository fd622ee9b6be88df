"""accounts: session versions, e-mail changes, reset throttling

Revision ID: b7e1a0c41201
Revises: 56530f3fa96a
Create Date: 2026-12-02 07:30:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'b7e1a0c41201'
down_revision = '56530f3fa96a'
branch_labels = None
depends_on = None


# The rules of ppid.accounts.rules as of this revision (copied: a migration must not change
# when the application's code does).
def _stored(address):
    return unicodedata.normalize("NFKC", (address or "").strip()).lower()


def _canonical(address):
    return unicodedata.normalize("NFKC", _stored(address).casefold())


def upgrade():
    # Existing addresses: stored NFKC-normalised, compared case-folded. Two accounts whose
    # addresses become one are not merged silently: the upgrade stops and names them,
    # before changing anything (SQLite's DDL is not transactional).
    conn = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('email', sa.String),
                    sa.column('email_normalised', sa.String))
    rows = conn.execute(sa.select(user.c.id, user.c.email).order_by(user.c.id)).all()
    by_key, collisions = {}, []
    for row in rows:
        key = _canonical(row.email)
        if key in by_key:
            collisions.append(f"{by_key[key]} and {row.id} ({key})")
        by_key.setdefault(key, row.id)
    if collisions:
        raise RuntimeError(
            "accounts whose e-mail addresses are the same once case and width are ignored: "
            + "; ".join(collisions) + ". Change or merge them, then upgrade again.")

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_normalised', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
    for row in rows:
        conn.execute(sa.update(user).where(user.c.id == row.id).values(
            email=_stored(row.email), email_normalised=_canonical(row.email)))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('email_normalised', existing_type=sa.String(length=320),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_email_normalised'),
                                          ['email_normalised'])

    op.create_table('email_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('old_email', sa.String(length=320), nullable=False),
    sa.Column('new_email', sa.String(length=320), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', ppid.core.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                            name=op.f('fk_email_change_requested_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_email_change_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_change'))
    )
    with op.batch_alter_table('email_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_change_user_id'), ['user_id'], unique=False)

    op.create_table('password_reset_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('requested_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('is_sent', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request'))
    )
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_request_email'), ['email'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_requested_at'),
                              ['requested_at'], unique=False)

    op.create_table('ended_login',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', ppid.core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ended_login_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_ended_login'))
    )
    with op.batch_alter_table('ended_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_login_expires_at'), ['expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_ended_login_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ended_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ended_login_user_id'))
        batch_op.drop_index(batch_op.f('ix_ended_login_expires_at'))
    op.drop_table('ended_login')
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_request_requested_at'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_ip'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_email'))
    op.drop_table('password_reset_request')
    with op.batch_alter_table('email_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_change_user_id'))
    op.drop_table('email_change')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_email_normalised'), type_='unique')
        batch_op.drop_column('session_version')
        batch_op.drop_column('email_normalised')
