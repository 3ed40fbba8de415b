"""Commands asked inside a reminder's thread act on that thread's
recommendation when they name no key: ``@gaorec snooze 2w waiting on OT``,
``@gaorec show``, ``@gaorec history``, ``@gaorec assign @dana``,
``@gaorec promise 2027-06-30``."""
from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import Recommendation, Reminder
from storage.repo import KEY_RE

_DURATION = re.compile(r"^\d{1,3}\s*(?:d|days?|w|weeks?)\b", re.IGNORECASE)
_MENTION = re.compile(r"^(?:<[@!][^>]+>|@\S+)$")


def key_for_thread(db, channel: str | None, thread_ts: str | None) -> str | None:
    """The key of the recommendation whose reminder started this thread, or None."""
    if not channel or not thread_ts:
        return None
    with db.session() as s:
        return s.scalar(select(Recommendation.key).join(Reminder, Reminder.recommendation_id == Recommendation.id)
                        .where(Reminder.channel_id == channel, Reminder.thread_ts == thread_ts).limit(1))


def with_thread_key(text: str, key: str | None) -> str:
    """The command with the thread's key put where the grammar expects it, when the command names none."""
    words = " ".join((text or "").split())
    if not key:
        return words
    head, _, rest = words.partition(" ")
    cmd, first = head.lower(), rest.split(" ", 1)[0]
    if KEY_RE.match(first.lower()):
        return words
    if (cmd in ("show", "history", "unassign") and not rest) or (cmd == "snooze" and _DURATION.match(rest)) \
            or (cmd == "assign" and _MENTION.match(first)) or (cmd == "promise" and rest):
        return f"{head} {key} {rest}".strip()
    return words
