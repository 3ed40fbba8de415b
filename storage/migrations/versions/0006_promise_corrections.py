"""promise corrections and confirmations

Revision ID: 0006
Revises: 0013
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('promise_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('read_due', sa.Date(), nullable=True),
    sa.Column('read_phrase', sa.String(length=200), nullable=True),
    sa.Column('read_sentence', sa.Text(), nullable=True),
    sa.Column('read_confidence', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'],
                            name=op.f('fk_promise_corrections_recommendation_id_recommendations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise_corrections'))
    )
    with op.batch_alter_table('promise_corrections', schema=None) as batch_op:
        batch_op.create_index('ix_promise_corrections_rec', ['recommendation_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('promise_corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_promise_corrections_rec')
    op.drop_table('promise_corrections')
