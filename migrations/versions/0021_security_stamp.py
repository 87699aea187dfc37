"""The security stamp: one number that every change of roles and permissions moves forward,
so that the permission sets computed for it can be kept between requests

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-07 03:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'security_stamp',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO security_stamp (id, value) VALUES (1, 0)")


def downgrade():
    op.drop_table('security_stamp')
