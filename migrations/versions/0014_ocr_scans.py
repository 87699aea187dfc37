"""OCR of stored scans (ocr_scan: text, searchable copy, marking), the documents withheld
for a secrecy marking found in them (ocr_quarantine) and the result a background job hands
back (background_job.result)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = "0013"
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
    op.create_table(
        'ocr_quarantine',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=3), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=255), nullable=False),
        sa.Column('marking', sa.String(length=20), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('hashes', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('found_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('ocr_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocr_quarantine_document_id'), ['document_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_ocr_quarantine_state'), ['state'], unique=False)
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_column('result')
    with op.batch_alter_table('ocr_quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_quarantine_state'))
        batch_op.drop_index(batch_op.f('ix_ocr_quarantine_document_id'))
    op.drop_table('ocr_quarantine')
    with op.batch_alter_table('ocr_scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_scan_searchable_sha256'))
    op.drop_table('ocr_scan')
