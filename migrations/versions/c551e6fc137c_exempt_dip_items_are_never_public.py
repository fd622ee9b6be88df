"""exempt DIP items are never public

Revision ID: c551e6fc137c
Revises: f1a9c7e21301
Create Date: 2026-12-02 08:40:25.336701

"""
from alembic import op
import sqlalchemy as sa

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'c551e6fc137c'
down_revision = 'f1a9c7e21301'
branch_labels = None
depends_on = None


# UU KIP Pasal 11(1)(a), 17: exempt information is never public. An item of category
# dikecualikan published before this rule goes back to draft (its documents stop
# downloading); its published_at stays, so the record of what was shown is kept.
EXEMPT_NEVER_PUBLIC = "category != 'dikecualikan' or state = 'draft'"


def upgrade():
    op.execute("UPDATE registry_dip_item SET state = 'draft', withdrawn_at = NULL, "
               "withdrawal_reason = NULL WHERE category = 'dikecualikan' AND state != 'draft'")
    with op.batch_alter_table('registry_dip_item', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_registry_dip_item_exempt_never_public'),
                                         EXEMPT_NEVER_PUBLIC)


def downgrade():
    with op.batch_alter_table('registry_dip_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registry_dip_item_exempt_never_public'),
                                 type_='check')
