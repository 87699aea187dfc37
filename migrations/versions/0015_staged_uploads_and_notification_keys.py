"""Staged uploads (a chosen file kept across a form's round trips), notifications stored
as a message key and its parameters (rendered in the reader's language; the old text kept
as the fallback), and the progress and result of a background job

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staged_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('session_key', sa.String(length=64), nullable=False),
        sa.Column('field', sa.String(length=50), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_upload_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_staged_upload_expires_at'), ['expires_at'],
                              unique=False)


    # The rows written before keep their text: it is their fallback (no key).
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_key', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))

    # The owner and the result file of a job a user asked for on a page.
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('result_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('result_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('result_mime', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_background_job_user_id'), ['user_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_background_job_user_id_ab_user', 'ab_user',
                                    ['user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_constraint('fk_background_job_user_id_ab_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_background_job_user_id'))
        batch_op.drop_column('result_mime')
        batch_op.drop_column('result_name')
        batch_op.drop_column('result_sha256')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message_key')
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_upload_expires_at'))
        batch_op.drop_index(batch_op.f('ix_staged_upload_sha256'))
    op.drop_table('staged_upload')
