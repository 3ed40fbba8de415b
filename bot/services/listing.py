"""What GAO stopped listing: the one note in a reminder thread when a complete import no longer lists a
reminded recommendation, and the outcome an owner or admin gives it (implemented / not implemented / still
open), audited. Not listed means not overdue and no reminders (storage/queries/overdue.py); an outcome of
"still open" makes it tracked again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from storage import repo
from storage.models import Recommendation, Reminder
from storage.db import Database
from storage.queries.overdue import OUTCOMES, STILL_OPEN
from storage.queries.reminders import open_for_recommendation, plan_post
from storage.types import utc, utc_text

from .. import messages as M
from ..blocks.listing import OUTCOME_WORDS, outcome_line, unlisted_note_message

ALIASES = {"implemented": "implemented", "not-implemented": "not-implemented", "not_implemented": "not-implemented",
           "notimplemented": "not-implemented", "open": STILL_OPEN, "still-open": STILL_OPEN}


def parse_outcome(word: str) -> str | None:
    return ALIASES.get((word or "").strip().lower().replace(" ", "-"))


@dataclass
class OutcomeResult:
    ok: bool
    message: M.Text  # one line for the person who asked (neutral spans)
    key: str | None = None


def notify_unlisted(db: Database, keys: list[str], now: datetime | None = None) -> int:
    """One note in each open reminder thread of these recommendations (now not listed by GAO), with the
    outcome buttons. The outbox key makes it exactly one, whatever the number of imports saying so."""
    if not keys:
        return 0
    now_utc = utc(now)
    posted = 0
    with db.write() as s:
        rows = s.execute(select(Reminder, Recommendation.key, Recommendation.as_of, Recommendation.last_listed)
                         .join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                         .where(Recommendation.key.in_(keys), Recommendation.listed.is_(False),
                                Reminder.state != "closed")).all()
        for rem, key, as_of, last_listed in rows:
            if plan_post(s, f"unlisted:{rem.id}:{as_of}", "status", rem.channel_id, rem.thread_ts, rem.id,
                         now_utc, {"message": unlisted_note_message(key, as_of, last_listed).to_dict()}):
                posted += 1
                repo.audit(s, at=now_utc, actor="gaorec", action="unlisted", recommendation_id=rem.recommendation_id,
                           channel_id=rem.channel_id, detail={"as_of": as_of.isoformat() if as_of else None,
                                                              "last_listed": last_listed.isoformat()
                                                              if last_listed else None})
    return posted


def set_outcome(service, key: str, word: str, user: str, *, is_admin: bool, now: datetime | None = None,
                channel: str | None = None) -> OutcomeResult:
    """Record what became of a recommendation GAO no longer lists. The owner or an admin only."""
    outcome = parse_outcome(word)
    if outcome is None:
        return OutcomeResult(False, M.text("Usage: /gaorec outcome KEY implemented|not-implemented|open"))
    now_utc = utc(now)
    with service.db.write() as s:
        v = repo.get(s, key)
        if v is None:
            return OutcomeResult(False, M.text("No recommendation has that key. Search for it: ",
                                               M.code("/gaorec WORDS"), "."))
        if v.listed:
            return OutcomeResult(False, M.text("GAO still lists ", M.code(v.key), f" ({v.status or 'no status'}); an "
                                               "outcome is for what GAO stopped listing."), v.key)
        owner = service.resolve_owners(s, [v])[0].owner  # THE owner rule (bot/services/owners.py)
        if not (is_admin or (owner is not None and owner == user)):
            return OutcomeResult(False, M.text("Only ", [M.user(owner), " or an admin"] if owner else "an admin",
                                               " can mark the outcome of ", M.code(v.key), "; nothing was recorded."),
                                 v.key)
        previous = v.outcome
        if previous == outcome:  # the same outcome again: nothing new to record or announce
            return OutcomeResult(True, M.text(M.code(v.key), f" was already {OUTCOME_WORDS[outcome]}: already "
                                              "recorded, so nothing new was written."), v.key)
        s.execute(update(Recommendation).where(Recommendation.id == v.id).values(outcome=outcome))
        repo.audit(s, at=now_utc, actor=user, action="outcome", recommendation_id=v.id, channel_id=channel,
                   detail={"outcome": outcome, "previous": previous})
        line = outcome_line(outcome, user, service.today(now_utc))
        for rem in open_for_recommendation(s, v.id):
            plan_post(s, f"outcome:{rem.id}:{outcome}:{utc_text(now_utc)}", "ack", rem.channel_id,
                      rem.thread_ts, rem.id, now_utc, {"message": M.Message(text=line).to_dict()})
    return OutcomeResult(True, M.text(M.code(v.key), f": {OUTCOME_WORDS[outcome]}"
                                      + (" (reminders resume while its promise is overdue)." if outcome == STILL_OPEN
                                         else ".")), v.key)


__all__ = ["OUTCOMES", "notify_unlisted", "parse_outcome", "set_outcome"]
