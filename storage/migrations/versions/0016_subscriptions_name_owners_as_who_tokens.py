"""subscriptions name owners as "who" tokens (@U0DANA, @subteam:S0TEAM), no longer in Slack's markup

The core reads "who" tokens (bot/people.py); the Slack adapter reads Slack's mentions into them before a command
reaches the core. A subscription saved before that holds its query as Slack sent it (``owner:<@U0DANA|dana>``):
rewritten here in the words the core reads, it finds what it found, and ``/gaorec unsubscribe`` with the same
words finds it. Slack's syntax is written out below as it was (a migration does not follow the code).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
SUBSCRIPTIONS = sa.table("subscriptions", sa.column("id", sa.Integer), sa.column("channel_id", sa.String),
                         sa.column("query", sa.String))


def who_tokens(query: str) -> str:
    return GROUP.sub(lambda m: "@subteam:" + m.group(1), USER.sub(lambda m: "@" + m.group(1), query))


def upgrade() -> None:
    conn = op.get_bind()
    s = SUBSCRIPTIONS.c
    rows = conn.execute(sa.select(s.id, s.channel_id, s.query).order_by(s.id)).all()
    taken = {(r.channel_id, r.query) for r in rows}
    for r in rows:
        new = who_tokens(r.query)
        if new == r.query:
            continue
        if (r.channel_id, new) in taken:  # the channel has the same subscription in the new words already
            conn.execute(sa.delete(SUBSCRIPTIONS).where(s.id == r.id))
        else:
            conn.execute(sa.update(SUBSCRIPTIONS).where(s.id == r.id).values(query=new))
            taken.add((r.channel_id, new))


def downgrade() -> None:
    pass  # the new words mean what the old ones did: nothing to undo
