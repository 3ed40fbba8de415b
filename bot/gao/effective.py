"""The current promise after the owner's word (pure).

gaorec reads promises out of GAO's comment (``promises.py``); an owner or an
admin may confirm the date read ("That's right"), correct it (a new due date,
or "no date was promised"), or clear their word (back to GAO's text). Their
latest word holds while GAO's comment is unchanged, that is while the
comment's fingerprint is the one the word was made against; when GAO changes
the comment, the newly read promise is current again (and the owner is asked
once more before a reminder is based on it).

Each promise carries its ``source``: "gao" (read), "confirmed" (read, and the
owner said it is right) or "corrected" (the owner's date).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import TypeGuard

from .calendar import utc_z
from .promises import Promise

LOW_CONFIDENCE = 0.8  # a read promise below this is put to its owner before any reminder is based on it
ACTIONS = ("set", "none", "confirm", "clear")


class SourcedPromise:
    """A promise read by ``promises.py`` (any of its fields, through this wrapper) with where it comes from:
    "gao", "confirmed" or "corrected". A wrapper rather than a subclass, so the reader's Promise may change."""
    __slots__ = ("promise", "source")

    def __init__(self, promise: Promise, source: str = "gao"):
        self.promise = promise
        self.source = source

    def __getattr__(self, name: str):
        return getattr(self.promise, name)

    def __eq__(self, other) -> bool:
        return isinstance(other, SourcedPromise) and (self.promise, self.source) == (other.promise, other.source)

    def __hash__(self) -> int:
        return hash((self.promise, self.source))

    def __repr__(self) -> str:
        return f"SourcedPromise({self.promise!r}, source={self.source!r})"

    def to_json(self) -> dict:
        return {**self.promise.to_json(), "source": self.source}


@dataclass(frozen=True)
class Decision:
    """The latest word of an owner or admin on a recommendation's promise."""
    action: str  # set | none | confirm | clear
    due: date | None
    reason: str | None
    actor: str
    at: datetime
    fingerprint: str
    via: str = ""
    id: int | None = None  # the stored row's

    def to_json(self) -> dict:
        return {"action": self.action, "due": self.due.isoformat() if self.due else None, "reason": self.reason,
                "by": self.actor, "at": _utc_z(self.at),
                "via": self.via}


def _utc_z(at: datetime) -> str:
    """``calendar.utc_z``, for a stored instant (aware UTC; a naive one, from old rows, is taken as UTC)."""
    return utc_z(at if at.tzinfo else at.replace(tzinfo=timezone.utc))


ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")  # invisible: never a change of GAO's text


def fingerprint(comment: str | None) -> str:
    """GAO's comment as it is for these rules: spacing and invisible characters aside (a re-import that only
    re-flows it, or adds a zero-width space, is no change)."""
    return hashlib.sha256(" ".join(ZERO_WIDTH.sub("", comment or "").split()).encode()).hexdigest()


def _made_against(decision: Decision, comment: str | None) -> bool:
    # a word recorded before invisible characters were set aside carries the fingerprint with them
    return decision.fingerprint in (fingerprint(comment),
                                    hashlib.sha256(" ".join((comment or "").split()).encode()).hexdigest())


def holds(decision: Decision | None, comment: str | None) -> TypeGuard[Decision]:
    """True when the owner's word is current: made against this comment, and not cleared."""
    return decision is not None and decision.action != "clear" and _made_against(decision, comment)


def lapsed(decision: Decision | None, comment: str | None) -> bool:
    """True when the owner had a word on an earlier comment, and GAO's comment has changed since."""
    return decision is not None and decision.action != "clear" and not _made_against(decision, comment)


def sourced(p: Promise | SourcedPromise, source: str | None = None, **changes) -> SourcedPromise:
    inner = p.promise if isinstance(p, SourcedPromise) else p
    return SourcedPromise(replace(inner, **changes) if changes else inner,
                          source or getattr(p, "source", None) or ("target" if inner.kind == "target" else "gao"))


def corrected_phrase(due: date) -> str:
    return f"{due:%B} {due.day}, {due.year}"


def effective(promises: list[Promise], decision: Decision | None, comment: str | None) -> list[SourcedPromise]:
    """The promises read, each with its source, and the owner's correction (if it holds) as the current one."""
    read = [sourced(p) for p in promises]
    if not holds(decision, comment):
        return read
    assert decision is not None
    cur = next((p for p in read if p.current), None)
    if decision.action == "confirm":
        if cur is None or cur.due != decision.due:  # the reading changed since: the confirmation is of another date
            return read
        return [sourced(p, source="confirmed") if p is cur else p for p in read]
    out = [sourced(p, current=False) for p in read]
    if decision.action == "set" and decision.due is not None:
        out.append(SourcedPromise(Promise(due=decision.due, phrase=corrected_phrase(decision.due),
                                          sentence=cur.sentence if cur else "", kind="corrected", stated=None,
                                          confidence=1.0, current=True), "corrected"))
    return out


def current(promises: list) -> Promise | SourcedPromise | None:
    return next((p for p in promises if p.current), None)


def effective_due(promises: list[Promise], decision: Decision | None, comment: str | None) -> date | None:
    cur = current(effective(promises, decision, comment))
    return cur.due if cur else None


def needs_asking(p: Promise | None, decision: Decision | None, comment: str | None) -> bool:
    """Put a read promise to its owner before reminding on it: when it was read with low confidence, or when the
    owner's earlier word lapsed because GAO changed the comment."""
    if p is None or getattr(p, "source", "gao") != "gao":
        return False
    return p.confidence < LOW_CONFIDENCE or lapsed(decision, comment)
