"""Outbox delivery: one lane per channel, exactly once.

- **Lanes.** Only the holder of a channel's lane posts there. A lane is
  leased (``claim_timeout``); a heartbeat thread extends the lease and the
  claim of the post in flight while the holder is alive — also while the
  WebClient sleeps out a Retry-After — so no other process or pass can take
  a post over from a living owner. A killed holder stops beating and its
  lease runs out.
- **Pacing.** The lane keeps the time of its last post in the database, so the
  post interval holds across passes and processes. Lanes are served in turns:
  a slow or failing channel never holds up another.
- **Exactly once.** A post whose outcome is unknown (5xx, reset, timeout) is
  *uncertain*: before anything else is posted in that lane it is looked up by
  its key in every page of the channel (or thread) since it was written. A
  lookup that fails (rate limited, 5xx) leaves it uncertain; it is never
  posted again on a guess.
- **Permanent failures.** When Slack refuses a channel for good (the app is
  not in it, it is gone or archived), every waiting post of that lane is
  marked failed with the reason, the channel's subscribers get a direct
  message saying what failed and how to fix it, and the posts are tried again
  when the app joins the channel (``revive``) or, at most hourly, by a pass.
"""
from __future__ import annotations

from collections.abc import Collection

import json
import logging
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import func, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from storage.models import Outbox, OutboxLane, Reminder, Subscription
from storage.queries.reminders import plan_post
from storage.types import UTCDateTime, utcnow

from .. import metrics
from .. import messages as M
from .poster import LOCAL_CHANNEL, PermanentError, Poster, RetryLater, Uncertain, stored_message

if TYPE_CHECKING:
    from storage.db import Database

    from .outbox import Outbox as PostOutbox

log = logging.getLogger("gaorec.reminders")
NO_PACE = ("update", "ephemeral")  # edits and private notes: not channel messages
CHANNEL_ERRORS = ("not_in_channel", "channel_not_found", "is_archived")
REVIVE_AFTER = timedelta(hours=1)  # a pass retries posts that failed for a channel reason this long ago
FIX = {
    "not_in_channel": "gaorec is not a member of that channel. Invite it there with `/invite @gaorec`",
    "channel_not_found": "gaorec cannot see that channel (a private channel it was not invited to, or a deleted "
                         "one). Invite it there with `/invite @gaorec`",
    "is_archived": "that channel is archived. Unarchive it, or subscribe another channel",
}


def _utc() -> datetime:
    """Now, aware UTC (delivery runs on the real clock)."""
    return utcnow()


class Heartbeat:
    """While alive: extend the leases of the lanes held and the claim of the posts in flight."""

    def __init__(self, db, holder: str, lease: timedelta):
        self.db, self.holder, self.lease = db, holder, lease
        self.inflight: set[int] = set()
        self.lock = threading.Lock()  # held around each beat and around a post's final write
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gaorec-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        every = max(0.1, self.lease.total_seconds() / 4)
        while not self._stop.wait(every):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease has room for three
                log.warning("delivery heartbeat failed; retrying", exc_info=True)

    def beat(self) -> None:
        with self.lock, self.db.write() as s:
            now = _utc()
            s.execute(update(OutboxLane).where(OutboxLane.holder == self.holder)
                      .values(lease_until=now + self.lease).execution_options(synchronize_session=False))
            if self.inflight:
                s.execute(update(Outbox).where(Outbox.id.in_(sorted(self.inflight)), Outbox.state == "sending")
                          .values(claimed_at=now).execution_options(synchronize_session=False))


def send(poster: Poster, item: dict, payload: dict) -> str | None:
    """Hand one claimed post to the chat: an update, a direct message, an ephemeral note or a post."""
    kind = item["kind"]
    message = stored_message(payload)
    if kind == "update":
        poster.update(item["channel_id"], payload["ts"], message)
        return payload["ts"]
    if kind == "dm":  # to a user: chat.postMessage to a user id opens the app's direct message
        return poster.post(item["channel_id"], message, thread_ts=None, key=item["key"])
    if kind == "ephemeral":
        poster.ephemeral(item["channel_id"], payload["user"], message, item["thread_ts"])
        return None
    return poster.post(item["channel_id"], message, thread_ts=item["thread_ts"], key=item["key"],
                       reply_broadcast=bool(payload.get("reply_broadcast")))


class Delivery:
    """One delivery run: take the lanes with work, serve them in turns until nothing is left to do."""

    def __init__(self, db: Database, poster: Poster, *, lease: timedelta, pace: float,
                 stop: threading.Event | None = None, channels: Collection[str] | None = None):
        self.poster, self.db = poster, db
        self.channels = None if channels is None else list(channels)  # only these lanes (the shell: its own)
        self.stop = stop  # set: end the run after the post in flight (SIGTERM); what is left waits, pending
        self.holder = uuid.uuid4().hex[:16]
        self.lease = lease
        self.pace = pace
        self.held: dict[str, float] = {}  # channel -> wall-clock time of its last post
        self.stopped: set[str] = set()  # lanes done for this run (busy elsewhere, uncertain, rate limited)
        self.delivered = self.failed = 0

    # -- lanes -------------------------------------------------------------------
    def claimable(self):
        stale = _utc() - self.lease
        return (Outbox.state == "pending") | ((Outbox.state == "sending") & (Outbox.claimed_at < stale))

    def channels_with_work(self) -> list[str]:
        with self.db.session() as s:
            query = select(Outbox.channel_id).where(self.claimable())
            if self.channels is not None:
                query = query.where(Outbox.channel_id.in_(self.channels))
            else:  # the shell's channel is never Slack's: what a shell left in the database stays there
                query = query.where(Outbox.channel_id != LOCAL_CHANNEL)
            return list(s.scalars(query.distinct()))

    def take(self, channel: str) -> bool:
        with self.db.session() as s:  # a lane visibly held by a living holder costs no write transaction
            lane = s.get(OutboxLane, channel)
            if lane is not None and lane.holder not in (None, self.holder) and lane.lease_until is not None \
                    and lane.lease_until >= _utc():
                return False
        try:
            with self.db.write() as s:
                now = _utc()
                lane = s.get(OutboxLane, channel, with_for_update=True)
                if lane is None:
                    s.add(OutboxLane(channel_id=channel, holder=self.holder, lease_until=now + self.lease))
                    s.flush()
                    last = None
                elif lane.holder in (None, self.holder) or lane.lease_until is None or lane.lease_until < now:
                    lane.holder, lane.lease_until = self.holder, now + self.lease
                    last = lane.last_post_at
                else:
                    return False
        except IntegrityError:  # another process created the lane at the same moment: it holds it
            return False
        self.held[channel] = last.timestamp() if last else 0.0
        return True

    def release(self) -> None:
        with self.db.write() as s:
            s.execute(update(OutboxLane).where(OutboxLane.holder == self.holder)
                      .values(holder=None, lease_until=None).execution_options(synchronize_session=False))
        self.held.clear()

    # -- the run -------------------------------------------------------------------
    def run(self) -> tuple[int, int]:
        with Heartbeat(self.db, self.holder, self.lease) as beat:
            self.beat = beat
            try:
                for _ in range(2):  # once more after the release: work written meanwhile is not left behind
                    self._serve()
                    self.release()
                    if self._stopping() or not set(self.channels_with_work()) - self.stopped:
                        break
            finally:
                if self.held:
                    self.release()
        return self.delivered, self.failed

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _serve(self) -> None:
        while not self._stopping():
            work = [c for c in self.channels_with_work() if c not in self.stopped]
            if not work:
                return
            for channel in work:
                if channel not in self.held and not self.take(channel):
                    self.stopped.add(channel)  # another delivery holds it and posts there
            ready = [c for c in work if c in self.held]
            if not ready:
                return
            channel = min(ready, key=lambda c: self.held[c])  # the lane that posted longest ago
            if not self.step(channel):
                self.stopped.add(channel)

    def step(self, channel: str) -> bool:
        """Claim the lane's oldest post, reconcile or send it, record the outcome."""
        with self.db.write() as s:
            claimable = self.claimable()
            row = s.scalar(select(Outbox).where(Outbox.channel_id == channel, claimable).order_by(Outbox.id)
                           .limit(1).with_for_update(skip_locked=True))
            if row is None:
                return False
            uncertain = row.state == "sending"
            now = _utc()
            claimed = cast(CursorResult, s.execute(update(Outbox).where(Outbox.id == row.id, claimable).values(
                state="sending", claimed_at=now,
                first_claimed_at=func.coalesce(Outbox.first_claimed_at, literal(now, UTCDateTime())),
                attempts=Outbox.attempts + 1)
                .execution_options(synchronize_session=False))).rowcount
            if claimed != 1:
                return False
            s.refresh(row)
            if row.thread_ts is None and row.kind in ("ack", "status", "snooze") and row.reminder_id:
                rem = s.get(Reminder, row.reminder_id)
                row.thread_ts = rem.thread_ts if rem else None
            parent_key = json.loads(row.payload).get("parent_key")
            if row.thread_ts is None and parent_key:  # a reply under a post of ours (the digest's thread)
                row.thread_ts = s.scalar(select(Outbox.result_ts).where(Outbox.key == parent_key))
            item = {c: getattr(row, c) for c in ("id", "key", "kind", "channel_id", "thread_ts", "payload",
                                                 "created_at", "first_claimed_at", "reminder_id")}
        with self.beat.lock:
            self.beat.inflight.add(item["id"])
        payload = json.loads(item["payload"])
        ts, error, state = None, None, "sent"
        posted = False
        try:
            if uncertain:
                try:
                    since = min(item["created_at"], item["first_claimed_at"] or item["created_at"])
                    ts = self.poster.find(item["channel_id"], item["key"], item["thread_ts"],
                                          since - timedelta(minutes=1))
                except (RetryLater, Uncertain) as exc:  # the lookup failed: still unknown, never re-posted
                    raise Uncertain(f"lookup failed: {exc}") from None
            if ts is None:
                if item["kind"] not in NO_PACE:
                    wait = self.pace - (time.time() - self.held.get(channel, 0.0))
                    if wait > 0:
                        time.sleep(wait)
                ts = send(self.poster, item, payload)
                posted = item["kind"] not in NO_PACE
        except PermanentError as exc:
            state, error = "failed", str(exc)[:300]
        except RetryLater as exc:
            state, error = "pending", str(exc)[:300]
        except Uncertain as exc:
            state, error = "sending", str(exc)[:300]
        if posted:
            self.held[channel] = time.time()
        with self.beat.lock:
            self.beat.inflight.discard(item["id"])
            with self.db.write() as s:
                values: dict[str, object] = {"state": state, "error": error}
                if state == "sent":
                    values.update(sent_at=_utc(), result_ts=ts)
                if state == "sending":  # unknown outcome: reconciled by key before anything else in this lane
                    values.update(claimed_at=_utc() - self.lease - timedelta(seconds=1))
                s.execute(update(Outbox).where(Outbox.id == item["id"]).values(**values))
                if posted:
                    s.execute(update(OutboxLane).where(OutboxLane.channel_id == channel)
                              .values(last_post_at=_utc()).execution_options(synchronize_session=False))
                if state == "sent" and item["kind"] == "reminder" and item["reminder_id"]:
                    s.execute(update(Reminder).where(Reminder.id == item["reminder_id"]).values(thread_ts=ts))
                if state == "failed" and error in CHANNEL_ERRORS:
                    self._channel_failed(s, channel, error)
        if state == "sent":
            self.delivered += 1
            metrics.POSTS.labels(item["kind"]).inc()
        elif state == "failed":
            self.failed += 1
            log.warning("post %s failed for good: %s", item["key"], error)
            if error in CHANNEL_ERRORS:
                self.stopped.add(channel)
        else:
            self.stopped.add(channel)  # rate limited or uncertain: this lane waits for the next delivery
            log.warning("post %s not confirmed (%s); it is retried on the next delivery", item["key"], error)
        return True

    def _channel_failed(self, s, channel: str, error: str) -> None:
        """The channel refused for good: the lane's other waiting posts would too. Tell its subscribers."""
        rows = s.execute(update(Outbox).where(Outbox.channel_id == channel, Outbox.state == "pending")
                         .values(state="failed", error=error, claimed_at=_utc())
                         .execution_options(synchronize_session=False)).rowcount
        self.failed += rows or 0
        if channel[:1] in ("U", "W", "D"):  # a direct message itself: nobody else to tell
            return
        waiting = s.scalar(select(Outbox.id).where(Outbox.channel_id == channel, Outbox.state == "failed")
                           .order_by(Outbox.id.desc()).limit(1))
        users = sorted(set(s.scalars(select(Subscription.created_by).where(Subscription.channel_id == channel))))
        n = len(list(s.scalars(select(Outbox.id).where(Outbox.channel_id == channel, Outbox.state == "failed"))))
        fix = FIX.get(error, "Check the channel")
        for user in users:
            text = M.text(M.icon("warning"), "gaorec could not post in ", M.channel(channel), ": Slack said ",
                          M.code(error), f". {fix}; the {n} waiting post{'s' if n != 1 else ''} (reminders for your "
                          "subscription) are then sent automatically.")
            plan_post(s, f"access:{user}:{channel}:{error}:{_utc():%Y-%m-%d}", "dm", user, None, None, _utc(),
                      {"message": M.Message(text=text).to_dict(), "failed_id": waiting})


def revive(db: Database, channel: str | None = None, *, older_than: timedelta | None = None) -> int:
    """Posts that failed for a channel reason go back to pending: all of a channel's (the app was just
    invited), or, with older_than, those whose last attempt is at least that old (a periodic retry)."""
    with db.write() as s:
        q = update(Outbox).where(Outbox.state == "failed", Outbox.error.in_(CHANNEL_ERRORS))
        if channel is not None:
            q = q.where(Outbox.channel_id == channel)
        if older_than is not None:
            q = q.where(Outbox.claimed_at < _utc() - older_than)
        n = cast(CursorResult, s.execute(q.values(state="pending", error=None)
                                         .execution_options(synchronize_session=False))).rowcount
    if n:
        log.info("%d post(s) that failed for a channel reason are tried again%s", n,
                 f" in {channel}" if channel else "")
    return n or 0


class DeliveryWorker:
    """The delivery job of `gaorec serve`: a thread that delivers the outbox when woken (a command or an
    answer wrote to it) and otherwise checks every `poll` seconds. Commands never deliver themselves."""

    def __init__(self, outbox: PostOutbox, poster: Poster, poll: float = 2.0):
        self.outbox, self.poster, self.poll = outbox, poster, poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gaorec-delivery", daemon=True)

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if self.outbox.has_work():
                    self.outbox.deliver(self.poster, stop=self._stop)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("outbox delivery failed")
            metrics.DELIVERY_ROUNDS.inc()
