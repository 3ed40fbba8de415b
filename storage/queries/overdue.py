"""THE overdue rule, once, in both of its forms: a SQL clause for the lists and the reminder pass, and a
Python function for a record already loaded (cards, JSON, App Home). tests/test_lifecycle.py checks that
the two agree on every combination of their inputs.

A recommendation is overdue at a date when GAO still tracks it as open — its status is open and the latest
complete snapshot listed it (or, once GAO stopped listing it, an owner said it is still open) — its current
promise is due before that date, and its status date is not after the due date."""
from __future__ import annotations

from datetime import date

from bot.gao.records import OPEN_STATUSES

from ..models import Recommendation

STILL_OPEN = "open"  # the outcome an owner gives a recommendation GAO stopped listing that is in fact open
OUTCOMES = ("implemented", "not-implemented", STILL_OPEN)


def tracked(status: str | None, listed: bool | None, outcome: str | None) -> bool:
    """Open, and listed by GAO (or said to be still open by its owner)."""
    return status in OPEN_STATUSES and (listed is not False or outcome == STILL_OPEN)


def still_listed_where(rec=Recommendation):
    """Listed by GAO, or said to be still open by its owner (``rec``: the model or an alias of it)."""
    return rec.listed.is_(True) | (rec.outcome == STILL_OPEN)


def tracked_where():
    return Recommendation.status.in_(OPEN_STATUSES) & still_listed_where()


def days_overdue(*, status: str | None, listed: bool | None, outcome: str | None, current_due: date | None,
                 status_date: date | None, as_of: date) -> int | None:
    """Days since the current promise passed without a status change, or None."""
    if not tracked(status, listed, outcome) or current_due is None or current_due >= as_of:
        return None
    if status_date is not None and status_date > current_due:
        return None
    return (as_of - current_due).days


def open_and_passed_where(as_of, status=Recommendation.status):
    """Open by GAO's last word and its current promise due before ``as_of``: what the overdue index searches."""
    return status.in_(OPEN_STATUSES) & (Recommendation.current_due < as_of)


def unchanged_since_due_where():
    """No status change after the promise fell due (no status date, or one not after the due date)."""
    return Recommendation.status_date.is_(None) | (Recommendation.status_date <= Recommendation.current_due)


def unlisted_where():
    """No longer listed by GAO, and not said by its owner to be still open."""
    not_said_open = Recommendation.outcome.is_(None) | (Recommendation.outcome != STILL_OPEN)
    return Recommendation.listed.is_(False) & not_said_open


def passed_where(as_of, status=Recommendation.status):
    """Overdue but for whether GAO still lists it. ``as_of`` is a date or a bound parameter; ``status`` is the
    column, or ``coalesce(status, '')`` where the overdue page must be read in the order of
    ix_recommendations_overdue_order: SQLite's planner would search ix_recommendations_overdue by status and then
    sort every candidate (the same test: a null status is in no list)."""
    return open_and_passed_where(as_of, status) & unchanged_since_due_where()


def overdue_where(as_of, status=Recommendation.status):
    """What the overdue index (status, current_due, status_date, priority, listed, outcome) answers alone."""
    return passed_where(as_of, status) & still_listed_where()


def unlisted_passed_where(as_of):
    """Open by GAO's last word, no longer listed (and not said to be still open), its promise passed: said beside
    the overdue list, never counted in it."""
    return open_and_passed_where(as_of) & unlisted_where()
