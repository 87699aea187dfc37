"""OCR of stored scans (ocr_scan: text, searchable copy, marking) and the result a
background job hands back (background_job.result)

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ocr_scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('searchable_sha256', sa.String(length=64), nullable=True),
        sa.Column('searchable_size', sa.BigInteger(), nullable=True),
        sa.Column('marking', sa.String(length=20), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sha256'),
    )
    with op.batch_alter_table('ocr_scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocr_scan_searchable_sha256'),
                              ['searchable_sha256'], unique=False)
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_column('result')
    with op.batch_alter_table('ocr_scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_scan_searchable_sha256'))
    op.drop_table('ocr_scan')
