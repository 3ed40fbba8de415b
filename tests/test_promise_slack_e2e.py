"""Owners confirm or correct the promised date from Slack, end to end: `gaorec
serve` as a process, requests signed as Slack signs them, the real WebClient
against the fake Slack API. A reminder shows the sentence the date was read
from; "Correct the date" opens a modal (views.open with the click's
trigger_id); its submission stores the correction; "That's right" confirms;
`/gaorec promise` does the same; anyone but the owner or an admin is refused
privately. On our own fixture: no ../shared needed."""
from __future__ import annotations

import json
import time
import urllib.parse
from datetime import date, datetime, timezone

import pytest

from bot.adapters.slack import SlackPoster, make_client
from bot.service import Gaorec
from config.settings import Settings
from sqlalchemy import update

from storage import repo
from storage.models import Promise as PromiseRow

from .fakeslack import FakeSlack, action_body, command_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from .test_promise_corrections import PAGE, TRACKER, key_of
from bot.services.exports import audit as audit_log

pytestmark = pytest.mark.sqlite_only  # Slack surfaces; corrections run on PostgreSQL in test_promise_corrections

FORM = "application/x-www-form-urlencoded"
C1 = "C0001"
T0 = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)


def view_submission_body(view: dict, values: dict, *, user_id: str) -> str:
    """A view_submission as Slack sends it (the shape of ../shared/slack-payloads/view-submission.*.json)."""
    submitted = {**view, "id": "V0001", "team_id": "T0001", "state": {"values": values}, "hash": "1.abc",
                 "previous_view_id": None, "root_view_id": "V0001", "app_id": "A0001", "bot_id": "BBOT",
                 "clear_on_close": False, "notify_on_close": False, "external_id": ""}
    payload = {"type": "view_submission", "team": {"id": "T0001", "domain": "fake"},
               "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T0001"},
               "api_app_id": "A0001", "token": "legacy-unused", "trigger_id": "1.2.4", "view": submitted,
               "response_urls": []}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@pytest.fixture
def rig(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    settings = Settings(database_url=db_url, slack_bot_token="xoxb-t", slack_api_url=fake.api_url,
                        post_interval=0.0, _env_file=None)
    app = Gaorec(settings)
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    keys = {"tracker": key_of(app, "Port", 1), "training": key_of(app, "Port", 2), "lab": key_of(app, "Lab", 1)}
    with app.db.write() as s:
        repo.subscribe(s, C1, "", "U0ADMIN", repo.utcnow())
        for key in keys.values():
            repo.assign(s, repo.get(s, key).id, "U0OWNER", "U0ADMIN", repo.utcnow())
        # the lab's date as if read with low confidence: it is put to the owner before any reminder
        s.execute(update(PromiseRow).where(PromiseRow.recommendation_id == repo.get(s, keys["lab"]).id)
                  .values(confidence=0.5))
    app.reminders.run_pass(T0, poster=SlackPoster(make_client(settings)))
    serve = ServeProcess(app.db.url, fake.api_url, extra_env={"GAOREC_POST_INTERVAL": "0.05"})

    def send(body: str) -> tuple[int, str]:
        status, text, seconds = post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))
        assert seconds < 3  # acknowledged within Slack's 3 seconds
        return status, text

    yield app, fake, serve, keys, send
    serve.stop()
    fake.stop()
    app.db.dispose()
    assert "xoxb-t" not in serve.log


def reminder_of(fake, key):
    return [m for m in fake.posts(C1, top_level=True) if f"`{key}`" in json.dumps(m["blocks"], ensure_ascii=False)][0]


def button(message, action_id) -> dict:
    for b in message["blocks"]:
        for e in b.get("elements") or []:
            if e.get("action_id") == action_id:
                return e
    raise AssertionError(f"no {action_id} button")


def test_button_modal_submit_stores_the_correction(rig):
    app, fake, serve, keys, send = rig
    tracker = keys["tracker"]
    msg = reminder_of(fake, tracker)
    blob = json.dumps(msg["blocks"], ensure_ascii=False)
    assert TRACKER in blob and "Read from GAO's comment" in blob  # the sentence the date was read from
    assert button(msg, "gaorec_promise_confirm")["text"]["text"] == "That's right"
    correct = button(msg, "gaorec_promise_correct")
    assert correct["text"]["text"] == "Correct the date"

    # a stranger is refused, privately, and no modal opens
    body = action_body("gaorec_promise_correct", correct["value"], user_id="U0STRANGER", channel_id=C1,
                       response_url=fake.response_url("stranger"), message_ts=msg["ts"])
    assert send(body)[0] == 200
    (refusal,) = fake.wait_for("response_url")
    assert refusal.params["response_type"] == "ephemeral" and "Only <@U0OWNER> or an admin" in refusal.params["text"]
    assert "\n" not in refusal.params["text"]

    # the owner opens the modal: views.open with the click's trigger_id
    body = action_body("gaorec_promise_correct", correct["value"], user_id="U0OWNER", channel_id=C1,
                       response_url=fake.response_url("owner"), message_ts=msg["ts"])
    assert send(body)[0] == 200
    (opened,) = fake.wait_for("views.open")
    assert opened.params["trigger_id"] == "1.2.3" and len(fake.of("views.open")) == 1
    view = opened.params["view"]
    assert view["callback_id"] == "gaorec_promise_modal" and "December 2024" in json.dumps(view)
    kinds = {b.get("block_id"): b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {"due": "datepicker", "none": "checkboxes", "reason": "plain_text_input"}

    # nothing chosen: the modal says so and stays open
    status, text = send(view_submission_body(view, {"due": {"date": {"type": "datepicker", "selected_date": None}},
                                                     "none": {"none": {"type": "checkboxes", "selected_options": []}},
                                                     "reason": {"reason": {"type": "plain_text_input",
                                                                           "value": None}}}, user_id="U0OWNER"))
    assert status == 200 and json.loads(text)["response_action"] == "errors"
    values = {"due": {"date": {"type": "datepicker", "selected_date": "2027-06-30"}},
              "none": {"none": {"type": "checkboxes", "selected_options": []}},
              "reason": {"reason": {"type": "plain_text_input", "value": "The bureau's <b>2026</b> letter"}}}
    # a stranger who got hold of the modal: refused in the modal, nothing stored
    status, text = send(view_submission_body(view, values, user_id="U0STRANGER"))
    assert status == 200 and "Only the owner or an admin" in json.loads(text)["errors"]["due"]
    assert app.show(tracker).current_due == date(2024, 12, 31)

    status, text = send(view_submission_body(view, values, user_id="U0OWNER"))
    assert status == 200 and not json.loads(text or "{}").get("errors")
    fake.wait_for("chat.update", 1)
    time.sleep(0.3)
    v = app.show(tracker)
    assert (v.current_promise.source, v.current_due) == ("corrected", date(2027, 6, 30))
    assert v.decision.actor == "U0OWNER" and v.decision.via == "modal"
    assert v.decision.reason == "The bureau's <b>2026</b> letter"
    audit = [e for e in audit_log(app.db, key=tracker) if e["action"] == "promise-set"]
    assert len(audit) == 1 and audit[0]["actor"] == "U0OWNER"
    note = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == msg["ts"]]
    assert len(note) == 1 and "Date corrected by <@U0OWNER>: now due 2027-06-30" in note[0]["text"]
    assert "&lt;b&gt;2026&lt;/b&gt;" in note[0]["text"] and "<b>" not in note[0]["text"]
    assert "reminders for the old date stopped" in note[0]["text"]
    update = fake.of("chat.update")[0]
    assert update.params["ts"] == msg["ts"] and "Date corrected by <@U0OWNER>" in json.dumps(update.params["blocks"])
    updated = json.dumps(update.params["blocks"], ensure_ascii=False)  # the heading follows: no "passed" beside
    assert "The promised date changed: reminders for 2024-12-31 stopped." in updated  # "due in N days"
    assert "A promised date passed with no status change" not in updated
    assert tracker not in {x.key for x in app.overdue(date(2026, 12, 1))}


def test_thats_right_and_the_command_with_permissions(rig):
    app, fake, serve, keys, send = rig
    tracker, lab, training = keys["tracker"], keys["lab"], keys["training"]
    msg = reminder_of(fake, tracker)
    confirm = button(msg, "gaorec_promise_confirm")
    body = action_body("gaorec_promise_confirm", confirm["value"], user_id="U0STRANGER", channel_id=C1,
                       response_url=fake.response_url("s1"), message_ts=msg["ts"])
    assert send(body)[0] == 200
    (refusal,) = fake.wait_for("response_url")
    assert "Only <@U0OWNER> or an admin" in refusal.params["text"]
    assert app.show(tracker).current_promise.source == "gao"
    body = action_body("gaorec_promise_confirm", confirm["value"], user_id="U0ADMIN", channel_id=C1,
                       response_url=fake.response_url("a1"), message_ts=msg["ts"])
    assert send(body)[0] == 200
    fake.wait_for("chat.update", 1)
    time.sleep(0.3)
    assert app.show(tracker).current_promise.source == "confirmed"
    note = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == msg["ts"]]
    assert len(note) == 1 and "Date confirmed by <@U0ADMIN>" in note[0]["text"]
    assert "gaorec_promise_confirm" not in json.dumps(fake.of("chat.update")[0].params["blocks"])  # confirmed

    # the low-confidence date was asked about, once, instead of a reminder; the owner confirms it there
    asks = [m for m in fake.posts(C1, top_level=True) if "Is this the promised date" in json.dumps(m["blocks"])]
    assert len(asks) == 1 and f"`{lab}`" in asks[0]["text"] and "summer 2025" in asks[0]["text"]
    assert "<@U0OWNER>" in asks[0]["text"] and "laboratory safety plans" in json.dumps(asks[0]["blocks"])
    assert not [m for m in fake.posts(C1, top_level=True) if "A promised date passed" in json.dumps(m["blocks"])
                and f"`{lab}`" in json.dumps(m["blocks"])]
    body = action_body("gaorec_promise_confirm", button(asks[0], "gaorec_promise_confirm")["value"],
                       user_id="U0OWNER", channel_id=C1, response_url=fake.response_url("ask"),
                       message_ts=asks[0]["ts"])
    assert send(body)[0] == 200
    answer = fake.wait_for("response_url", 2)[1]
    assert answer.params["response_type"] == "ephemeral" and "Date confirmed by <@U0OWNER>" in answer.params["text"]
    assert app.show(lab).current_promise.source == "confirmed"

    # /gaorec promise KEY none [reason]: a stranger is refused, the owner is heard
    body = command_body(f"promise {training} none not mine", user_id="U0STRANGER", channel_id=C1,
                        response_url=fake.response_url("c1"))
    assert send(body)[0] == 200
    answer = fake.wait_for("response_url", 3)[2]
    assert answer.params["response_type"] == "ephemeral" and "Only <@U0OWNER> or an admin" in json.dumps(
        answer.params["blocks"])
    assert app.show(training).current_due == date(2024, 9, 30)
    body = command_body(f"promise {training} none it was a plan, not a promise", user_id="U0OWNER", channel_id=C1,
                        response_url=fake.response_url("c2"))
    assert send(body)[0] == 200
    answer = fake.wait_for("response_url", 4)[3]
    assert "says no date was promised" in json.dumps(answer.params["blocks"])
    v = app.show(training)
    assert v.current_promise is None and v.current_due is None and v.decision.via == "command"
    assert {x.key for x in app.overdue(date(2026, 12, 1))} == {tracker, lab}
    events = [(e["key"], e["action"], e["actor"]) for e in audit_log(app.db) if e["action"].startswith("promise-")]
    assert events == [(lab, "promise-ask", "gaorec"), (tracker, "promise-confirm", "U0ADMIN"),
                      (lab, "promise-confirm", "U0OWNER"), (training, "promise-none", "U0OWNER")]
