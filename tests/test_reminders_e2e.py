"""The reminder loop end to end: `gaorec serve` and `gaorec remind --now` as
processes against the fake Slack API; signed thread replies, retries,
reactions and button clicks; a re-import that changes a recommendation."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.commands.records import history_reply
from storage.models import Outbox, OutboxLane
from storage.types import utcnow

from .conftest import CBP_PAGE, ROOT
from .fakeslack import FakeSlack, action_body, command_body, event_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from .test_overdue import rec4_comment
from .forkserver import COLD, gaorec_argv

FORM = "application/x-www-form-urlencoded"
C1 = "C0001"


def run_cli(db_url, api_url, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
    env.update({"DATABASE_URL": db_url, "SLACK_API_URL": api_url, "SLACK_BOT_TOKEN": "xoxb-test-token-123",
                "GAOREC_POST_INTERVAL": "0.05", "GAOREC_CLAIM_TIMEOUT": "1"})
    out = subprocess.run([*gaorec_argv(), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.fixture
def loop(app, tmp_path):
    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    app.import_sources([str(CBP_PAGE)])
    serve = ServeProcess(app.db.url, fake.api_url, extra_env={"GAOREC_POST_INTERVAL": "0.05"})

    def command(text, user="U0ADMIN", name="r"):
        body = command_body(text, user_id=user, channel_id=C1, response_url=fake.response_url(name))
        status, _, _ = post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))
        assert status == 200

    def event(ev, event_id, retry=None):
        body = event_body(ev, event_id=event_id)
        headers = signed_headers(SECRET, body, content_type="application/json")
        if retry is not None:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        status, _, _ = post(serve.url, body, headers)
        assert status == 200

    yield app, fake, serve, command, event
    serve.stop()
    fake.stop()


def wait_until(cond, timeout=30.0, what=""):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def settle(app) -> None:
    """After a CLI run beside the running server: either may have taken a lane and be delivering (each post goes
    once); wait until nothing is pending or in flight, so what follows counts what was posted, exactly."""
    wait_until(lambda: settled(app), what="the outbox to settle")


def settled(app) -> bool:
    """Nothing waits in the outbox or is in flight: no post pending or sending, no lane held by a delivery."""
    with app.db.session() as s:
        busy = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.state.in_(("pending", "sending"))))
        held = s.scalar(select(func.count()).select_from(OutboxLane).where(OutboxLane.holder.is_not(None)))
    return busy == 0 and held == 0


def claims_expired(app, claim_timeout: timedelta) -> bool:
    """Every post in flight was last claimed (or its claim extended) more than claim_timeout ago."""
    with app.db.session() as s:
        last = s.scalar(select(func.max(Outbox.claimed_at)).where(Outbox.state == "sending"))
    return last is not None and last < utcnow() - claim_timeout


def key_of(app, number):
    return [v.key for v in app.search("232")[0] if v.rec_number == number][0]


def test_the_whole_loop(loop, tmp_path):
    app, fake, serve, command, event = loop
    rec3, rec4 = key_of(app, 3), key_of(app, 4)
    command("subscribe", name="sub")
    command(f"assign {rec3} <@U0OWNER|owner>", name="assign")
    fake.wait_for("response_url", 2)
    out = run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T14:00:00Z")
    settle(app)
    top = fake.posts(C1, top_level=True)
    assert len(top) == 7, out
    r3 = [m for m in top if f"`{rec3}`" in json.dumps(m["blocks"], ensure_ascii=False)][0]
    blob3 = json.dumps(r3["blocks"], ensure_ascii=False)
    assert "March 2024" in blob3 and "<@U0OWNER>" in blob3
    assert r3["metadata"]["event_payload"]["key"].startswith("r")

    # an hour later: nothing
    run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T15:00:00Z")
    settle(app)
    assert len(fake.posts(C1)) == 7

    # the owner answers in the thread; Slack delivers the event twice
    reply = {"type": "message", "channel": C1, "user": "U0OWNER", "text": "ack - guidance is in final review",
             "ts": "1800000000.000001", "thread_ts": r3["ts"]}
    deliveries = [threading.Thread(target=event, args=(reply, "EvACK1"), kwargs={"retry": n or None})
                  for n in range(4)]  # the first delivery and three retries, all at once
    for t in deliveries:
        t.start()
    for t in deliveries:
        t.join()
    confirm = fake.wait_for("chat.update", 1)
    # all four deliveries were processed (three skipped as retries), and the outbox settled: nothing more to come
    serve.wait_metric("gaorec_listener_runs_total", 4, listener="events.thread_reply", outcome="done")
    wait_until(lambda: settled(app), what="the outbox to settle")
    shown = json.loads(run_cli(app.db.url, fake.api_url, "show", rec3, "--json"))
    acks = [e for e in history_reply(app, rec3, app.today()).data["events"] if e["kind"] == "ack"]
    assert len(acks) == 1 and acks[0]["detail"]["note"] == "ack - guidance is in final review"
    thread3 = [m for m in fake.posts(C1) if m.get("thread_ts") == r3["ts"]]
    assert len(thread3) == 1 and "Acknowledged by <@U0OWNER>" in thread3[0]["text"]
    assert confirm[0].params["ts"] == r3["ts"]
    assert shown["key"] == rec3

    # a stranger's reaction is refused, privately
    event({"type": "reaction_added", "user": "U0STRANGER", "reaction": "white_check_mark",
           "item": {"type": "message", "channel": C1, "ts": r3["ts"]}}, "EvREACT1")
    eph = fake.wait_for("chat.postEphemeral", 1)[0]
    assert eph.params["user"] == "U0STRANGER" and "Only <@U0OWNER>" in eph.params["text"]

    # a week later: the six unacknowledged get a reply in their threads, Recommendation 3 none
    run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-09T14:00:00Z")
    settle(app)
    assert len(fake.posts(C1, top_level=True)) == 7
    replies = [m for m in fake.posts(C1, top_level=False) if "reminder 2" in (m["text"] or "")]
    assert len(replies) == 6 and r3["ts"] not in {m["thread_ts"] for m in replies}

    # GAO updates Recommendation 4: the change goes into its thread and its reminders stop
    r4 = [m for m in fake.posts(C1, top_level=True) if f"`{rec4}`" in json.dumps(m["blocks"], ensure_ascii=False)][0]
    changed = tmp_path / "cbp-later.txt"
    changed.write_text(rec4_comment(CBP_PAGE.read_text()))
    run_cli(app.db.url, fake.api_url, "import", str(changed))
    settle(app)
    note = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == r4["ts"] and "GAO updated" in m["text"]]
    assert len(note) == 1 and "June 2027" in note[0]["text"]
    run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-17T14:00:00Z")
    settle(app)
    r4_thread = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == r4["ts"]]
    assert not any("reminder 3" in (m["text"] or "") for m in r4_thread)
    assert sum("reminder 3" in (m["text"] or "") for m in fake.posts(C1, top_level=False)) == 5
    assert "xoxb-test-token-123" not in serve.log


def test_button_ack_and_snooze_permissions(loop):
    app, fake, serve, command, event = loop
    command("subscribe CBP", name="sub")
    fake.wait_for("response_url", 1)
    run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T14:00:00Z")
    settle(app)
    first = fake.posts(C1, top_level=True)[0]
    block = [b for b in first["blocks"] if str(b.get("block_id", "")).startswith("reminder:")][0]
    value = block["elements"][0]["value"]
    body = action_body("gaorec_ack", value, user_id="U0SOMEONE", channel_id=C1,
                       response_url=fake.response_url("ack"), message_ts=first["ts"])
    assert post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    fake.wait_for("chat.update", 1)  # no owner: anyone in the channel may acknowledge
    # a month (a week would end the acknowledgement's 30 quiet days sooner: refused, test_reminders)
    body = action_body("gaorec_snooze_month", value, user_id="U0SOMEONE", channel_id=C1,
                       response_url=fake.response_url("snz"), message_ts=first["ts"])
    assert post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    fake.wait_for("chat.update", 2)
    thread = [m for m in fake.posts(C1) if m.get("thread_ts") == first["ts"]]
    assert [("Acknowledged" in m["text"], "Snoozed" in m["text"]) for m in thread] == [(True, False), (False, True)]


def test_remind_killed_mid_pass_is_completed_once(app):
    """SIGKILL while Slack holds a post (taken, not yet answered): the next pass finds it by its key."""
    import signal

    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    from storage import repo
    with app.db.write() as s:
        repo.subscribe(s, C1, "", "U0ADMIN", repo.utcnow())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
    env.update({"DATABASE_URL": app.db.url, "SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": "xoxb-t",
                "GAOREC_POST_INTERVAL": "0", "GAOREC_CLAIM_TIMEOUT": "1"})
    try:
        fake.delay("chat.postMessage", 30, times=1)
        proc = subprocess.Popen([*COLD, "remind", "--now", "2026-12-01T14:00:00Z"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fake.wait_for("chat.postMessage", 1, timeout=30)  # taken by Slack, answer held back 30 s
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert len(fake.posts(C1)) == 1
        wait_until(lambda: claims_expired(app, timedelta(seconds=1)), what="the claim of the killed process expires")
        run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T14:05:00Z")
        keys = [m["metadata"]["event_payload"]["key"] for m in fake.posts(C1)]
        assert len(keys) == len(set(keys)) == 7
        assert fake.of("conversations.history")  # the uncertain one was looked up, not re-sent
    finally:
        fake.stop()
