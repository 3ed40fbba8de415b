"""snapshot dates and what GAO stopped listing

recommendations.as_of: the date of the GAO snapshot its status and comment come from;
listed / last_listed: whether the latest complete snapshot listed it, and the as-of of the last one that did;
outcome: what an owner or admin said about a recommendation GAO stopped listing.
status_events.as_of / kind: the snapshot an event comes from, and what it was (change, older, reopened,
unlisted, relisted).

Revision ID: 0007
Revises: 0014
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('listed', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('last_listed', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='change'))


def downgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_column('kind')
        batch_op.drop_column('as_of')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('last_listed')
        batch_op.drop_column('listed')
        batch_op.drop_column('as_of')
