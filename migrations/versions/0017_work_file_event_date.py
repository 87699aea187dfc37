"""Event-based retention: the date of the event a work file's retention counts from
(``work_file.event_date``), recorded on the file

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_file', schema=None) as batch_op:
        batch_op.drop_column('event_date')
