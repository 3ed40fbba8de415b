"""recommendations.changed_on: the date of the GAO snapshot that first showed a record's last change

Whether a promise passed "with no status change" was judged against the day gaorec imported the change, not the
day GAO's data showed it: an export dated 2025-09-30 imported on 2026-11-29 made a change "after" a promise due in
2026 and hid it from the overdue list. The column is filled from the status events (the latest change's snapshot
date; for events from before snapshots were dated, the day gaorec saw it), and the promise reader's edition is
forgotten, so that the next import reads every comment again and sets each status date by the new rule
(storage/imports/reread.py). The SQL below is written out as it was (a migration does not follow the code).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

LATEST_CHANGE = (
    "(SELECT max(e.as_of) FROM status_events e WHERE e.recommendation_id = recommendations.id "
    "AND e.as_of IS NOT NULL AND (e.kind IN ('change', 'reopened') OR (e.kind = 'relisted' AND "
    "(e.old_status IS DISTINCT FROM e.new_status OR e.old_comments IS DISTINCT FROM e.new_comments))))"
)


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_on', sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    latest = LATEST_CHANGE if dialect == "postgresql" else LATEST_CHANGE.replace("IS DISTINCT FROM", "IS NOT")
    seen = "date(last_changed)" if dialect == "sqlite" else "CAST(last_changed AS DATE)"
    op.execute(f"UPDATE recommendations SET changed_on = {latest} WHERE last_changed IS NOT NULL")
    op.execute(f"UPDATE recommendations SET changed_on = {seen} WHERE changed_on IS NULL AND last_changed IS NOT NULL")
    op.execute("DELETE FROM store_facts WHERE name = 'promise_reader'")


def downgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_column('changed_on')
