"""overdue index covers status date and priority

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_overdue')
        batch_op.create_index('ix_recommendations_overdue', ['status', 'current_due', 'status_date', 'priority'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_overdue')
        batch_op.create_index('ix_recommendations_overdue', ['status', 'current_due'], unique=False)
