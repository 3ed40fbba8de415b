"""Recommendations as the rest of gaorec reads them: views (a record with its report, promises, slips,
assignment and the owner's word on the promise) for a WHERE clause, and the WHERE clauses the lists, the
reminder pass and the digest are made of. The view loader and the query matcher still live in storage/repo.py
(with the import they share helpers with); outside storage/, use these names."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.gao.records import OPEN_STATUSES

from .. import repo
from ..models import Recommendation, Report, Slip, StatusEvent
from .overdue import overdue_where

__all__ = ["by_ids", "changed_status_since", "due_where", "latest_status_event", "matching", "matching_any",
           "moved_date_since", "overdue_due", "overdue_where", "unlisted_unsettled_where", "views"]

RecView = repo.RecView


def views(session: Session, where, *, order=None, limit: int | None = None, offset: int = 0,
          detail: bool = False) -> list[RecView]:
    """The views of the recommendations matching ``where`` (a clause over recommendations joined with reports),
    in ``order``; ``detail`` adds their status events."""
    return repo._views(session, where, order=order, limit=limit, offset=offset, detail=detail)


def by_ids(session: Session, ids: Iterable[int]) -> list[RecView]:
    """The views of these recommendations (any number), in no particular order."""
    ids = sorted(set(ids))
    out: list[RecView] = []
    for chunk in repo._chunks(ids, 500):
        out += repo._views(session, Recommendation.id.in_(chunk))
    return out


def matching(session: Session, query: str, *, as_of: date | None = None, rules: list[dict] | None = None):
    """A WHERE clause: the recommendations a query finds (a key, a report number, or words and filters)."""
    return repo._matching(session, query, as_of=as_of, rules=rules)


def matching_any(session: Session, queries: Iterable[str]):
    """A WHERE clause: what any of these subscription queries finds; None when one of them is "" (everything)."""
    queries = list(queries)
    if not queries or "" in queries:
        return None
    where = matching(session, queries[0])
    for q in queries[1:]:
        where = where | matching(session, q)
    return where


def due_where(start: date, end: date):
    """Tracked recommendations whose current promise falls between ``start`` and ``end`` (both included)."""
    return repo._due_where(start, end)


def overdue_due(session: Session, as_of: date, query: str | None = None) -> list[tuple[int, date, bool]]:
    """(id, current due date, priority) of every recommendation overdue at ``as_of`` that ``query`` finds
    (None or "": all)."""
    where = overdue_where(as_of)
    if query:
        where = where & matching(session, query)
    q = (select(Recommendation.id, Recommendation.current_due, Recommendation.priority)
         .join(Report, Report.id == Recommendation.report_id).where(where))
    return [(r[0], r[1], bool(r[2])) for r in session.execute(q)]


def changed_status_since(since: datetime):
    """A WHERE clause: recommendations with a change of status or comment observed since ``since`` (not an
    older snapshot, not GAO ceasing to list it)."""
    return Recommendation.id.in_(select(StatusEvent.recommendation_id).where(
        StatusEvent.observed_at >= since, StatusEvent.kind.not_in(("older", "unlisted"))))


def moved_date_since(since: datetime):
    """A WHERE clause: recommendations whose current promise moved since ``since``."""
    return Recommendation.id.in_(select(Slip.recommendation_id).where(Slip.observed_at >= since))


def unlisted_unsettled_where():
    """Open by GAO's last word, no longer listed, and nobody has said what became of it."""
    return (Recommendation.listed.is_(False)) & Recommendation.status.in_(OPEN_STATUSES) \
        & Recommendation.outcome.is_(None)


def latest_status_event(session: Session, rec_id: int) -> StatusEvent | None:
    """The last status event of a recommendation (the change an import observed last)."""
    return session.scalar(select(StatusEvent).where(StatusEvent.recommendation_id == rec_id)
                          .order_by(StatusEvent.id.desc()).limit(1))

