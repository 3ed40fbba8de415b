"""IG recommendations (issuer, target date, costs), GIAA justifications, statutory clocks

Revision ID: 0013
Revises: 0005
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer', sa.String(length=8), nullable=False, server_default='gao'))
        batch_op.add_column(sa.Column('target_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('questioned_costs', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('funds_for_better_use', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('justification', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('justified_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('justified_at', sa.DateTime(), nullable=True))
    op.create_table('clock_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=20), nullable=False),
    sa.Column('done_by', sa.String(length=64), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_clock_marks_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_marks')),
    sa.UniqueConstraint('report_id', 'clock', name=op.f('uq_clock_marks_report_id_clock'))
    )


def downgrade() -> None:
    op.drop_table('clock_marks')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        for c in ('justified_at', 'justified_by', 'justification', 'funds_for_better_use', 'questioned_costs',
                  'target_due', 'issuer'):
            batch_op.drop_column(c)
