"""Words and blocks for what GAO stopped listing (pure): the thread note with its outcome buttons, the line
on cards, the outcome confirmation. Every message's text says it all (Section 508)."""
from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

OUTCOME_ACTIONS = {"implemented": "gaorec_outcome_implemented", "not-implemented": "gaorec_outcome_not_implemented",
                   "open": "gaorec_outcome_open"}
OUTCOME_WORDS = {"implemented": "marked implemented", "not-implemented": "marked not implemented",
                 "open": "marked still open"}


def day(d: date | None) -> str:
    """2026-09-28 -> 'Sep 28, 2026'."""
    return f"{d:%b} {d.day}, {d.year}" if d else "an earlier import"


def unlisted_note_text(key: str, as_of: date | None, last_listed: date | None) -> str:
    return (f"GAO no longer lists this as open (export of {day(as_of)}): probably closed. "
            f"`{key}` was last listed on {day(last_listed)}; reminders for it stopped. The owner or an admin can "
            f"mark what became of it: Implemented, Not implemented or Still open "
            f"(or `/gaorec outcome {key} implemented|not-implemented|open`).")


def unlisted_note_blocks(key: str, as_of: date | None, last_listed: date | None) -> list[Block]:
    from . import _button

    value = json.dumps({"k": key})
    return [
        SectionBlock(block_id=f"unlisted:{key}", text={"type": "mrkdwn", "text": f":grey_question: "
                                                       f"{unlisted_note_text(key, as_of, last_listed)}"}),
        ActionsBlock(block_id=f"outcome:{key}", elements=[
            _button("Implemented", OUTCOME_ACTIONS["implemented"], value),
            _button("Not implemented", OUTCOME_ACTIONS["not-implemented"], value),
            _button("Still open", OUTCOME_ACTIONS["open"], value),
        ]),
    ]


def outcome_line(outcome: str, user: str, on: date) -> str:
    from . import owner_markup

    return f":memo: {OUTCOME_WORDS[outcome].capitalize()} by {owner_markup(user)} on {on.isoformat()}."


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
