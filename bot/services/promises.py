"""Owners confirm or correct the promise gaorec read: one function for every
surface (the CLI, /gaorec promise, the reminder's buttons and modal).

A word is stored (with who, when, why, and the fingerprint of GAO's comment it
was made against) and written to the audit log; the recommendation's
``current_due`` is set to the effective promise so overdue, reminders,
digests and exports follow it; reminders for a date that is no longer the
promise stop, with a note in their threads."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update

from storage import repo
from storage.models import Recommendation
from storage.queries import corrections

from .. import messages as M
from .. import people
from ..gao import effective as ge
from ..words import clip

MAX_REASON = 1000


@dataclass
class Outcome:
    ok: bool
    text: str  # one line, plain (no markup): for the CLI and errors
    body: M.Text = field(default_factory=list)  # the same as neutral spans (each chat renders its mentions)
    key: str | None = None
    owner: str | None = None
    refused: bool = False  # the user may not answer for this recommendation
    data: dict = field(default_factory=dict)  # the JSON contract: key, action, promise, correction

def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_command(rest: str) -> tuple[str, str, date | None, str | None] | str:
    """'KEY DATE|none|confirm|clear [reason]' -> (key, action, due, reason), or a usage line."""
    usage = "Usage: /gaorec promise KEY YYYY-MM-DD|none|confirm|clear [reason]"
    m = re.match(r"^(\S+)\s+(\S+)\s*(.*)$", rest.strip())
    if not m:
        return usage
    key, what, reason = m.group(1), m.group(2).lower(), m.group(3).strip() or None
    if what in ("none", "confirm", "clear"):
        return key, what, None, reason
    due = parse_date(what)
    if due is None:
        return f"“{what}” is not a date like 2027-06-30, nor none, confirm or clear. {usage}"
    return key, "set", due, reason


def apply(service, key: str, action: str, *, actor: str, via: str, due: date | None = None,
          reason: str | None = None, check: bool = True, now: datetime | None = None,
          shown: date | None = None) -> Outcome:
    """Record an owner's word on a recommendation's promise. ``check``: only the owner or an admin may (the
    reminder engine's rule); the CLI, run by whoever runs the database, does not check. ``shown``: the date a
    confirmation was asked about (a button); when gaorec now reads another, nothing is confirmed."""
    if action not in ge.ACTIONS:
        raise ValueError(action)
    from storage.types import utc

    now_utc = utc(now)
    reason = (reason or "").strip()[:MAX_REASON] or None
    if action == "set" and due is None:
        return Outcome(False, "give the corrected date as YYYY-MM-DD")
    if action == "set" and due is not None and not date(1990, 1, 1) <= due <= date(2100, 12, 31):
        return Outcome(False, f"{due} is not a plausible promised date")
    engine = service.reminders
    with service.db.write() as s:
        repo.lock_record(s, key)  # a pass reading the comments again is waited for, then seen
        v = repo.get(s, key)
        if v is None:
            return Outcome(False, f"no recommendation has the key {key.strip()!r}")
        if check:
            ok, owner = engine.may_act_on(s, v.id, actor)
            if not ok:
                body = M.text("Only ", M.user(owner), " or an admin can confirm or correct the promise of ",
                              M.code(v.key), "; nothing was recorded.")  # the mention: each chat renders its own
                return Outcome(False, M.to_plain(body), body=body, key=v.key, owner=owner, refused=True)
        read = corrections.read_current(s, v.id)
        if action == "confirm":
            if read is None:
                return Outcome(False, f"{v.key}: GAO's comment holds no date to confirm; if that is right there is "
                                      "nothing to do (or correct it with a date)", key=v.key)
            due = read.due
            if shown is not None and shown != read.due:
                return Outcome(False, f"{v.key}: gaorec now reads {read.due} from GAO's comment, not the {shown} that "
                                      "message showed; nothing was confirmed. Look at the recommendation again "
                                      f"(/gaorec show {v.key}), then confirm or correct it.", key=v.key)
        if action == "clear" and (v.decision is None or v.decision.action == "clear"):
            return Outcome(False, f"{v.key}: there is no correction or confirmation to clear", key=v.key)
        d = v.decision
        if (action in ("set", "none", "confirm") and ge.holds(d, v.comments) and d.action == action
                and d.due == due and (d.reason or None) == reason):  # the same word again: nothing new to record
            data = _contract(v.key, action, v.current_promise, d, read, threads=0) | {"already": True}
            on = service.today(d.at)
            return Outcome(True, f"{v.key}: already recorded ({d.actor}, {on}); nothing new was written",
                           body=M.text(M.code(v.key), ": already recorded by ",
                                       M.user(d.actor) if people.is_person(d.actor) else d.actor,
                                       f" on {on}; nothing new was written."), key=v.key, owner=v.owner,
                           data=data)
        # an owner's correction that held is replaced (by design: the latest word holds); the answer says so
        replaced = d if ge.holds(d, v.comments) and d.action in ("set", "none") else None
        word = corrections.add(s, v.id, action=action, due=due, reason=reason, read=read, comment=v.comments,
                               actor=actor, via=via, now=now_utc)
        after = repo.get(s, v.key)
        assert after is not None  # read in this transaction
        cur = after.current_promise
        new_due = cur.due if cur else None
        s.execute(update(Recommendation).where(Recommendation.id == v.id).values(current_due=new_due))
        line = answer_line(action, actor, read, cur, reason)
        threads = engine.promise_answered(s, v.id, word.id, line, now_utc, new_due=new_due)
    data = _contract(v.key, action, cur, after.decision, read, threads=threads)
    return Outcome(True, plain_line(v.key, action, read, cur) + replaced_words(replaced, service.today), body=line,
                   key=v.key, owner=v.owner, data=data)


def _contract(key: str, action: str, cur, decision, read, *, threads: int) -> dict:
    """The JSON contract of an answer: key, action, the current promise, the owner's word, what was read."""
    return {"key": key, "action": action, "promise": cur.to_json() if cur else None,
            "correction": decision.to_json() if decision else None, "read": read.to_json() if read else None,
            "threads": threads}


def _read_words(read) -> str:
    return f"“{read.phrase}”, due {read.due}" if read else "no date"


def plain_line(key: str, action: str, read, cur) -> str:
    if action == "set":
        return f"{key}: the promise is now due {cur.due} (corrected; gaorec had read {_read_words(read)})"
    if action == "none":
        return f"{key}: no date was promised (corrected; gaorec had read {_read_words(read)})"
    if action == "confirm":
        return f"{key}: confirmed {_read_words(read)}"
    return f"{key}: back to what GAO's comment says: {_read_words(cur)}"


def replaced_words(d, day: Callable[[datetime], date]) -> str:
    """"; this replaces the corrected date 2027-06-30 set by cli:dana on 2026-11-29" (or "" when nothing was)."""
    if d is None:
        return ""
    what = f"the corrected date {d.due}" if d.action == "set" else "the correction “no date was promised”"
    return f"; this replaces {what} set by {d.actor} on {day(d.at)}"


def answer_line(action: str, actor: str, read, cur, reason: str | None) -> M.Text:
    """What the thread and the reminder show (neutral spans: the actor is a mention when it is a user id)."""
    who = M.user(actor) if people.is_person(actor) else M.plain(actor)
    why = f": “{clip(reason, 500)}”" if reason else None
    read_words = _read_words(read)
    if action == "set":
        return M.text(M.icon("pencil2"), "Date corrected by ", who,
                      f": now due {cur.due} (gaorec had read {read_words})", why)
    if action == "none":
        return M.text(M.icon("pencil2"), who, f" says no date was promised (gaorec had read {read_words})", why)
    if action == "confirm":
        return M.text(M.icon("white_check_mark"), "Date confirmed by ", who, f": {read_words}", why)
    return M.text(M.icon("leftwards_arrow_with_hook"), "Correction cleared by ", who, ": the date is read from GAO's "
                  f"comment again, {_read_words(cur)}", why)
