"""Liên thông: the timestamp of the last request that carried an outbound package, so
that a retry is signed with a later one (never taken for a replay)

Revision ID: 0019
Revises: 0020
Create Date: 2026-12-07 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_stamp', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.drop_column('last_stamp')
