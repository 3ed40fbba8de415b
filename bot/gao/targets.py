"""A target date stated in a sheet's own column (IG trackers, an office's list) is a promise of kind
"target". It is the current promise: the tracker is the office's record of what was agreed, and it
names the date outright, so nothing in the free-text comment overrides it. Pure."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from .promises import Promise

KIND = "target"


def target_promise(due: date) -> Promise:
    return Promise(due=due, phrase=f"target date {due.isoformat()}",
                   sentence=f"The tracker states a target date of {due.isoformat()}.", kind=KIND,
                   stated=None, confidence=1.0, current=True, why="the tracker's own target-date column")


def with_target(promises: list[Promise], due: date | None) -> list[Promise]:
    """The promises read from the comment, plus the target (current) when there is one."""
    if due is None:
        return promises
    return [replace(p, current=False) for p in promises] + [target_promise(due)]
