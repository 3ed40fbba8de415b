"""Words and messages for what GAO stopped listing (pure): the thread note with its outcome buttons, the line
on cards, the outcome confirmation. Every message's text says it all (Section 508)."""
from __future__ import annotations

import json
from datetime import date

from .. import messages as M
from ..messages import Action, Actions, Message, Section

OUTCOME_ACTIONS = {"implemented": "gaorec_outcome_implemented", "not-implemented": "gaorec_outcome_not_implemented",
                   "open": "gaorec_outcome_open"}
OUTCOME_WORDS = {"implemented": "marked implemented", "not-implemented": "marked not implemented",
                 "open": "marked still open"}


def day(d: date | None) -> str:
    """2026-09-28 -> 'Sep 28, 2026'."""
    return f"{d:%b} {d.day}, {d.year}" if d else "an earlier import"


def unlisted_note_text(key: str, as_of: date | None, last_listed: date | None) -> M.Text:
    return M.text(f"GAO no longer lists this as open (export of {day(as_of)}): probably closed. ", M.code(key),
                  f" was last listed on {day(last_listed)}; reminders for it stopped. The owner or an admin can "
                  f"mark what became of it: Implemented, Not implemented or Still open (or ",
                  M.code(f"/gaorec outcome {key} implemented|not-implemented|open"), ").")


def unlisted_note_message(key: str, as_of: date | None, last_listed: date | None) -> Message:
    value = json.dumps({"k": key})
    words = unlisted_note_text(key, as_of, last_listed)
    return Message([
        Section(M.text(M.icon("grey_question"), words), id=f"unlisted:{key}"),
        Actions([Action(OUTCOME_ACTIONS["implemented"], "Implemented", value),
                 Action(OUTCOME_ACTIONS["not-implemented"], "Not implemented", value),
                 Action(OUTCOME_ACTIONS["open"], "Still open", value)], f"outcome:{key}"),
    ], words)


def unlisted_note_blocks(key: str, as_of: date | None, last_listed: date | None) -> list[dict]:
    from .render import blocks

    return blocks(unlisted_note_message(key, as_of, last_listed))


def outcome_line(outcome: str, user: str, on: date) -> M.Text:
    return M.text(M.icon("memo"), f"{OUTCOME_WORDS[outcome].capitalize()} by ", M.user(user), f" on {on.isoformat()}.")


def listing_line(v) -> str | None:
    """On cards: why a recommendation GAO stopped listing is not reminded (None while listed)."""
    if v.listed:
        return None
    line = (f"Not listed by GAO since the export of {day(v.as_of)} (last listed {day(v.last_listed)}): "
            f"probably closed; not reminded")
    if v.outcome:
        line += f"; {OUTCOME_WORDS.get(v.outcome, v.outcome)}"
        if v.outcome == "open":
            line += " (reminded again)"
    return line + "."
