"""register columns (the admin's order, headings and visibility of register columns)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:05:04.251577

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_column",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('incoming', 'outgoing', 'tracking')",
                           name="ck_register_column_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_register_column"),
        sa.UniqueConstraint("kind", "key", name="uq_register_column_kind_key"),
    )


def downgrade():
    op.drop_table("register_column")
