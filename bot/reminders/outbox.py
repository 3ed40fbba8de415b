"""The outbox: every post gaorec makes goes through it, exactly once.

Posts are planned (``storage.queries.reminders.plan_post``) in the transaction that decided them, under a
unique key. Delivery then claims each row, sends it through a Poster (bot/reminders/poster.py) with the key
attached and records the outcome; a post whose outcome is unknown is looked up by its key before anything else
is posted in its channel (bot/reminders/delivery.py: lanes, leases, pacing, reconciliation).

The outbox knows nothing of GAO's records: it needs the database, the pace and the claim timeout."""
from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime, timedelta

from storage.db import Database
from storage.queries import reminders as q
from storage.types import utcnow

from .delivery import Delivery, revive
from .poster import Poster

CLAIM_TIMEOUT = timedelta(minutes=5)  # a "sending" row older than this: its outcome is unknown


class Outbox:
    def __init__(self, db: Database, *, pace_seconds: float = 1.0, claim_timeout: timedelta = CLAIM_TIMEOUT):
        self.db = db
        self.pace_seconds = pace_seconds  # at most one post per this many seconds in each channel
        self.claim_timeout = claim_timeout  # a lane's lease, and how long a claim holds without a heartbeat

    def deliver(self, poster: Poster, now: datetime | None = None, *,
                stop: threading.Event | None = None, channels: Collection[str] | None = None) -> tuple[int, int]:
        """Send every pending post (and reconcile uncertain ones): one lane per channel, at most one post per
        pace_seconds in each, lanes served in turns (see delivery.py); once ``stop`` is set, nothing more after
        the post in flight. ``channels``: only these lanes (the shell delivers its own channel's posts, never
        those waiting for Slack). Returns (delivered, failed). Delivery runs on the real clock (leases are real
        time), whatever ``now`` the caller simulates."""
        return Delivery(self.db, poster, lease=self.claim_timeout, pace=self.pace_seconds, stop=stop,
                        channels=channels).run()

    def pending(self) -> int:
        """Posts written but not yet confirmed sent."""
        with self.db.session() as s:
            return q.pending_count(s)

    def has_work(self) -> bool:
        """Is anything claimable: pending, or uncertain and no longer claimed by a living delivery?"""
        with self.db.session() as s:
            return q.claimable_exists(s, utcnow() - self.claim_timeout)

    def revive(self, channel: str | None = None, *, older_than: timedelta | None = None) -> int:
        """Posts that failed for a channel reason go back to pending (delivery.revive)."""
        return revive(self.db, channel, older_than=older_than)
