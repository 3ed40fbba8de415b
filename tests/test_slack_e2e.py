"""End to end: `gaorec serve` as a process, requests signed as Slack signs
them over HTTP, answers through the real WebClient to a fake Slack API."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from .conftest import CBP_PAGE
from .fakeslack import action_body, command_body, event_body, post, signed_headers
from .slackserver import SECRET, ServeProcess

pytestmark = pytest.mark.sqlite_only  # HTTP and Slack signing; the queries run on PostgreSQL elsewhere

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def served(app, slack):
    app.import_sources([str(CBP_PAGE)])
    proc = ServeProcess(app.db.url, slack.api_url)
    yield proc
    proc.stop()
    assert "xoxb-test-token-123" not in proc.log and SECRET not in proc.log  # tokens never logged


def send_command(served, slack, text, user="U0USER", name="1", **kw):
    body = command_body(text, user_id=user, response_url=slack.response_url(name), **kw)
    return post(served.url, body, signed_headers(SECRET, body, content_type=FORM))


def texts(call) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False) + (call.params.get("text") or "")


def test_slash_232_acks_fast_and_answers(served, slack):
    status, body, seconds = send_command(served, slack, "232")
    assert status == 200 and seconds < 3
    (answer,) = slack.wait_for("response_url")
    blob = texts(answer)
    assert answer.params["response_type"] == "ephemeral"
    assert "Steel and Aluminum Tariffs" in blob and "Recommendation 3" in blob and "Recommendation 4" in blob
    assert "March 2024" in blob and "overdue by" in blob


def test_bad_signature_and_old_timestamp_get_401_and_run_nothing(served, slack):
    body = command_body("232", response_url=slack.response_url())
    bad = signed_headers("wrong-secret", body, content_type=FORM)
    assert post(served.url, body, bad)[0] == 401
    old = signed_headers(SECRET, body, timestamp=int(time.time()) - 600, content_type=FORM)
    assert post(served.url, body, old)[0] == 401
    tampered = signed_headers(SECRET, body, content_type=FORM)
    assert post(served.url, body.replace("232", "233"), tampered)[0] == 401
    missing = {"Content-Type": FORM}
    assert post(served.url, body, missing)[0] == 401
    time.sleep(0.5)
    assert slack.of("response_url") == []


def test_healthz(served):
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=5) as r:
        assert r.status == 200 and json.loads(r.read())["database"] == "ok"


def test_assign_needs_an_admin_and_mentions_the_owner(served, slack):
    send_command(served, slack, "232", name="find")
    blob = texts(slack.wait_for("response_url")[0])
    key = blob.split("· `")[1].split("`")[0]
    send_command(served, slack, f"assign {key} <@U0OWNER|owner>", user="U0USER", name="a1")
    denied = slack.wait_for("response_url", 2)[1]
    assert "Only workspace admins" in texts(denied)
    send_command(served, slack, f"assign {key} <@U0OWNER|owner>", user="U0ADMIN", name="a2")
    done = slack.wait_for("response_url", 3)[2]
    assert f"`{key}` is now owned by <@U0OWNER>" in texts(done)
    send_command(served, slack, "mine", user="U0OWNER", name="m")
    mine = slack.wait_for("response_url", 4)[3]
    assert key in texts(mine)


def test_hostile_query_is_escaped(served, slack):
    send_command(served, slack, "<!channel> <@U1> &")
    blob = texts(slack.wait_for("response_url")[0])
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob


def test_event_retry_is_processed_once_and_unfurls(app, served, slack):
    from .conftest import FIXTURES

    app.import_sources([str(FIXTURES / "agency-page.html")])
    event = {"type": "link_shared", "channel": "C0001", "user": "U0USER", "message_ts": "1700000000.000100",
             "links": [{"domain": "gao.gov", "url": "https://www.gao.gov/products/gao-24-900101"},
                       {"domain": "gao.gov", "url": "https://www.gao.gov/products/gao-99-999999"}]}
    body = event_body(event, event_id="Ev0001")
    h = signed_headers(SECRET, body, content_type="application/json")
    assert post(served.url, body, h)[0] == 200
    h2 = {**signed_headers(SECRET, body, content_type="application/json"), "X-Slack-Retry-Num": "1",
          "X-Slack-Retry-Reason": "http_timeout"}
    assert post(served.url, body, h2)[0] == 200
    (unfurl,) = slack.wait_for("chat.unfurl")
    time.sleep(1.0)
    assert len(slack.of("chat.unfurl")) == 1 and "already received" in served.log
    unfurls = unfurl.params["unfurls"]
    assert list(unfurls) == ["https://www.gao.gov/products/gao-24-900101"]  # unknown reports are left alone
    blob = json.dumps(unfurls, ensure_ascii=False)
    assert "Grant Oversight" in blob and "December 31, 2025" in blob and "Recommendation 2" in blob


def test_paging_buttons(served, slack):
    send_command(served, slack, "CBP")
    first = slack.wait_for("response_url")[0]
    nav = [b for b in first.params["blocks"] if b.get("block_id") == "nav"][0]
    nxt = [e for e in nav["elements"] if e["action_id"] == "gaorec_page_next"][0]
    body = action_body("gaorec_page_next", nxt["value"], response_url=slack.response_url("p2"))
    assert post(served.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    second = slack.wait_for("response_url", 2)[1]
    assert second.params.get("replace_original") in (True, "true")
    assert "6-10 of 10" in texts(second)


def test_socket_mode_answers_a_slash_command(app, slack):
    """With SLACK_APP_TOKEN, serve connects out (apps.connections.open, then a WebSocket) and acks envelopes."""
    from .fakesocket import FakeSocketMode

    app.import_sources([str(CBP_PAGE)])
    sock = FakeSocketMode()
    slack.socket_url = sock.url
    proc = ServeProcess(app.db.url, slack.api_url, extra_env={"SLACK_APP_TOKEN": "xapp-test-app-token-9"},
                        ready=r"connecting to Slack by Socket Mode")
    try:
        sock.wait_connected()
        payload = {"token": "legacy", "team_id": "T0001", "team_domain": "fake", "channel_id": "C0001",
                   "user_id": "U0USER", "user_name": "u", "command": "/gaorec", "text": "232", "api_app_id": "A0001",
                   "response_url": slack.response_url("sm"), "trigger_id": "1.2.3"}
        sock.send({"envelope_id": "env-1", "type": "slash_commands", "payload": payload,
                   "accepts_response_payload": True})
        assert sock.wait_ack("env-1")["envelope_id"] == "env-1"
        (answer,) = slack.wait_for("response_url")
        blob = texts(answer)
        assert "Recommendation 3" in blob and "Recommendation 4" in blob and "March 2024" in blob
        assert slack.of("apps.connections.open")[0].headers.get("Authorization") == "Bearer xapp-test-app-token-9"
    finally:
        proc.stop()
        sock.stop()
    assert "xapp-test-app-token-9" not in proc.log
