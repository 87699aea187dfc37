"""Liên thông over HTTP: the peers (exchange_peer), the signatures the inbox saw within
its replay window (exchange_seen_signature), and the transport's tries on each package

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_peer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('base_url', sa.String(length=300), nullable=False),
        sa.Column('organ_ids', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'exchange_seen_signature',
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('signature'),
    )
    with op.batch_alter_table('exchange_seen_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_seen_signature_seen_at'), ['seen_at'],
                              unique=False)
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.drop_column('sent_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
    with op.batch_alter_table('exchange_seen_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_seen_signature_seen_at'))
    op.drop_table('exchange_seen_signature')
    op.drop_table('exchange_peer')
