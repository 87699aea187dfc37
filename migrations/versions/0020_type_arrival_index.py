"""An index for the incoming list filtered by document type and arrival date: its capped
count reads the index alone (type, arrival date, unit) instead of every document of the type

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-07 01:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.create_index('ix_incoming_type_arrival',
                              ['document_type_id', 'arrival_date', 'unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('incoming_document', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_type_arrival')
