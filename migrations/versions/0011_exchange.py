"""Liên thông (exchange_message): every edXML package received or sent, unique per
document, organs, business type and status so that a package received twice is one row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('document_id', sa.String(length=120), nullable=False),
        sa.Column('from_organ', sa.String(length=50), nullable=False),
        sa.Column('to_organ', sa.String(length=50), nullable=False),
        sa.Column('business_type', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.String(length=2), nullable=False),
        sa.Column('variant', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=12), nullable=True),
        sa.Column('signature_reason', sa.String(length=40), nullable=True),
        sa.Column('incoming_id', sa.Integer(), nullable=True),
        sa.Column('outgoing_id', sa.Integer(), nullable=True),
        sa.Column('recipient_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('package', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['incoming_id'], ['incoming_document.id']),
        sa.ForeignKeyConstraint(['outgoing_id'], ['outgoing_document.id']),
        sa.ForeignKeyConstraint(['recipient_id'], ['outgoing_recipient.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('direction', 'kind', 'document_id', 'from_organ', 'to_organ',
                            'business_type', 'status_code', 'variant',
                            name='uq_exchange_message'),
    )
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_message_document',
                              ['document_id', 'direction', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_message_incoming_id'), ['incoming_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_message_outgoing_id'), ['outgoing_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_message_outgoing_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_message_incoming_id'))
        batch_op.drop_index('ix_exchange_message_document')
    op.drop_table('exchange_message')
