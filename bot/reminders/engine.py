"""Reminders, by capability, each with its own narrow dependencies:

- planning.py (``Planner``): what is due — the reminder pass, follow-ups and escalations, the question about a
  low-confidence date, and what happens to the threads of recommendations GAO changed;
- outbox.py (``Outbox``), delivery.py, poster.py: the posts, sent exactly once — claim, send, reconcile;
- answers.py (``Answers``): acknowledgements, snoozes, a word on the promise, and who may answer;
- digest.py (``Digest``): the weekly digest.

The database is the source of truth: planning and answers write posts into the outbox in the transaction that
decided them; delivery sends them. ``Engine`` only wires the parts (bot/service.py builds them) so that every
surface keeps one handle, ``service.reminders``."""
from __future__ import annotations

from .answers import Answers
from .digest import Digest
from .outbox import Outbox
from .planning import Planner


class Engine:
    """The reminder parts, wired for the call sites: each name is the part's own method."""

    def __init__(self, *, planner: Planner, outbox: Outbox, answers: Answers, digest: Digest):
        self.planner, self.outbox, self.answers, self.digests = planner, outbox, answers, digest
        # planning: what is due
        self.run_pass = planner.run_pass
        self.after_import = planner.after_import
        self.after_reread = planner.after_reread
        # the outbox: claim, send, reconcile
        self.deliver = outbox.deliver
        self.pending = outbox.pending
        # answers
        self.acknowledge = answers.acknowledge
        self.snooze = answers.snooze
        self.snooze_key = answers.snooze_key
        self.promise_answered = answers.promise_answered
        self.may_act_on = answers.may_act_on
        self.reminder_for_thread = answers.reminder_for_thread
        # the weekly digest
        self.digest = digest.run
