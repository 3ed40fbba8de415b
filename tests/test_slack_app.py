"""The Slack app in-process: manifest vs listeners, Block Kit limits, escaping."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import yaml
from slack_sdk.models.blocks import Block

from bot.adapters.slack import create_app, make_client
from bot.blocks import BUTTON_TEXT_MAX, MAX_BLOCKS, SECTION_MAX, card_blocks, escape, reply_blocks
from bot.blocks.text import to_text
from bot.gao.promises import Promise
from bot.listeners.actions import ACTIONS
from bot.listeners.commands import COMMAND
from bot.listeners.events import EVENTS
from bot.listeners.views import VIEWS
from bot.reply import Reply
from config.settings import Settings
from storage.repo import RecView

from .conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "config" / "slack-manifest.yml").read_text())


def test_manifest_matches_the_listeners():
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == [COMMAND]
    assert all(c["should_escape"] for c in MANIFEST["features"]["slash_commands"])
    bot_events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    for event in EVENTS:  # "message" arrives through message.channels and message.groups
        assert event in bot_events or {f"{event}.channels", f"{event}.groups"} <= bot_events, event
    assert {"message.channels", "message.groups", "reaction_added", "app_home_opened", "link_shared"} <= bot_events
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "channels:history", "groups:history", "reactions:read", "users:read"} <= scopes
    assert MANIFEST["settings"]["interactivity"]["is_enabled"]  # buttons, and the modals of VIEWS
    assert VIEWS and "promise KEY DATE|none" in MANIFEST["features"]["slash_commands"][0]["usage_hint"]
    assert isinstance(MANIFEST["settings"]["socket_mode_enabled"], bool)


def test_registered_listeners_are_those_the_manifest_promises(sqlite_url):
    settings = Settings(database_url=sqlite_url, slack_bot_token="xoxb-x", slack_signing_secret="s", _env_file=None)
    app = create_app(settings)
    # /gaorec has two: reads (answered in the ack, no lazy part) and the rest (acked, then answered lazily)
    assert len(app._listeners) == 2 + len(ACTIONS) + len(EVENTS) + len(VIEWS)


def test_client_has_retry_handlers_and_govslack_url():
    s = Settings(slack_bot_token="xoxb-x", slack_api_url="https://slack-gov.com/api", _env_file=None)
    c = make_client(s)
    names = {type(h).__name__ for h in c.retry_handlers}
    assert {"RateLimitErrorRetryHandler", "ServerErrorRetryHandler", "ConnectionErrorRetryHandler"} <= names
    assert c.base_url == "https://slack-gov.com/api/"


def view(**kw) -> RecView:
    base = dict(id=1, key="ab2cd", report_number="GAO-24-900101", report_title="A Title", report_published=None,
                rec_number=3, agency="Office of Example Programs", status="Open", priority=True, text="Do it.",
                comments="c", comments_cut=False, url="https://www.gao.gov/products/gao-24-900101", topics=[],
                first_seen=datetime(2026, 1, 1, tzinfo=timezone.utc), last_changed=None, current_due=date(2024, 3, 31),
                status_date=None,
                promises=[Promise(due=date(2024, 3, 31), phrase="March 2024", sentence="It will be done by March 2024.",
                                  kind="month", current=True)])
    base.update(kw)
    return RecView(**base)


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def check_limits(blocks: list[dict]) -> None:
    assert len(blocks) <= MAX_BLOCKS
    for b in blocks:
        d = Block.parse(b).to_dict()  # slack_sdk validates lengths on to_dict()
        if d["type"] == "section":
            assert len(d.get("text", {}).get("text", "")) <= SECTION_MAX
            assert all(len(f["text"]) <= 2000 for f in d.get("fields", []))
        if d["type"] == "actions":
            assert all(len(e["text"]["text"]) <= BUTTON_TEXT_MAX for e in d["elements"])
            assert all(len(e.get("value", "")) <= 2000 for e in d["elements"])


HOSTILE = "<!channel> <!here> <@U123> <https://evil.example|click> & <!subteam^S1>"


def test_escaping_in_cards_lists_and_shell():
    v = view(report_title=HOSTILE, agency=HOSTILE, text=HOSTILE * 50, comments=HOSTILE,
             promises=[Promise(due=date(2024, 3, 31), phrase=HOSTILE, sentence=HOSTILE, kind="month", current=True)])
    for blocks in (card_blocks(v, date(2026, 12, 1), tz=timezone.utc, full=True),
                   reply_blocks(Reply(kind="list", title=HOSTILE, records=[v] * 12, total=12, as_of=date(2026, 12, 1),
                                      source_text=HOSTILE)),
                   reply_blocks(Reply(kind="empty", query=HOSTILE, text="x")),
                   reply_blocks(Reply(kind="error", text=HOSTILE))):
        blob = all_text(blocks)
        for live in ("<!channel>", "<!here>", "<@U123>", "<https://evil", "<!subteam"):
            assert live not in blob
        check_limits(blocks)
    # the shell shows the text as it is
    assert "<!channel>" in to_text(card_blocks(v, date(2026, 12, 1), tz=timezone.utc))


def test_limits_with_huge_data():
    v = view(report_title="T" * 5000, agency="A" * 3000, text="x" * 100_000, comments="y" * 1_000_000,
             slips=[{"old_due": "2024-03-31", "new_due": "2024-06-30"}] * 500,
             promises=[Promise(due=date(2024, 3, 31), phrase="p" * 500, sentence="s" * 10_000, kind="month",
                               current=True)])
    check_limits(card_blocks(v, date(2026, 12, 1), tz=timezone.utc, full=True))
    check_limits(reply_blocks(Reply(kind="list", title="t" * 500, records=[v] * 60, total=600, offset=5,
                                    as_of=date(2026, 12, 1), source_text="q" * 3000)))
    history = Reply(kind="history", title="h", records=[v], data={"events": [
        {"at": "2026-01-01T00:00:00Z", "kind": "ack", "actor": "U1", "detail": {"note": "n" * 5000}}] * 400})
    check_limits(reply_blocks(history))


def test_escape():
    assert escape("a & <b> >") == "a &amp; &lt;b&gt; &gt;"
