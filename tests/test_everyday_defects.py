"""Smaller defects of everyday use, each pinned: a stale reminder's button, a
snooze before any reminder, a failed export upload, the Messages tab, and
top-level text that carries the meaning (never an emoji alone)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import yaml

from bot.adapters.shell import ShellPoster
from bot.blocks import fallback_text
from bot.blocks.reminders import refusal_text
from bot.reply import Caller
from bot.service import Gaorec
from storage import repo

from .conftest import FIXTURES, ROOT
from .fakeslack import FakeSlack

pytestmark = pytest.mark.sqlite_only  # Slack surfaces; their queries run on PostgreSQL elsewhere

ADMIN = Caller("U0ADMIN", is_admin=True, channel_id="C1")
NOW = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)


@pytest.fixture
def loaded(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    return Gaorec(app.settings.model_copy(update={"post_interval": 0.0}), app.db)  # no pacing between posts


def _grant_key(app) -> str:
    return [v for v in app.search("closeouts")[0] if v.rec_number == 2][0].key


def test_acknowledge_on_an_unknown_or_stale_reminder_says_so(loaded):
    result = loaded.reminders.acknowledge(987654, "U0DANA", "button", None, NOW)
    assert not result.ok and result.gone
    text = refusal_text(result)
    assert "no longer open" in text and "Only" not in text and "nobody" not in text
    result = loaded.reminders.acknowledge(None, "U0DANA", "button", None, NOW)  # a button without a reminder id
    assert result.gone
    with loaded.db.write() as s:
        repo.subscribe(s, "C1", "", "U0ADMIN", repo.utcnow())
    loaded.reminders.run_pass(NOW, poster=ShellPoster(lambda _t: None))
    from sqlalchemy import select, update

    from storage.models import Reminder
    with loaded.db.write() as s:
        rid = s.scalar(select(Reminder.id).limit(1))
        s.execute(update(Reminder).values(state="closed"))  # GAO changed the record: reminders stopped
    result = loaded.reminders.acknowledge(rid, "U0DANA", "button", None, NOW)
    assert result.gone and "no longer open" in refusal_text(result)


def test_snooze_before_any_reminder_is_explained(loaded):
    key = _grant_key(loaded)
    reply = loaded.handle(f"snooze {key} 2w waiting on OT", ADMIN, now=NOW)
    text = fallback_text(reply)
    assert "Nothing to snooze yet" in text and "no open reminder" in text and "overdue" in text
    assert "Nothing found" not in text
    assert "start in channels that subscribe" in text  # ADMIN's channel subscribes to nothing
    reply = loaded.handle("snooze zzzzz 2w", ADMIN, now=NOW)
    assert "No recommendation has that key" in fallback_text(reply)
    # a subscribed channel is not told to subscribe: its reminders wait for the next pass
    loaded.handle("subscribe", ADMIN, now=NOW)
    text = fallback_text(loaded.handle(f"snooze {key} 2w waiting on OT", ADMIN, now=NOW))
    assert "This channel subscribes: the next reminder pass posts one" in text and "/gaorec subscribe" not in text


def test_a_failed_export_upload_tells_the_user(loaded):
    from bot.adapters.slack import make_client
    from bot.listeners.commands import send_export
    from config.settings import Settings

    fake = FakeSlack().start()
    try:
        client = make_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url, _env_file=None))
        reply = loaded.handle("export", ADMIN, now=NOW)
        fake.fail("files.getUploadURLExternal", 200, body={"ok": False, "error": "not_allowed_token_type"})
        answer = send_export(client, "U0DANA", reply)
        assert answer.kind == "error"
        assert "could not be sent" in answer.mrkdwn and "not_allowed_token_type" in answer.mrkdwn
        answer = send_export(client, "U0DANA", reply)  # Slack takes it now
        assert answer.kind == "file" and "direct message" in answer.mrkdwn
        assert fake.of("files.completeUploadExternal")
    finally:
        fake.stop()


def test_the_manifest_has_a_messages_tab():
    manifest = yaml.safe_load((ROOT / "config" / "slack-manifest.yml").read_text())
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


EMOJI = re.compile(r":[a-z0-9_+-]+:")


@pytest.mark.parametrize("command", ["help", "stats", "closeouts", "show {key}", "{key}", "overdue", "due 365d",
                                     "mine", "assign {key} @U0DANA", "unassign {key}", "subscribe",
                                     "subscriptions", "unsubscribe", "owners", "history {key}", "snooze {key} 2w",
                                     "zzzq nothing matches this", "show", "assign"])
def test_top_level_text_carries_the_meaning(loaded, command):
    reply = loaded.handle(command.format(key=_grant_key(loaded)), ADMIN, now=NOW)
    text = fallback_text(reply)
    words = re.findall(r"[A-Za-z]{3,}", EMOJI.sub("", text))
    assert len(words) >= 2 and text != "gaorec", (command, text)


def test_an_owner_named_in_plain_text_is_told_how_to_name_one(app):
    """`/gaorec assign p75nw @dana` typed without picking dana from Slack's list arrives as plain text: the
    answer says how to name a person, and echoes what was typed escaped."""
    from bot.blocks import fallback_text
    from bot.reply import Caller

    from .conftest import CBP_PAGE

    app.import_sources([str(CBP_PAGE)])
    key = app.search("232")[0][0].key
    reply = app.handle(f"assign {key} @dana<b>", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    text = fallback_text(reply)
    assert reply.kind == "error" and "pick them from the list Slack shows when you type @" in text
    assert "@dana&lt;b&gt;" in text and "<b>" not in text
