"""overdue index holds listed and outcome; a second index reads the overdue page in its order

The overdue count decides "still listed" (listed, outcome) from the index alone instead of reading ~24,000
table rows at 100k; the page walks ix_recommendations_overdue_order (priority first, then the due date, then
the id) and stops when it is full instead of sorting every candidate.

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_overdue')
        batch_op.create_index('ix_recommendations_overdue',
                              ['status', 'current_due', 'status_date', 'priority', 'listed', 'outcome'], unique=False)
        batch_op.create_index('ix_recommendations_overdue_order',
                              [sa.text('priority DESC'), 'current_due', 'id', 'status', 'status_date', 'listed',
                               'outcome'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendations_overdue_order')
        batch_op.drop_index('ix_recommendations_overdue')
        batch_op.create_index('ix_recommendations_overdue', ['status', 'current_due', 'status_date', 'priority'],
                              unique=False)
