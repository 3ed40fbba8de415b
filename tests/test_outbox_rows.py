"""The outbox on its own: hand-made outbox rows in a real database (no GAO data, no reminder), delivered through a
recording chat. Exactly once, whatever happens between the send and the record of it."""
from __future__ import annotations

import threading
from datetime import timedelta
from itertools import count, pairwise

import pytest
from sqlalchemy import select

from bot import messages as M
from bot.reminders.outbox import Outbox
from bot.reminders.poster import PermanentError, RetryLater, Uncertain
from storage import repo
from storage.db import Database
from storage.models import Outbox as OutboxRow
from storage.queries.reminders import plan_post
from storage.types import utcnow

C1, C2 = "C0ONE", "C0TWO"


class RecordingChat:
    """A chat that keeps every message it was given, and fails the way it is told to. ``post_outcomes`` and
    ``find_outcomes`` are played in order, one per call, then every call succeeds:

    - "ok": the post is made and its ts answered;
    - "lost": the post is made, then the answer is lost (a reset, a timeout): Uncertain;
    - "unreached": the request never reached the chat, but the caller cannot know: Uncertain;
    - "429": rate limited, nothing posted: RetryLater;
    - any other word: the chat refuses for good with that error: PermanentError.

    ``refusing``: channel -> the error every post there gets (the app is not in it), until removed."""

    def __init__(self, post_outcomes: list[str] | None = None, find_outcomes: list[str] | None = None,
                 refusing: dict[str, str] | None = None):
        self.post_outcomes = list(post_outcomes or [])
        self.find_outcomes = list(find_outcomes or [])
        self.refusing = dict(refusing or {})
        self.messages: list[dict] = []  # what the channels show: channel, ts, thread_ts, key, text
        self.updates: list[tuple[str, str, str]] = []
        self.posts_tried = 0
        self.finds: list[str] = []  # the keys looked up
        self.post_times: list[float] = []
        self._ts = count(1)
        self._lock = threading.Lock()  # two deliveries may call at once

    def post(self, channel, message, *, thread_ts, key, reply_broadcast=False) -> str:
        import time

        with self._lock:
            self.posts_tried += 1
            if channel in self.refusing:
                raise PermanentError(self.refusing[channel])
            outcome = self.post_outcomes.pop(0) if self.post_outcomes else "ok"
            if outcome == "429":
                raise RetryLater("rate limited: ratelimited")
            if outcome == "unreached":
                raise Uncertain("ConnectionResetError: before the request was read")
            if outcome not in ("ok", "lost"):
                raise PermanentError(outcome)
            ts = f"1700000000.{next(self._ts):06d}"
            self.messages.append({"channel": channel, "ts": ts, "thread_ts": thread_ts, "key": key,
                                  "text": M.to_plain(message.text)})
            self.post_times.append(time.monotonic())
            if outcome == "lost":
                raise Uncertain("TimeoutError: the answer never came")
            return ts

    def update(self, channel, ts, message) -> None:
        with self._lock:
            self.updates.append((channel, ts, M.to_plain(message.text)))

    def ephemeral(self, channel, user, message, thread_ts=None) -> None:
        raise AssertionError("no ephemeral note in these tests")

    def find(self, channel, key, thread_ts, oldest) -> str | None:
        with self._lock:
            self.finds.append(key)
            outcome = self.find_outcomes.pop(0) if self.find_outcomes else "ok"
            if outcome == "429":
                raise RetryLater("rate limited: ratelimited")
            if outcome != "ok":
                raise Uncertain(f"Slack answered {outcome}")
            return next((m["ts"] for m in self.messages if m["channel"] == channel and m["key"] == key), None)

    def keys(self, channel: str | None = None) -> list[str]:
        return [m["key"] for m in self.messages if channel is None or m["channel"] == channel]


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


def outbox(db: Database, **kw) -> Outbox:
    return Outbox(db, pace_seconds=kw.pop("pace_seconds", 0.0), claim_timeout=kw.pop("claim_timeout",
                                                                                      timedelta(seconds=30)))


def plan(db: Database, *rows: tuple[str, str], kind: str = "reminder", payload: dict | None = None) -> None:
    """(key, channel) rows, each a post saying its key."""
    with db.write() as s:
        for key, channel in rows:
            assert plan_post(s, key, kind, channel, None, None, utcnow(),
                             payload or {"message": M.Message(text=M.text(f"post {key}")).to_dict()})


def rows(db: Database) -> dict[str, OutboxRow]:
    with db.session() as s:
        return {r.key: r for r in s.scalars(select(OutboxRow))}


def interrupted(db: Database, key: str, channel: str, *, claimed_ago: timedelta) -> None:
    """A row as a delivery leaves it when its process dies after claiming it (and perhaps after posting)."""
    at = utcnow() - claimed_ago
    with db.write() as s:
        s.add(OutboxRow(key=key, kind="reminder", channel_id=channel, thread_ts=None, reminder_id=None,
                        payload='{"message": {"parts": [], "text": [{"kind": "plain", "text": "interrupted"}]}}',
                        state="sending", attempts=1, created_at=at - timedelta(seconds=5), claimed_at=at,
                        first_claimed_at=at))


def test_each_post_is_sent_once_and_its_ts_recorded(db):
    plan(db, ("a", C1), ("b", C1), ("c", C2))
    chat = RecordingChat()
    box = outbox(db)
    assert box.pending() == 3 and box.has_work()
    assert box.deliver(chat) == (3, 0)
    assert sorted(chat.keys()) == ["a", "b", "c"] and chat.keys(C1) == ["a", "b"]  # in order within a channel
    assert {k: (r.state, r.result_ts, r.attempts) for k, r in rows(db).items()} == {
        m["key"]: ("sent", m["ts"], 1) for m in chat.messages}
    assert box.deliver(chat) == (0, 0) and len(chat.messages) == 3 and chat.finds == []
    assert box.pending() == 0 and not box.has_work()
    with db.write() as s:  # planned again under the same key (a second pass, a retried answer): nothing new
        assert not plan_post(s, "a", "reminder", C1, None, None, utcnow(), {"message": {}})
    assert box.deliver(chat) == (0, 0) and len(chat.messages) == 3


def test_a_post_whose_answer_was_lost_is_found_by_its_key_and_not_posted_again(db):
    plan(db, ("a", C1), ("b", C1), ("c", C2))
    chat = RecordingChat(post_outcomes=["lost"])  # the first post lands, its answer does not
    box = outbox(db)
    assert box.deliver(chat) == (1, 0)  # the other channel is not held up
    after = rows(db)
    assert after["a"].state == "sending" and "TimeoutError" in after["a"].error
    assert after["b"].state == "pending"  # nothing else is posted in that channel before "a" is reconciled
    assert after["c"].state == "sent"
    assert box.pending() == 2 and box.has_work()  # the uncertain one is claimable again at once
    assert box.deliver(chat) == (2, 0)
    assert chat.finds == ["a"]  # looked up by its key first ...
    assert chat.keys(C1) == ["a", "b"] and chat.posts_tried == 3  # ... and not posted a second time
    after = rows(db)
    assert after["a"].state == "sent" and after["a"].result_ts == chat.messages[0]["ts"] and after["a"].error is None
    assert after["a"].attempts == 2


def test_a_post_that_never_reached_the_chat_is_posted_once_after_the_lookup(db):
    plan(db, ("a", C1))
    chat = RecordingChat(post_outcomes=["unreached"])
    box = outbox(db)
    assert box.deliver(chat) == (0, 0) and chat.messages == []
    assert box.deliver(chat) == (1, 0)
    assert chat.finds == ["a"] and chat.keys() == ["a"]
    assert rows(db)["a"].result_ts == chat.messages[0]["ts"]


@pytest.mark.parametrize("posted_before_the_crash", [True, False])
def test_a_crash_between_send_and_record_is_reconciled_by_key(db, posted_before_the_crash):
    """The process died after claiming the row: its claim runs out, and the next delivery looks the key up in the
    channel. Found: the ts is recorded and nothing is posted. Not found: it is posted, once."""
    chat = RecordingChat()
    if posted_before_the_crash:
        chat.messages.append({"channel": C1, "ts": "1699999999.000001", "thread_ts": None, "key": "a",
                              "text": "interrupted"})
    interrupted(db, "a", C1, claimed_ago=timedelta(minutes=10))
    box = outbox(db, claim_timeout=timedelta(minutes=5))
    assert box.has_work()
    assert box.deliver(chat) == (1, 0)
    assert chat.finds == ["a"] and chat.keys() == ["a"]
    row = rows(db)["a"]
    assert row.state == "sent" and row.result_ts == chat.messages[0]["ts"]
    assert chat.posts_tried == (0 if posted_before_the_crash else 1)
    assert box.deliver(chat) == (0, 0) and chat.keys() == ["a"]


def test_a_claim_held_by_a_living_delivery_is_left_alone(db):
    """Another process claimed the row a moment ago and may be posting it now: no lookup, no second post."""
    interrupted(db, "a", C1, claimed_ago=timedelta(seconds=1))
    chat = RecordingChat()
    box = outbox(db, claim_timeout=timedelta(minutes=5))
    assert not box.has_work() and box.pending() == 1
    assert box.deliver(chat) == (0, 0)
    assert chat.finds == [] and chat.posts_tried == 0 and rows(db)["a"].state == "sending"


def test_a_lookup_that_fails_never_posts_on_a_guess(db):
    plan(db, ("a", C1))
    chat = RecordingChat(post_outcomes=["lost"], find_outcomes=["429", "503"])
    box = outbox(db)
    box.deliver(chat)  # lost
    assert box.deliver(chat) == (0, 0)  # the lookup was rate limited: still unknown
    row = rows(db)["a"]
    assert row.state == "sending" and "lookup failed" in row.error
    assert box.deliver(chat) == (0, 0)  # the lookup failed again (a 5xx): still unknown
    assert chat.posts_tried == 1
    assert box.deliver(chat) == (1, 0)  # the lookup answers: found
    assert chat.finds == ["a", "a", "a"] and chat.keys() == ["a"] and chat.posts_tried == 1
    assert rows(db)["a"].state == "sent"


def test_rate_limited_stays_pending_and_is_sent_once_without_a_lookup(db):
    plan(db, ("a", C1), ("b", C1), ("c", C2))
    chat = RecordingChat(post_outcomes=["429"])
    box = outbox(db)
    delivered, failed = box.deliver(chat)
    assert failed == 0 and delivered == 1  # the rate-limited channel waits; the other is served
    after = rows(db)
    assert after["a"].state == "pending" and "rate limited" in after["a"].error
    assert after["b"].state == "pending" and chat.messages[0]["key"] == "c"
    assert box.deliver(chat) == (2, 0)
    assert chat.finds == []  # a 429 says it was not posted: nothing to reconcile
    assert chat.keys(C1) == ["a", "b"]
    assert rows(db)["a"].error is None and rows(db)["a"].attempts == 2


def test_a_permanent_error_fails_that_post_for_good(db):
    plan(db, ("a", C1), ("b", C1))
    chat = RecordingChat(post_outcomes=["invalid_blocks"])
    box = outbox(db)
    assert box.deliver(chat) == (1, 1)  # the next post in the channel still goes
    after = rows(db)
    assert after["a"].state == "failed" and after["a"].error == "invalid_blocks" and after["b"].state == "sent"
    assert box.deliver(chat) == (0, 0) and chat.posts_tried == 2 and chat.keys() == ["b"]
    assert box.revive(C1) == 0  # not a channel reason: never tried again
    assert box.pending() == 0


def test_a_channel_that_refuses_fails_its_lane_tells_its_subscribers_and_revives(db):
    plan(db, ("a", C2), ("b", C2), ("c", C2), ("d", C1))
    with db.write() as s:
        repo.subscribe(s, C2, "", "U0ANA", utcnow())
        repo.subscribe(s, C2, "dhs", "U0BEN", utcnow())
    chat = RecordingChat(refusing={C2: "not_in_channel"})
    box = outbox(db)
    delivered, failed = box.deliver(chat)
    assert failed == 3  # the refused post and the two waiting behind it in that channel
    after = rows(db)
    assert [after[k].state for k in "abc"] == ["failed"] * 3 and after["d"].state == "sent"
    dms = [m for m in chat.messages if m["channel"] in ("U0ANA", "U0BEN")]
    assert sorted(m["channel"] for m in dms) == ["U0ANA", "U0BEN"] and delivered == 1 + 2
    assert all("not_in_channel" in m["text"] and "3 waiting posts" in m["text"] for m in dms)
    assert box.deliver(chat) == (0, 0) and chat.posts_tried == 4  # nothing retried while the cause is there
    del chat.refusing[C2]  # the app was invited
    assert box.revive(C2) == 3
    assert box.deliver(chat) == (3, 0)
    assert chat.keys(C2) == ["a", "b", "c"]


def test_a_reply_under_a_post_of_ours_goes_in_its_thread(db):
    plan(db, ("digest:C0ONE", C1))
    plan(db, ("digest:C0ONE:0", C1), payload={"message": M.Message(text=M.text("details")).to_dict(),
                                              "parent_key": "digest:C0ONE"})
    chat = RecordingChat()
    assert outbox(db).deliver(chat) == (2, 0)
    parent, reply = chat.messages
    assert parent["thread_ts"] is None and reply["thread_ts"] == parent["ts"]


def test_an_update_edits_the_message_and_is_not_paced(db):
    plan(db, ("u", C1), kind="update", payload={"ts": "1699999999.000009",
                                                 "message": M.Message(text=M.text("now acknowledged")).to_dict()})
    chat = RecordingChat()
    assert outbox(db, pace_seconds=30.0).deliver(chat) == (1, 0)  # an edit does not wait out the pace
    assert chat.updates == [(C1, "1699999999.000009", "now acknowledged")] and chat.messages == []
    assert rows(db)["u"].result_ts == "1699999999.000009"


def test_posts_in_a_channel_keep_the_pace(db):
    plan(db, ("a", C1), ("b", C1), ("c", C1))
    chat = RecordingChat()
    assert outbox(db, pace_seconds=0.2).deliver(chat) == (3, 0)
    assert all(b - a >= 0.19 for a, b in pairwise(chat.post_times))


def test_two_deliveries_at_once_post_each_row_once(db):
    """Two processes (each its own Database and Outbox) deliver the same outbox at the same time."""
    plan(db, *[(f"{ch}:{i}", ch) for ch in (C1, C2) for i in range(6)])
    chat = RecordingChat()
    other = Database(db.url, upgrade=False)
    try:
        boxes = [outbox(db, pace_seconds=0.01), outbox(other, pace_seconds=0.01)]
        threads = [threading.Thread(target=b.deliver, args=(chat,)) for b in boxes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        boxes[0].deliver(chat)  # whatever a lane still held is done now
    finally:
        other.dispose()
    keys = chat.keys()
    assert sorted(keys) == sorted(f"{ch}:{i}" for ch in (C1, C2) for i in range(6)) and len(keys) == len(set(keys))
    assert {r.state for r in rows(db).values()} == {"sent"}
