"""store_facts: facts about the stored data as a whole; the first is the promise reader's edition

A database upgraded to this revision has no "promise_reader" fact: its comments were read by an earlier reader,
so its next import (or `gaorec db reread`) reads them again with the current one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'store_facts',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_store_facts')),
    )


def downgrade() -> None:
    op.drop_table('store_facts')
