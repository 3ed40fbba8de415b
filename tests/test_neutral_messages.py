"""The core speaks no chat: services and the reminder engine build neutral messages (bot/messages.py); Slack's
Block Kit and mrkdwn are rendered at delivery, the shell and the CLI print the same messages as words, and the
outbox stores them as JSON (rows planned before that still deliver as they were)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from bot import messages as M
from bot.adapters.shell import ShellPoster
from bot.adapters.slack import slack_render
from bot.blocks import card_message, render, reply_message
from bot.blocks.reminders import reminder_message
from bot.messages import Message, render_text

from .block_shapes import GOLDEN, NOW, build_world, command_texts, shapes, utc_day


@pytest.fixture
def world(sqlite_url, tmp_path, monkeypatch):
    app, admin, keys = build_world(sqlite_url, tmp_path, monkeypatch.setenv)
    yield app, admin, keys
    app.db.dispose()


def test_slack_gets_the_same_block_kit_as_before_for_every_kind(world):
    """75 shapes (every reply kind, cards, unfurls, reminders in each state, asks, the digest, App Home) rendered
    from neutral messages equal the Block Kit the slack_sdk builders produced (tests/fixtures/blocks-golden.json)."""
    golden = json.loads(GOLDEN.read_text())
    now = json.loads(json.dumps(shapes(*world), ensure_ascii=False))
    assert sorted(now) == sorted(golden)
    kinds = {v.get("kind") for k, v in golden.items() if k.startswith("reply:")}
    assert {"help", "error", "text", "file", "history", "empty", "stats", "card", "list"} <= kinds
    for name in golden:
        assert now[name] == golden[name], name


def test_an_answer_in_the_ack_builds_each_part_once_and_says_the_same(world):
    """payload_parts (the ack's blocks and notification text, each part built once) gives exactly what
    reply_blocks and fallback_text give, for every kind of reply."""
    from bot.blocks import fallback_text, payload_parts, reply_blocks
    from bot.blocks.render import read_mentions

    app, admin, keys = world
    kinds = set()
    for cmd in command_texts(keys):
        reply = app.handle(read_mentions(cmd), admin, now=NOW)
        kinds.add(reply.kind)
        assert payload_parts(reply) == (reply_blocks(reply), fallback_text(reply)), cmd
    assert {"help", "error", "text", "file", "history", "empty", "stats", "card", "list"} <= kinds


def test_messages_survive_json_and_render_the_same(world):
    app, admin, keys = world
    as_of = NOW.date()
    for key in keys:
        v = app.show(key, NOW)
        for msg in (card_message(v, as_of, tz=timezone.utc, full=True),
                    reminder_message(v, as_of, 3, day=utc_day, state_line=M.text(
                        M.icon("zzz"), "Snoozed by ", M.user("U0DANA"), " until 2026-12-01: “<!here> & co”"))):
            back = Message.from_dict(json.loads(json.dumps(msg.to_dict())))
            assert back == msg and render.blocks(back) == render.blocks(msg)
            assert render_text(back) == render_text(msg)
    reply = app.handle("example", admin, now=NOW)
    assert Message.from_dict(reply_message(reply).to_dict()) == reply_message(reply)


def test_the_shell_and_the_cli_print_words_not_slack_markup(world):
    app, admin, keys = world
    prio = [k for k in keys + [v.key for v in app.search("DHS", as_of=NOW.date())[0]] if app.show(k, NOW).priority]
    assert prio, "the fixtures hold a priority recommendation"
    out = CliRunner().invoke(__import__("bot.cli", fromlist=["main"]).main, ["show", prio[0]],
                             catch_exceptions=False).output
    slack = json.dumps(render.blocks(card_message(app.show(prio[0], NOW), NOW.date(), tz=timezone.utc, full=True)))
    assert ":star:" in slack and f"`{prio[0]}`" in slack  # Slack keeps its emoji and code
    assert ":star:" not in out and "`" not in out and "*" not in out and "&amp;" not in out
    assert "Priority" in out and prio[0] in out  # the meaning is in words (Section 508)
    said: list[str] = []
    poster = ShellPoster(said.append)
    v = app.show(keys[0], NOW)
    poster.post("C1", reminder_message(v, NOW.date(), 1, day=utc_day), thread_ts=None, key="k")
    text = said[0]
    assert ":alarm_clock:" not in text and "`" not in text and "<@" not in text
    assert "A promised date passed with no status change" in text and "@U0DANA" in text
    assert "add a ✅ reaction to acknowledge" in text and [a.label for a in poster.last_actions][:1] == ["Acknowledge"]


def test_reply_bodies_are_spans_and_mentions_render_per_chat(world):
    app, admin, keys = world
    reply = app.handle(f"assign {keys[1]} @U0LEE", admin, now=NOW)
    assert all(isinstance(s, M.Span) for s in reply.body)
    assert any(s.kind == "user" and s.ref == "U0LEE" for s in reply.body)
    assert reply.mrkdwn.startswith(f"`{keys[1]}` is now owned by <@U0LEE>")
    assert M.to_plain(reply.body).startswith(f"{keys[1]} is now owned by @U0LEE")
    hostile = app.handle("subscribe <!channel> & <@U1>", admin, now=NOW)
    assert "<!channel>" not in hostile.mrkdwn and "&lt;!channel&gt; &amp; &lt;@U1&gt;" in hostile.mrkdwn
    assert "<!channel> & <@U1>" in M.to_plain(hostile.body)  # the shell shows the words as typed


class Recorder:
    """A poster that records what Slack would be sent (rendered at delivery, like SlackPoster)."""

    def __init__(self):
        self.sent: list[tuple] = []

    def post(self, channel, message, *, thread_ts, key, reply_broadcast=False):
        self.sent.append(("post", channel, *slack_render(message)))
        return f"1.{len(self.sent)}"

    def update(self, channel, ts, message):
        self.sent.append(("update", channel, *slack_render(message)))

    def ephemeral(self, channel, user, message, thread_ts=None):
        self.sent.append(("ephemeral", channel, *slack_render(message)))

    def find(self, channel, key, thread_ts, oldest):
        return None


def test_outbox_rows_hold_neutral_messages_and_old_block_kit_rows_still_deliver(world):
    from sqlalchemy import select

    from storage.models import Outbox
    from storage.queries.reminders import plan_post

    app, admin, keys = world
    engine = app.reminders
    with app.db.session() as s:
        payloads = [json.loads(p) for p in s.scalars(select(Outbox.payload))]
    assert payloads and all("message" in p and "blocks" not in p for p in payloads)
    old_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Planned before* `k7m2q` &amp; co"}}]
    now = datetime(2026, 11, 3, tzinfo=timezone.utc)
    with app.db.write() as s:
        plan_post(s, "legacy:1", "reminder", "C1", None, None, now,
                  {"text": "Old reminder <@U0DANA>", "blocks": old_blocks})
        plan_post(s, "legacy:2", "followup", "C1", "1.5", None, now,
                  {"text": "Old follow-up `k7m2q`"})
    rec = Recorder()
    assert engine.outbox.pace_seconds == 0  # build_world's settings: post_interval=0
    engine.deliver(rec, now)
    assert ("post", "C1", "Old reminder <@U0DANA>", old_blocks) in rec.sent
    assert ("post", "C1", "Old follow-up `k7m2q`", None) in rec.sent
    said: list[str] = []
    from bot.reminders.poster import stored_message

    ShellPoster(said.append).post("C1", stored_message({"text": "x", "blocks": old_blocks}), thread_ts=None, key="o")
    assert "Planned before k7m2q & co" in said[0]


def test_a_message_says_its_meaning_in_words():
    msg = Message([], M.text(M.icon("rotating_light"), "Escalation to ", M.user("U0BOSS"), "."))
    assert render.render(msg) == (":rotating_light: Escalation to <@U0BOSS>.", None)
    assert M.to_plain(msg.text) == "Escalation to @U0BOSS."
    assert render.mrkdwn([M.link("a|b <c>", "https://x.example/<y>")]) == "a¦b &lt;c&gt;"  # no live link from data
    assert render.mrkdwn([M.user("<!channel>"), M.channel("C1|x")]) == "&lt;!channel&gt;C1|x"
