"""outbox delivery lanes: one holder per channel, leased, with the last post time for pacing; the first claim
of a post (an uncertain post is looked up from there)

Revision ID: 0009
Revises: 0014
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_lanes',
        sa.Column('channel_id', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('last_post_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_outbox_lanes')),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_claimed_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('first_claimed_at')
    op.drop_table('outbox_lanes')
