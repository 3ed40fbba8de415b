"""Hostile input on every path: signatures, injection, query syntax, who may
act, secrets in logs, oversize input, fuzzed imports."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.blocks.reminders import followup_text, reminder_blocks, status_change_text
from bot.gao.records import ParseError
from bot.reply import Caller
from storage import models, repo

from .conftest import CBP_PAGE, FIXTURES
from .fakeslack import FakeSlack, command_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from .test_slack_app import HOSTILE, view
from .block_shapes import utc_day
from .forkserver import gaorec_argv

FORM = "application/x-www-form-urlencoded"
LIVE = ("<!channel>", "<!here>", "<@U123>", "<https://evil", "<!subteam^S1")


def no_live_markup(blob: str) -> None:
    for live in LIVE:
        assert live not in blob, live


@pytest.mark.sqlite_only("refused by the HTTP guard before any handler or query")
def test_signatures_301_seconds_either_way_run_nothing(app):
    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    proc = ServeProcess(app.db.url, fake.api_url)
    try:
        body = command_body("subscribe", user_id="U0ADMIN", response_url=fake.response_url())
        for skew in (-301, 301):
            h = signed_headers(SECRET, body, timestamp=int(time.time()) + skew, content_type=FORM)
            assert post(proc.url, body, h)[0] == 401
        h = signed_headers(SECRET, body, content_type=FORM)
        assert post(proc.url, body, {**h, "X-Slack-Signature": "v0=" + "0" * 64})[0] == 401
        assert post(proc.url, body, {k: v for k, v in h.items() if k != "X-Slack-Request-Timestamp"})[0] == 401
        time.sleep(0.5)
        assert fake.of("response_url") == [] and fake.of("users.info") == []
        with app.db.session() as s:
            assert s.scalar(select(func.count()).select_from(models.Subscription)) == 0
    finally:
        proc.stop()
        fake.stop()


@pytest.mark.sqlite_only("what reaches the log; the search it answers runs on PostgreSQL in test_search")
def test_tokens_never_in_debug_logs(app, tmp_path):
    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    import subprocess

    from .slackserver import ROOT
    env = {"DATABASE_URL": app.db.url, "SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": "xoxb-secret-token-777",
           "SLACK_SIGNING_SECRET": "signing-secret-888", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([*gaorec_argv(), "serve", "--port", "0", "--log-level", "DEBUG"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = ""
        while "listening on" not in line:
            line = proc.stdout.readline()
            assert line, "serve did not start"
        port = int(line.split(":")[-1].split()[0].rstrip(")").split("/")[0])
        body = command_body("232", response_url=fake.response_url())
        post(f"http://127.0.0.1:{port}/slack/events", body, signed_headers("signing-secret-888", body,
                                                                            content_type=FORM))
        fake.wait_for("response_url")
    finally:
        proc.terminate()
        out = proc.communicate(timeout=15)[0]
        fake.stop()
    assert "xoxb-secret-token-777" not in out and "signing-secret-888" not in out
    assert fake.of("users.info")[0].headers.get("Authorization") == "Bearer xoxb-secret-token-777"


def test_settings_never_print_secrets():
    from config.settings import Settings

    s = Settings(slack_bot_token="xoxb-abc", slack_signing_secret="sss", _env_file=None)
    assert "xoxb-abc" not in repr(s) and "sss" not in str(s.model_dump())


def test_reminder_outputs_escape_data():
    v = view(report_title=HOSTILE, agency=HOSTILE, text=HOSTILE, comments=HOSTILE, status=HOSTILE,
             promises=[__import__("bot.gao.promises", fromlist=["Promise"]).Promise(
                 due=date(2024, 3, 31), phrase=HOSTILE, sentence=HOSTILE, kind="month", current=True)])
    blocks = reminder_blocks(v, date(2026, 12, 1), 1, day=utc_day, state_line="fine")
    no_live_markup(json.dumps(blocks))
    no_live_markup(followup_text(v, date(2026, 12, 1), 2))
    no_live_markup(status_change_text(v, HOSTILE, date(2026, 12, 1)))


def test_ack_note_and_snooze_reason_are_escaped(app):
    app.import_sources([str(CBP_PAGE)])
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", "U0ADMIN", repo.utcnow())
    app.reminders.run_pass(datetime(2026, 12, 1, 14, tzinfo=timezone.utc))
    with app.db.write() as s:  # pretend it was delivered
        for rem in s.scalars(select(models.Reminder)):
            rem.thread_ts = f"1.{rem.id}"
        s.execute(models.Outbox.__table__.update().values(state="sent"))
        rid = s.scalar(select(models.Reminder.id).limit(1))
    assert app.reminders.acknowledge(rid, "U0X", "reply", "fyi " + HOSTILE).ok
    assert app.reminders.snooze(rid, "U0X", datetime(2027, 1, 1, tzinfo=timezone.utc), HOSTILE).ok
    with app.db.session() as s:
        payloads = [o.payload for o in s.scalars(select(models.Outbox).where(models.Outbox.state == "pending"))]
    assert len(payloads) == 4
    from bot.adapters.slack import slack_render
    from bot.reminders.poster import stored_message

    for p in payloads:  # the outbox holds neutral messages; what Slack gets is rendered at delivery
        no_live_markup(json.dumps(slack_render(stored_message(json.loads(p)))))


@pytest.mark.parametrize("query", ['"232', "NEAR(", "*", "x" * 3000, "😀", "NOT x", "OPS-306", "<!channel>", "a:b",
                                   "(", "'", "\\", "%_"])
def test_fts_syntax_on_every_query_path(app, query):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    caller = Caller("U0ADMIN", is_admin=True, channel_id="C1")
    for text in (query, f"overdue {query}", f"due 90d {query}", f"show {query}", f"history {query}"):
        reply = app.handle(text, caller)
        assert reply.kind in ("list", "empty", "card", "error", "history", "text")
    assert app.handle(f"subscribe {query}", caller).kind == "text"
    app.reminders.run_pass(datetime(2026, 12, 1, tzinfo=timezone.utc), dry_run=True)


def test_who_may_assign_subscribe_and_snooze(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    key = app.search("closeout")[0][0].key
    nobody = Caller("U0NOBODY", channel_id="C1")
    for text in (f"assign {key} @U0X", f"unassign {key}", "subscribe", "unsubscribe"):
        assert "Only workspace admins" in app.handle(text, nobody).text
    listed = app.settings.model_copy(update={"admins": ["U0LISTED"]})
    app.settings = listed
    assert "now owned by" in app.handle(f"assign {key} @U0X", Caller("U0LISTED", channel_id="C1")).mrkdwn
    assert app.handle("subscriptions", nobody).kind == "text"  # everyone may look


def test_oversize_command_text_gets_a_clean_answer(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    reply = app.handle("closeout " + "x" * 3000, Caller("U1"))
    assert reply.kind == "empty"
    from bot.blocks import reply_blocks
    from slack_sdk.models.blocks import Block

    for b in reply_blocks(reply):
        Block.parse(b).to_dict()  # slack_sdk validates it


def _counts(app):
    with app.db.session() as s:
        return [s.scalar(select(func.count()).select_from(m)) for m in
                (models.Report, models.Recommendation, models.StatusEvent, models.Promise)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=2000),
    st.binary(max_size=2000),
    st.builds(lambda t: "<html><body><table><tr><td class='views-field-field-recommendation'>" + t + "</td></tr>"
                        "</table></body></html>", st.text(max_size=300)),
    st.builds(lambda rows: "Publication Name,Publication  Number,Agency,Recommendation,Status\n" + "\n".join(rows),
              st.lists(st.text(alphabet='ab,"\n GAO-1234', max_size=40), max_size=6)),
))
def test_fuzzed_imports_never_crash_and_failures_change_nothing(app, tmp_path_factory, data):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    before = _counts(app)
    path = tmp_path_factory.mktemp("fuzz") / "input.txt"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    try:
        app.import_sources([str(FIXTURES / "report-page.html"), str(path)])
    except (ParseError, repo.ImportRefused):
        assert _counts(app) == before
