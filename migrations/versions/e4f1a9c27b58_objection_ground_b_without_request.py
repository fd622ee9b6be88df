"""objections on ground b without a request: an agency's periodic obligations instead
(UU KIP Pasal 35(1) huruf b), their objector's identity and tracking token; letters,
timeline steps and files of such an objection; the deadline of orders decided before
order deadlines existed

Revision ID: e4f1a9c27b58
Revises: a3c9e4f1b207
Create Date: 2026-12-02 13:30:00

Objections recorded so far all name a request (the new check constraint holds for them).
An atasan's order decided before the orders' deadlines were recorded (c9a2d4e61603) has
none: it gets OBJECTION_ORDER_DAYS working days from its decision date, counted with the
calendar in force (national holidays and the registry's calendar table), as
ppid.info_requests.rules.order_deadline counts a new one, so the statistics and the
dashboard count it like any other order.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'e4f1a9c27b58'
down_revision = 'a3c9e4f1b207'
branch_labels = None
depends_on = None

# The decisions that order the PPID to act (ppid.info_requests.rules.ORDER_DECISIONS when
# this migration was written: the ones old rows can hold).
_ORDER_DECISIONS = ('membuka_seluruhnya', 'membuka_sebagian', 'menanggapi', 'koreksi_biaya',
                    'menyerahkan')


def upgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('obligation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('requester_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('identity_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('identity_number', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('occupation', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('requester_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tracking_token_hash', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('personal_data_erased_at', ppid.core.db.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_objection_obligation_id'), ['obligation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_objection_requester_user_id'),
                              ['requester_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_personal_data_erased_at'),
                              ['personal_data_erased_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_objection_tracking_token_hash'),
                                          ['tracking_token_hash'])
        batch_op.create_foreign_key(batch_op.f('fk_objection_obligation_id_registry_obligation'),
                                    'registry_obligation', ['obligation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_objection_requester_user_id_user'), 'user',
                                    ['requester_user_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_objection_request_or_obligation'),
            "(request_id is not null and obligation_id is null) or "
            "(request_id is null and obligation_id is not null)")
    op.create_table('objection_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('last_published_on', sa.Date(), nullable=True),
    sa.Column('overdue_on', sa.Date(), nullable=False),
    sa.Column('filing_deadline_on', sa.Date(), nullable=False),
    sa.Column('fulfilled_item_id', sa.Integer(), nullable=True),
    sa.Column('fulfilled_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['fulfilled_item_id'], ['registry_dip_item.id'], name=op.f('fk_objection_obligation_fulfilled_item_id_registry_dip_item')),
    sa.ForeignKeyConstraint(['fulfilled_version_id'], ['registry_document_version.id'], name=op.f('fk_objection_obligation_fulfilled_version_id_registry_document_version')),
    sa.ForeignKeyConstraint(['objection_id'], ['objection.id'], name=op.f('fk_objection_obligation_objection_id_objection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['obligation_id'], ['registry_obligation.id'], name=op.f('fk_objection_obligation_obligation_id_registry_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_obligation')),
    sa.UniqueConstraint('objection_id', 'obligation_id', name=op.f('uq_objection_obligation_objection_id_obligation_id'))
    )
    with op.batch_alter_table('objection_obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_obligation_objection_id'),
                              ['objection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_obligation_obligation_id'),
                              ['obligation_id'], unique=False)
    with op.batch_alter_table('info_request_event', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('objection_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_info_request_event_objection_id'),
                              ['objection_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_info_request_event_objection_id_objection'),
                                    'objection', ['objection_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_info_request_event_request_or_objection'),
                                         "request_id is not null or objection_id is not null")
    with op.batch_alter_table('request_letter', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(batch_op.f('ck_request_letter_request_or_objection'),
                                         "request_id is not null or objection_id is not null")
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            batch_op.f('ck_request_attachment_request_or_objection'),
            "request_id is not null or objection_id is not null")
    _order_deadlines()


def _order_deadlines():
    """Orders decided without a deadline get OBJECTION_ORDER_DAYS working days from their
    decision date, the working-day rule of ppid.core.calendar with the calendar in force."""
    bind = op.get_bind()
    objection = sa.table('objection', sa.column('id', sa.Integer),
                         sa.column('decision', sa.String), sa.column('decided_on', sa.Date),
                         sa.column('order_due_on', sa.Date))
    rows = bind.execute(sa.select(objection.c.id, objection.c.decided_on).where(
        objection.c.decision.in_(_ORDER_DECISIONS), objection.c.decided_on.is_not(None),
        objection.c.order_due_on.is_(None))).all()
    if not rows:
        return
    from flask import current_app

    from ppid.core.calendar import Calendar, Entry, add_working_days
    from ppid.core.services import _HolidayView, national_holidays
    entry = sa.table('calendar_entry', sa.column('day_on', sa.Date),
                     sa.column('is_working_day', sa.Boolean), sa.column('reason', sa.String))
    entries = {day if isinstance(day, date) else date.fromisoformat(str(day)):
               Entry(working, reason)
               for day, working, reason in bind.execute(sa.select(
                   entry.c.day_on, entry.c.is_working_day, entry.c.reason))}
    cal = Calendar(holidays=_HolidayView(national_holidays()), entries=entries)
    days = int(current_app.config["OBJECTION_ORDER_DAYS"])
    for objection_id, decided_on in rows:
        if not isinstance(decided_on, date):
            decided_on = date.fromisoformat(str(decided_on))
        bind.execute(objection.update().where(objection.c.id == objection_id).values(
            order_due_on=add_working_days(cal, decided_on, days)))


def downgrade():
    # (Objections without a request cannot be kept by the older schema: removed first.)
    op.execute("DELETE FROM objection WHERE request_id IS NULL")
    with op.batch_alter_table('request_attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_request_attachment_request_or_objection'),
                                 type_='check')
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('request_letter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_request_letter_request_or_objection'),
                                 type_='check')
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('info_request_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_info_request_event_request_or_objection'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('fk_info_request_event_objection_id_objection'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_info_request_event_objection_id'))
        batch_op.drop_column('objection_id')
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('objection_obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_obligation_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_objection_obligation_objection_id'))
    op.drop_table('objection_obligation')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_objection_request_or_obligation'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('fk_objection_requester_user_id_user'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_objection_obligation_id_registry_obligation'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_objection_tracking_token_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_objection_personal_data_erased_at'))
        batch_op.drop_index(batch_op.f('ix_objection_requester_user_id'))
        batch_op.drop_index(batch_op.f('ix_objection_obligation_id'))
        for name in ('personal_data_erased_at', 'tracking_token_hash', 'requester_user_id',
                     'occupation', 'email', 'phone', 'address', 'identity_number',
                     'identity_type', 'requester_name', 'obligation_id'):
            batch_op.drop_column(name)
        batch_op.alter_column('request_id', existing_type=sa.Integer(), nullable=False)
