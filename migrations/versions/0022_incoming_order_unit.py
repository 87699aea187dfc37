"""The incoming list's order index carries the unit too: a deep page of one unit's list
(OFFSET 9,975) is found by walking the index alone, without reading each document skipped

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_order')
        batch_op.create_index('ix_incoming_order', ['urgency', 'received_at', 'id', 'unit_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_order')
        batch_op.create_index('ix_incoming_order', ['urgency', 'received_at', 'id'], unique=False)
