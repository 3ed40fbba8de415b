"""Reminders, their answers and the outbox, as the reminder parts (bot/reminders/) read and write them.

The outbox is written in one place: ``plan_post`` puts one post under its unique key (a second plan of the same
key is a no-op), in the caller's transaction; delivery (bot/reminders/delivery.py) claims and sends it."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Acknowledgement, Outbox, Recommendation, Reminder, Subscription
from ..repo import _chunks

__all__ = ["acknowledgement", "claimable_exists", "for_recommendations", "for_thread", "locked", "open_for_keys",
           "open_for_recommendation", "open_ids_for_key", "pending_count", "plan_post", "planned_at",
           "post_exists", "subscribed_queries"]


# -- reminders ---------------------------------------------------------------------------------------------------
def for_recommendations(session: Session, rec_ids: Iterable[int]) -> list[Reminder]:
    """Every reminder of these recommendations (any number of ids), in every state."""
    out: list[Reminder] = []
    for chunk in _chunks(sorted(set(rec_ids)), 500):
        out += session.scalars(select(Reminder).where(Reminder.recommendation_id.in_(chunk)))
    return out


def open_for_recommendation(session: Session, rec_id: int) -> list[Reminder]:
    """The reminders of one recommendation that are not closed."""
    return list(session.scalars(select(Reminder).where(Reminder.recommendation_id == rec_id,
                                                       Reminder.state != "closed")))


def open_for_keys(session: Session, keys: Iterable[str]) -> list[Reminder]:
    """The reminders, not closed, of the recommendations with these keys."""
    return list(session.scalars(select(Reminder).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                                .where(Recommendation.key.in_(list(keys)), Reminder.state != "closed")))


def quiet_threads_for_keys(session: Session, keys: Iterable[str]) -> list[Reminder]:
    """The closed reminders with a thread, of the recommendations with these keys, each the latest of its
    recommendation in its channel with no open one beside it: threads an owner's word or an earlier change
    stopped, where people still look."""
    rows = list(session.scalars(select(Reminder).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                                .where(Recommendation.key.in_(list(keys)), Reminder.thread_ts.is_not(None))
                                .order_by(Reminder.id)))
    latest: dict[tuple[int, str], Reminder] = {}
    for rem in rows:
        latest[(rem.recommendation_id, rem.channel_id)] = rem
    return [rem for rem in latest.values() if rem.state == "closed"]


def open_ids_for_key(session: Session, key: str, channel: str | None = None) -> list[int]:
    """The ids of the open reminders of the recommendation with this key (in this channel, if given)."""
    q = (select(Reminder.id).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
         .where(Recommendation.key == key.lower(), Reminder.state != "closed"))
    if channel:
        q = q.where(Reminder.channel_id == channel)
    return list(session.scalars(q))


def for_thread(session: Session, channel: str, thread_ts: str) -> int | None:
    """The reminder whose parent message is this one."""
    return session.scalar(select(Reminder.id).where(Reminder.channel_id == channel, Reminder.thread_ts == thread_ts))


def locked(session: Session, reminder_id: int) -> Reminder | None:
    """The reminder, locked for this transaction (PostgreSQL: a second answer to it waits for the first)."""
    return session.get(Reminder, reminder_id, with_for_update=True)


def acknowledgement(session: Session, reminder_id: int, round: int, user: str) -> Acknowledgement | None:
    """This user's acknowledgement of this round of the reminder, if any."""
    return session.scalar(select(Acknowledgement).where(Acknowledgement.reminder_id == reminder_id,
                                                        Acknowledgement.round == round,
                                                        Acknowledgement.user_id == user))


def subscribed_queries(session: Session) -> dict[str, list[str]]:
    """channel -> the queries it subscribes to ("" is everything), in the order they were stored."""
    channels: dict[str, list[str]] = {}
    for sub in session.scalars(select(Subscription)):
        channels.setdefault(sub.channel_id, []).append(sub.query)
    return channels


# -- the outbox --------------------------------------------------------------------------------------------------
def plan_post(session: Session, key: str, kind: str, channel: str, thread_ts: str | None, reminder_id: int | None,
              now: datetime, payload: dict) -> bool:
    """Write one post under its key; False when the key exists (already planned)."""
    if post_exists(session, key):
        return False
    session.add(Outbox(key=key, kind=kind, channel_id=channel, thread_ts=thread_ts, reminder_id=reminder_id,
                       payload=json.dumps(payload), state="pending", attempts=0, created_at=now))
    session.flush()
    return True


def post_exists(session: Session, key: str) -> bool:
    return session.scalar(select(Outbox.id).where(Outbox.key == key)) is not None


def planned_at(session: Session, key: str) -> datetime | None:
    """When the post with this key was planned, or None."""
    return session.scalar(select(Outbox.created_at).where(Outbox.key == key))


def pending_count(session: Session) -> int:
    """Posts written but not yet confirmed sent (pending, or sending with an unknown outcome)."""
    return session.scalar(select(func.count()).select_from(Outbox)
                          .where(Outbox.state.in_(("pending", "sending")))) or 0


def claimable_exists(session: Session, stale: datetime) -> bool:
    """Is there a post to deliver: pending, or sending and claimed before ``stale`` (its claimer is gone)?"""
    return session.scalar(select(Outbox.id).where((Outbox.state == "pending") | (
        (Outbox.state == "sending") & (Outbox.claimed_at < stale))).limit(1)) is not None
