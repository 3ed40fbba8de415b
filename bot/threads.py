"""Commands asked inside a reminder's thread act on that thread's
recommendation when they name no key: ``@gaorec snooze 2w waiting on OT``,
``@gaorec show``, ``@gaorec history``, ``@gaorec assign @dana``,
``@gaorec promise 2027-06-30``. Which commands, and when: each registry entry's
``thread_key`` (bot/commands)."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Recommendation, Reminder
from storage.repo import KEY_RE

from .commands import thread_key_applies


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
    if KEY_RE.match(rest.split(" ", 1)[0].lower()):
        return words
    if thread_key_applies(words):  # the registry's thread_key rule of the command (bot/commands)
        return f"{head} {key} {rest}".strip()
    return words
