"""Time-limited sign-in locks per account and client address (login_guard)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_guard',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('level', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_failure_at', sa.DateTime(), nullable=True),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'address', name='uq_login_guard_key'),
    )
    with op.batch_alter_table('login_guard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_guard_locked_until'), ['locked_until'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('login_guard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_guard_locked_until'))
    op.drop_table('login_guard')
