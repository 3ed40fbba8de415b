"""promises keep the one-line why the reader gave

Revision ID: 0014
Revises: 0006
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('why', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('promises', schema=None) as batch_op:
        batch_op.drop_column('why')
