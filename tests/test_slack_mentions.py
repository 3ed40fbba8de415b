"""@gaorec wherever a person is, and /gaorec answered in the ack: `gaorec
serve` as a process, requests signed as Slack signs them, answers through the
real WebClient to the fake Slack API. Our own fixture; the real payloads of
../shared/slack-payloads are replayed where present."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import models, repo

from .conftest import FIXTURES, ROOT
from .fakeslack import answered_in_ack, command_body, event_body, post, signed_headers
from .slackserver import SECRET, ServeProcess

pytestmark = pytest.mark.sqlite_only  # Slack surfaces; their queries run on PostgreSQL elsewhere

PAYLOADS = ROOT.parent / "shared" / "slack-payloads"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TARIFFS = "Lumber and Copper Tariffs"


@pytest.fixture
def served(app, slack):
    app.import_sources([str(FIXTURES / "search-page.txt")])
    proc = ServeProcess(app.db.url, slack.api_url)
    yield proc
    proc.stop()
    assert "xoxb-test-token-123" not in proc.log and SECRET not in proc.log
    assert "Traceback" not in proc.log, proc.log


def send_event(served, event, event_id, **headers):
    body = event_body(event, event_id=event_id)
    status, _, _ = post(served.url, body, {**signed_headers(SECRET, body, content_type=JSON), **headers})
    assert status == 200


def blob(call) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False) + (call.params.get("text") or "")


def wait_post(slack, match, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [c for c in slack.of("chat.postMessage") if match(c)]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no such post: {[blob(c)[:200] for c in slack.of('chat.postMessage')]}")


def mention(text, *, channel="C0001", ts="1700000100.000100", thread_ts=None, user="U0USER"):
    ev = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    return ev | ({"thread_ts": thread_ts} if thread_ts else {})


def test_slash_command_answers_in_the_ack(served, slack):
    body = command_body("232", response_url=slack.response_url("ack"))
    status, text, seconds = post(served.url, body, signed_headers(SECRET, body, content_type=FORM))
    assert status == 200 and seconds < 3
    answer = json.loads(text)  # the answer is the ack's body: nothing waits for response_url
    assert answer["response_type"] == "ephemeral"
    shown = json.dumps(answer["blocks"], ensure_ascii=False)
    assert TARIFFS in shown and "Recommendation 3" in shown and "Recommendation 4" in shown
    (seen,) = slack.of("response_url")
    assert answered_in_ack(seen)
    # an export is slower work: acknowledged at once, the file by DM and the answer through response_url
    body = command_body("export", response_url=slack.response_url("exp"))
    status, text, _ = post(served.url, body, signed_headers(SECRET, body, content_type=FORM))
    assert status == 200 and not text.strip()
    done = slack.wait_for("response_url", 2)[1]
    assert not answered_in_ack(done) and "Your export" in blob(done)


def test_mention_in_a_channel_answers_in_the_channel(served, slack):
    send_event(served, mention("<@UBOT> 232"), "EvM1")
    (post_,) = slack.wait_for("chat.postMessage")
    assert post_.params["channel"] == "C0001" and not post_.params.get("thread_ts")
    shown = blob(post_)
    assert TARIFFS in shown and "Recommendation 3" in shown and "Recommendation 4" in shown
    assert "2 results" in post_.params["text"]  # the top-level text carries the meaning


def test_mention_in_a_thread_answers_in_that_thread_once(served, slack):
    ev = mention("<@UBOT> 232", ts="1700000200.000200", thread_ts="1700000150.000100")
    send_event(served, ev, "EvM2")
    send_event(served, ev, "EvM2", **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    (post_,) = slack.wait_for("chat.postMessage")
    assert post_.params["channel"] == "C0001" and post_.params["thread_ts"] == "1700000150.000100"
    assert "Recommendation 3" in blob(post_) and "Recommendation 4" in blob(post_)
    time.sleep(1.0)
    assert len(slack.of("chat.postMessage")) == 1  # Slack's retry is answered once


def test_direct_message_takes_the_same_grammar(served, slack, app):
    key = app.search("intellect")[0][0].key
    dm = {"type": "message", "channel": "D0USER", "user": "U0USER", "text": f"show {key}",
          "ts": "1700000300.000100", "event_ts": "1700000300.000100", "channel_type": "im"}
    send_event(served, dm, "EvD1")
    (post_,) = slack.wait_for("chat.postMessage")
    assert post_.params["channel"] == "D0USER" and key in blob(post_) and "Intellectual" not in ""  # noqa
    assert "seizure" in blob(post_)
    send_event(served, dm | {"text": "shwo " + key, "ts": "1700000301.000100"}, "EvD2")
    typo = slack.wait_for("chat.postMessage", 2)[1]
    assert "Did you mean `show`?" in blob(typo)


def test_mentions_in_a_reminder_thread_act_on_its_recommendation(served, slack, app):
    with app.db.write() as s:
        repo.subscribe(s, "C0001", "intellect", "U0ADMIN", repo.utcnow())
    app.reminders.run_pass(datetime(2026, 12, 1, 14, tzinfo=timezone.utc))
    with app.db.write() as s:  # as if the reminder was posted in C0001 at this ts
        (rem,) = s.scalars(select(models.Reminder)).all()
        rem.thread_ts = "1700000400.000100"
        s.execute(models.Outbox.__table__.update().values(state="sent"))
        key = s.get(models.Recommendation, rem.recommendation_id).key
    thread = "1700000400.000100"
    send_event(served, mention("<@UBOT> show", ts="1700000401.000100", thread_ts=thread), "EvT1")
    card = slack.wait_for("chat.postMessage")[0]
    assert card.params["thread_ts"] == thread and f"`{key}`" in blob(card)
    # Slack sends a thread reply that mentions the app both as app_mention and as message: a command, not an ack
    text = "<@UBOT> snooze 2w waiting on OT"
    reply = {"type": "message", "channel": "C0001", "user": "U0USER", "text": text, "ts": "1700000402.000100",
             "thread_ts": thread}
    send_event(served, reply, "EvT2")
    send_event(served, mention(text, ts="1700000402.000100", thread_ts=thread), "EvT3")
    note = wait_post(slack, lambda c: "Snoozed by <@U0USER> until" in blob(c))  # the thread hears it once
    assert note.params["thread_ts"] == thread and "waiting on OT" in blob(note)
    deadline = time.time() + 10
    while not [c for c in slack.of("chat.postEphemeral") if f"Snoozed `{key}` for 14 days" in blob(c)]:
        assert time.time() < deadline, "the asker was not told"
        time.sleep(0.05)
    told = [c for c in slack.of("chat.postEphemeral") if f"Snoozed `{key}` for 14 days" in blob(c)]
    assert told[0].params["user"] == "U0USER" and told[0].params["thread_ts"] == thread  # to the asker alone
    time.sleep(0.5)
    assert not [c for c in slack.of("chat.postMessage") if f"Snoozed `{key}` for 14 days" in blob(c)]
    with app.db.session() as s:
        assert s.scalars(select(models.Acknowledgement)).all() == []
        (sn,) = s.scalars(select(models.Snooze)).all()
        assert "waiting on OT" in (sn.reason or "")
    send_event(served, mention("<@UBOT> history", ts="1700000403.000100", thread_ts=thread), "EvT4")
    hist = wait_post(slack, lambda c: "History of" in blob(c))
    assert hist.params["thread_ts"] == thread and "snooze" in blob(hist).lower()
    # a refusal is told to the asker alone: nobody named in it is pinged in the thread
    send_event(served, mention("<@UBOT> assign @U0LEE", ts="1700000404.000100", thread_ts=thread), "EvT5")
    deadline = time.time() + 10
    while not [c for c in slack.of("chat.postEphemeral") if "Only workspace admins" in blob(c)]:
        assert time.time() < deadline, [blob(c)[:200] for c in slack.of("chat.postEphemeral")]
        time.sleep(0.05)
    assert not [c for c in slack.of("chat.postMessage") if "Only workspace admins" in blob(c)]
    # an admin's assignment in the thread is told to the thread, as any answer is (only snooze and promise,
    # which the reminder's own note tells, are answered privately)
    slack.users["U0BOSS"] = {"is_admin": True}
    send_event(served, {**mention("<@UBOT> assign @U0LEE", ts="1700000405.000100", thread_ts=thread),
                        "user": "U0BOSS"}, "EvT6")
    assigned = wait_post(slack, lambda c: "owned by" in blob(c) and "U0LEE" in blob(c))
    assert assigned.params["thread_ts"] == thread


# -- Slack's own payloads, replayed -------------------------------------------------

def _form_payload(data: dict) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(data)})


def _as_sent(path: Path) -> list[tuple[str, str]]:
    """(content type, body) as Slack would POST this file's payload over HTTP (Socket Mode envelopes
    unwrapped; inner events wrapped in an Events API envelope; docs' layouts made wire format)."""
    raw = path.read_text()
    if path.suffix == ".txt" and "slash-command" in path.name:
        if "\n" in raw.strip():  # the docs' one-pair-a-line layout
            pairs = [tuple(line.strip().split("=", 1)) for line in raw.splitlines() if "=" in line]
            return [(FORM, urllib.parse.urlencode(pairs))]
        return [(FORM, raw.strip())]
    try:
        data = json.loads(raw)
    except ValueError:
        return [(JSON, raw)]  # verbatim docs text that is not JSON: Slack never sends it; it must not crash
    if "envelope_id" in data:  # Socket Mode: the payload is what HTTP would carry
        inner = data["payload"]
        if data.get("type") == "slash_commands":
            return [(FORM, urllib.parse.urlencode(inner))]
        return [(JSON, json.dumps(inner))]
    kind = data.get("type")
    if kind in ("block_actions", "view_submission", "interactive_message", "shortcut"):
        return [(FORM, _form_payload(data))]
    if "command" in data and "response_url" in data:
        return [(FORM, urllib.parse.urlencode({k: v if isinstance(v, str) else json.dumps(v)
                                               for k, v in data.items()}))]
    if kind in ("event_callback", "url_verification"):
        return [(JSON, raw)]
    if isinstance(kind, str) and kind:  # an inner event: wrap it as the Events API does
        return [(JSON, event_body(data, event_id=f"Ev{path.stem[:20]}"))]
    return [(JSON, raw)]


@pytest.mark.skipif(not PAYLOADS.exists(), reason=f"{PAYLOADS} is absent (shared Slack payloads)")
def test_replay_every_shared_payload(served, slack):
    files = sorted(p for p in PAYLOADS.rglob("*") if p.is_file() and p.suffix in (".json", ".txt"))
    assert len(files) >= 30
    answered = []
    for path in files:
        for ctype, body in _as_sent(path):
            status, text, _ = post(served.url, body, signed_headers(SECRET, body, content_type=ctype))
            assert status in (200, 400, 404), (path.name, status, text)
            if "url-verification" in path.name:
                assert status == 200 and json.loads(path.read_text())["challenge"] in text
            if "app-mention" in path.name and "shape" not in str(path):
                answered.append(path.name)
    # every real app_mention (Events API and Socket Mode) gets an answer in its channel
    mentions = [json.loads(p.read_text()) for p in files if p.name.startswith("app-mention") and p.suffix == ".json"]
    channels = {(m.get("payload") or m)["event"]["channel"] for m in mentions}
    posts = slack.wait_for("chat.postMessage", 2, timeout=20)
    posted = {c.params["channel"] for c in posts} | {c.params["channel"] for c in slack.of("chat.postMessage")}
    assert channels <= posted
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=5) as r:
        assert r.status == 200
    assert answered


def test_thread_key_goes_where_the_grammar_expects_it():
    from bot.blocks.render import read_mentions
    from bot.listeners.mentions import bot_user_ids, command_text
    from bot.threads import with_thread_key

    key = "k7m2q"
    assert with_thread_key("snooze 2w waiting on OT", key) == f"snooze {key} 2w waiting on OT"
    assert with_thread_key("show", key) == f"show {key}" and with_thread_key("history", key) == f"history {key}"
    assert with_thread_key("promise 2027-06-30", key) == f"promise {key} 2027-06-30"
    # the listener reads Slack's mentions into "who" tokens first (bot/blocks/render.py), then puts the key in
    assert with_thread_key(read_mentions("assign <@U0DANA|dana>"), key) == f"assign {key} @U0DANA"
    assert with_thread_key(read_mentions("assign <!subteam^S0TEAM|@team>"), key) == f"assign {key} @subteam:S0TEAM"
    assert with_thread_key("snooze p75nw 2w", key) == "snooze p75nw 2w"  # a key named wins
    assert with_thread_key("232", key) == "232" and with_thread_key("show", None) == "show"
    body = {"authorizations": [{"user_id": "UBOT", "is_bot": True}]}
    assert command_text("<@UBOT> show p75nw", bot_user_ids(body)) == "show p75nw"
    assert command_text("hey <@UBOT|gaorec> overdue <@U0DANA>", bot_user_ids(body)) == "hey overdue <@U0DANA>"
    assert bot_user_ids({"authed_users": ["W111"]}) == {"W111"}
    assert command_text("<@W111> Hi there!", set()) == "Hi there!"
