"""Liên thông to outside bodies: an outgoing recipient may be an outside body reached by
edXML (channel ``exchange``) under its mã định danh (``organ_id``)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = "0014"
branch_labels = None
depends_on = None

_OLD = "channel IN ('electronic', 'paper', 'email', 'paper_email')"
_NEW = "channel IN ('electronic', 'paper', 'email', 'paper_email', 'exchange')"


def upgrade():
    with op.batch_alter_table('outgoing_recipient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organ_id', sa.String(length=50), nullable=True))
        batch_op.drop_constraint('ck_recipient_channel', type_='check')
        batch_op.create_check_constraint('ck_recipient_channel', _NEW)
        batch_op.create_check_constraint('ck_recipient_exchange_organ',
                                         "channel <> 'exchange' OR organ_id IS NOT NULL")


def downgrade():
    op.execute("DELETE FROM outgoing_recipient WHERE channel = 'exchange'")
    with op.batch_alter_table('outgoing_recipient', schema=None) as batch_op:
        batch_op.drop_constraint('ck_recipient_exchange_organ', type_='check')
        batch_op.drop_constraint('ck_recipient_channel', type_='check')
        batch_op.create_check_constraint('ck_recipient_channel', _OLD)
        batch_op.drop_column('organ_id')
