"""The reminder engine against the fake Slack API through the real WebClient:
caps, follow-ups, escalation, quiet times, and exactly-once under faults."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from sqlalchemy import func, select, update

from bot.commands.records import history_reply
from bot.adapters.slack import SlackPoster, make_client
from config.settings import Settings
from bot.reminders.answers import Admins
from bot.service import Gaorec
from storage.models import Outbox, Recommendation, Reminder

from .conftest import CBP_PAGE

C1 = "C0001"
T0 = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)


@pytest.fixture
def rig(db_url, fake, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)

    def make(**overrides):
        settings = Settings(database_url=db_url, slack_bot_token="xoxb-t", slack_api_url=fake.api_url,
                            _env_file=None, **{"post_interval": 0.0, **overrides})
        app = Gaorec(settings)
        app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
        poster = SlackPoster(make_client(settings))
        with app.db.write() as s:
            from storage import repo
            repo.subscribe(s, C1, "", "U0ADMIN", repo.utcnow())
        return app, poster
    return make


def outbox_states(app) -> dict[str, int]:
    with app.db.session() as s:
        return dict(s.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all())


def test_cap_and_backlog_then_the_rest_later(rig, fake):
    app, poster = rig(reminder_cap=3)
    r = app.reminders.run_pass(T0, poster=poster)
    assert len([p for p in r.planned if p["kind"] == "reminder"]) == 3 and r.waiting == {C1: 4}
    top = fake.posts(C1, top_level=True)
    assert len(top) == 4 and "4 more overdue recommendations wait" in top[-1]["text"]
    app.reminders.run_pass(T0 + timedelta(hours=1), poster=poster)  # same day: the note is not repeated
    assert len(fake.posts(C1, top_level=True)) == 7
    app.reminders.run_pass(T0 + timedelta(hours=2), poster=poster)
    top = fake.posts(C1, top_level=True)
    assert len(top) == 8 and len([m for m in top if m["blocks"]]) == 7  # 3 + 3 + 1 reminders: each once


def test_priority_first_then_oldest_due(rig, fake):
    app, poster = rig(reminder_cap=3)
    (priority,) = [v.key for v in app.search("facial")[0] if v.rec_number == 10]  # due June 2024, the latest
    with app.db.write() as s:
        s.execute(update(Recommendation).where(Recommendation.key == priority).values(priority=True))
    app.reminders.run_pass(T0, poster=poster)
    first = [m["text"] for m in fake.posts(C1, top_level=True)][:3]
    assert f"recommendation {priority}:" in first[0] and "June 2024" in first[0]
    # then the two due 2023-09-30, the oldest: one says "fiscal year 2023", the other "FY2023"
    assert sorted(("fiscal year 2023" in t, "FY2023" in t) for t in first[1:]) == [(False, True), (True, False)]


def test_two_passes_at_the_same_instant_post_once(rig, fake):
    app, poster = rig()
    threads = [threading.Thread(target=app.reminders.run_pass, args=(T0,), kwargs={"poster": poster})
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.posts(C1, top_level=True)) == 7


def test_concurrent_deliveries_send_each_post_once(rig, fake):
    app, poster = rig()
    app.reminders.run_pass(T0)  # planned, not sent
    threads = [threading.Thread(target=app.reminders.deliver, args=(poster,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [m["metadata"]["event_payload"]["key"] for m in fake.posts(C1)]
    assert len(keys) == len(set(keys)) == 7


def test_crash_between_write_and_send_is_sent_once(rig, fake):
    app, poster = rig()
    app.reminders.run_pass(T0)  # planned and written; the process "dies" before delivering
    assert outbox_states(app) == {"pending": 7} and fake.posts(C1) == []
    app.reminders.deliver(poster)
    assert len(fake.posts(C1, top_level=True)) == 7 and outbox_states(app) == {"sent": 7}


def test_crash_after_the_send_reconciles_by_metadata(rig, fake):
    app, poster = rig()
    app.reminders.run_pass(T0, poster=poster)
    with app.db.write() as s:  # as if the process died after Slack took the post, before recording it
        s.execute(update(Outbox).values(state="sending", result_ts=None,
                                        claimed_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    app.reminders.deliver(poster)
    assert len(fake.posts(C1, top_level=True)) == 7
    assert outbox_states(app) == {"sent": 7} and fake.of("conversations.history")


def test_429_is_waited_out_and_posted_once(rig, fake):
    app, poster = rig()
    fake.fail("chat.postMessage", 429, retry_after=1, times=1)
    app.reminders.run_pass(T0, poster=poster)
    assert len(fake.posts(C1, top_level=True)) == 7
    assert outbox_states(app) == {"sent": 7}


def test_5xx_after_the_post_took_effect_is_not_duplicated(rig, fake):
    app, poster = rig()
    # Slack stores the message, then answers 500 three times (the client's retries included)
    fake.fail("chat.postMessage", 500, times=3, after_effect=True)
    app.reminders.run_pass(T0, poster=poster)  # delivery stops at an unknown outcome ...
    for _ in range(4):
        app.reminders.deliver(poster)  # ... and the next ones reconcile it (found by its key) and go on
    top = fake.posts(C1, top_level=True)
    keys = [m["metadata"]["event_payload"]["key"] for m in top]
    assert len(keys) == len(set(keys)) == 7
    assert outbox_states(app) == {"sent": 7}


def test_connection_reset_is_retried_without_duplicate(rig, fake):
    app, poster = rig()
    fake.fail("chat.postMessage", 0, reset=True, times=1)
    app.reminders.run_pass(T0, poster=poster)
    app.reminders.deliver(poster)
    keys = [m["metadata"]["event_payload"]["key"] for m in fake.posts(C1, top_level=True)]
    assert len(keys) == len(set(keys)) == 7


def test_down_for_days_posts_once_not_once_per_missed_run(rig, fake):
    app, poster = rig()
    app.reminders.run_pass(T0 + timedelta(days=20), poster=poster)
    assert len(fake.posts(C1, top_level=True)) == 7 and fake.posts(C1, top_level=False) == []


def test_followups_escalate_after_three_unanswered(rig, fake):
    app, poster = rig(escalation_contact="subteam:S0BOSS")
    for week in range(4):
        app.reminders.run_pass(T0 + timedelta(days=7 * week + (1 if week else 0)), poster=poster)
    replies = fake.posts(C1, top_level=False)
    plain = [m for m in replies if "reminder 2" in m["text"] or "reminder 3" in m["text"]]
    escalations = [m for m in replies if "Escalation" in m["text"]]
    assert len(plain) == 14 and len(escalations) == 7
    assert all(m["reply_broadcast"] and "<!subteam^S0BOSS>" in m["text"] for m in escalations)


def test_ack_quiet_for_30_days_then_reminded_again(rig, fake):
    app, poster = rig()
    app.reminders.run_pass(T0, poster=poster)
    with app.db.session() as s:
        rid = s.scalar(select(Reminder.id).order_by(Reminder.id).limit(1))
    assert app.reminders.acknowledge(rid, "U0ANY", "button", "on it", T0 + timedelta(hours=1)).ok
    assert app.reminders.acknowledge(rid, "U0ANY", "reaction", None, T0 + timedelta(hours=2)).duplicate
    app.reminders.deliver(poster)
    app.reminders.run_pass(T0 + timedelta(days=8), poster=poster)
    with app.db.session() as s:
        thread = s.scalar(select(Reminder.thread_ts).where(Reminder.id == rid))
    in_thread = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == thread]
    assert [("Acknowledged" in m["text"]) for m in in_thread] == [True]  # quiet: no follow-up yet
    app.reminders.run_pass(T0 + timedelta(days=32), poster=poster)
    in_thread = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == thread]
    assert len(in_thread) == 2 and "reminder 2" in in_thread[1]["text"]


def test_a_snooze_never_cuts_an_acknowledgements_quiet_days_short(rig, fake):
    """Acknowledged (quiet for 30 days), then snoozed for a week: the week would end the quiet sooner, so it is
    refused and nothing changes; a snooze past the 30 days is taken."""
    app, poster = rig()
    app.reminders.run_pass(T0, poster=poster)
    with app.db.session() as s:
        rid = s.scalar(select(Reminder.id).order_by(Reminder.id).limit(1))
    assert app.reminders.acknowledge(rid, "U0ANY", "button", "on it", T0 + timedelta(hours=1)).ok
    week = app.reminders.snooze(rid, "U0ANY", T0 + timedelta(days=8), "waiting", T0 + timedelta(hours=2))
    assert not week.ok and "stays quiet until 2026-12-31" in week.reason and "nothing was changed" in week.reason
    with app.db.session() as s:
        rem = s.get(Reminder, rid)
        assert rem.state == "acknowledged" and rem.quiet_until.date() == (T0 + timedelta(days=30, hours=1)).date()
    app.reminders.run_pass(T0 + timedelta(days=9), poster=poster)
    with app.db.session() as s:
        thread = s.scalar(select(Reminder.thread_ts).where(Reminder.id == rid))
    assert not [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == thread and "reminder 2" in m["text"]]
    longer = app.reminders.snooze(rid, "U0ANY", T0 + timedelta(days=45), "after the review", T0 + timedelta(hours=3))
    assert longer.ok


def test_only_owner_or_admin_may_acknowledge(rig, fake):
    app, poster = rig()
    key = [v.key for v in app.search("232")[0] if v.rec_number == 3][0]
    app.handle(f"assign {key} @U0OWNER", __import__("bot.reply", fromlist=["Caller"]).Caller(
        "U0ADMIN", is_admin=True, channel_id=C1))
    app.reminders.run_pass(T0, poster=poster)
    with app.db.session() as s:
        from storage.models import Recommendation
        rid = s.scalar(select(Reminder.id).join(Recommendation).where(Recommendation.key == key))
    app = Gaorec(app.settings, app.db, people=Admins(frozenset({"U0ADMIN"})))  # Slack would say who is an admin
    assert not app.reminders.acknowledge(rid, "U0STRANGER", "reply", "me?").ok
    assert app.reminders.acknowledge(rid, "U0ADMIN", "reply", "admin says ok").ok
    history = history_reply(app, key, date(2026, 12, 1)).data["events"]
    assert [e["actor"] for e in history if e["kind"] == "ack"] == ["U0ADMIN"]


def test_dry_run_posts_and_records_nothing(rig, fake):
    app, poster = rig()
    r = app.reminders.run_pass(T0, dry_run=True)
    assert len(r.planned) == 7 and r.dry_run
    assert outbox_states(app) == {} and fake.posts(C1) == []


def test_pacing_keeps_the_post_interval_per_channel(rig, fake):
    """GAOREC_POST_INTERVAL between posts to one channel (1 s by default; 0.25 s here: unpaced, the posts are
    milliseconds apart)."""
    app, poster = rig(reminder_cap=3, post_interval=0.25)
    app.reminders.run_pass(T0, poster=poster)
    times = [c.at for c in fake.of("chat.postMessage")]
    assert len(times) == 4 and all(b - a >= 0.95 * 0.25 for a, b in pairwise(times))


def test_subscription_query_limits_the_channel(rig, fake):
    app, poster = rig()
    with app.db.write() as s:
        from storage import repo
        repo.subscribe(s, "C0002", "facial", "U0ADMIN", repo.utcnow())
    app.reminders.run_pass(T0, poster=poster)
    assert len(fake.posts("C0002", top_level=True)) == 3 and len(fake.posts(C1, top_level=True)) == 7


def test_sqlite_busy_never_reaches_a_user(sqlite_url, fake, monkeypatch):
    """A long write (an import) holds SQLite's lock; answers wait for it instead of failing."""
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    settings = Settings(database_url=sqlite_url, slack_bot_token="xoxb-t", slack_api_url=fake.api_url,
                        post_interval=0.0, _env_file=None)
    app = Gaorec(settings)
    app.import_sources([str(CBP_PAGE)])
    from bot.reply import Caller
    key = app.search("232")[0][0].key
    holding = threading.Event()
    started = threading.Semaphore(0)
    released: list[float] = []

    def long_write():
        with app.db.write() as s:
            s.execute(update(Reminder).values(state="active"))
            holding.set()
            for _ in range(2):  # both answers are on their way ...
                assert started.acquire(timeout=30)
            time.sleep(1.0)  # ... and at the database, waiting for the lock
            released.append(time.monotonic())

    t = threading.Thread(target=long_write)
    t.start()
    holding.wait(5)
    results = []

    def answer(text: str) -> None:
        started.release()
        mrkdwn = app.handle(text, Caller("U0ADMIN", is_admin=True, channel_id=C1)).mrkdwn
        results.append((mrkdwn, time.monotonic()))

    workers = [threading.Thread(target=answer, args=(f"assign {key} @U0X",)),
               threading.Thread(target=answer, args=("subscribe",))]
    for w in workers:
        w.start()
    for w in workers + [t]:
        w.join()
    assert sorted(r.split(" ")[0] for r, _ in results) == ["This", f"`{key}`"]
    assert all(done > released[0] for _, done in results)  # each waited for the long write


def test_priority_and_repeated_slips_have_their_own_cadence(rig, fake):
    app, poster = rig(priority_followup_days=2)
    from storage.models import Recommendation
    key = [v.key for v in app.search("232")[0] if v.rec_number == 3][0]
    with app.db.write() as s:
        s.execute(update(Recommendation).where(Recommendation.key == key).values(priority=True))
    app.reminders.run_pass(T0, poster=poster)
    app.reminders.run_pass(T0 + timedelta(days=3), poster=poster)
    followups = [m for m in fake.posts(C1, top_level=False) if "reminder 2" in m["text"]]
    assert len(followups) == 1 and f"`{key}`" in followups[0]["text"]


def test_repeated_slips_shorten_the_cadence(rig, fake, tmp_path):
    app, poster = rig(followup_days_after_slips=2, slips_for_shorter=1)
    from .test_overdue import rec4_comment
    changed = tmp_path / "later.txt"
    changed.write_text(rec4_comment(CBP_PAGE.read_text()).replace("by June 2027", "by November 2026"))
    # moved once; passes again on Nov 30
    app.import_sources([str(changed)], now=datetime(2026, 11, 1, 12, tzinfo=timezone.utc))
    key = [v.key for v in app.search("232")[0] if v.rec_number == 4][0]
    app.reminders.run_pass(T0, poster=poster)
    app.reminders.run_pass(T0 + timedelta(days=3), poster=poster)
    followups = [m for m in fake.posts(C1, top_level=False) if "reminder 2" in m["text"]]
    assert [f"`{key}`" in m["text"] for m in followups] == [True]
