"""Reminder rows, as the reminder pass reads them."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Reminder
from ..repo import _chunks


def for_recommendations(session: Session, rec_ids: Iterable[int]) -> list[Reminder]:
    """Every reminder of these recommendations (any number of ids), in every state."""
    out: list[Reminder] = []
    for chunk in _chunks(sorted(set(rec_ids)), 500):
        out += session.scalars(select(Reminder).where(Reminder.recommendation_id.in_(chunk)))
    return out
