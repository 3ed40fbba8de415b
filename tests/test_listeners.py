"""Listeners in process: module-level functions called with Bolt's own objects (BoltContext, and a
BoltRequest dispatched through the real app to a BoltResponse), on payloads shaped like Slack's
(tests/fixtures/slack-block-actions.json; the slash command's form is built below)."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot.adapters.slack import create_app
from bot.listeners import actions, commands, views
from bot.listeners.context import KEY, Context, gaorec
from bot.reply import Caller
from bot.service import Gaorec
from config.settings import Settings
from storage.models import Recommendation

from .conftest import CBP_PAGE

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "listener-test-secret"
ADMIN = "U0ADMIN"  # in settings.admins: no users.info call is needed to know who may manage


@pytest.fixture
def service(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    s = Gaorec(Settings(database_url=db_url, admins=[ADMIN], slack_signing_secret=SECRET, _env_file=None))
    s.import_sources([str(CBP_PAGE)])
    yield s
    s.db.dispose()


@pytest.fixture
def key(service) -> str:
    with service.db.session() as s:
        return s.scalars(select(Recommendation.key).order_by(Recommendation.key)).first()


def bolt_context(service: Gaorec) -> BoltContext:
    return BoltContext({KEY: Context(service=service)})


class Recorder:
    """ack / respond as Bolt passes them: called with keyword arguments."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *args, **kwargs):
        self.calls.append({"args": args, **kwargs})


def button(action_id: str, value: str) -> dict:
    body = json.loads((FIXTURES / "slack-block-actions.json").read_text())
    body["actions"][0].update(action_id=action_id, value=value)
    return body


@pytest.mark.sqlite_only("Bolt's context: no query")
def test_the_context_is_found_in_bolts_context_and_survives_the_lazy_copy(service):
    context = bolt_context(service)
    ctx = gaorec(context)
    assert ctx.service is service
    # Bolt deep-copies the request context for lazy listeners: the Context must come through as itself
    assert gaorec(context.to_copyable()) is ctx
    assert copy.deepcopy(ctx) is ctx


def test_details_button_answers_with_the_card(service, key):
    respond = Recorder()
    actions.details(body=button("gaorec_details", key), respond=respond, context=bolt_context(service))
    [call] = respond.calls
    assert call["text"] == f"Recommendation {key}"
    assert call["response_type"] == "ephemeral" and call["replace_original"] is False
    assert key in json.dumps(call["blocks"])
    assert "gaorec_details" not in json.dumps(call["blocks"])  # the detail view offers no Details of itself


def test_details_button_for_an_unknown_key_says_so(service):
    respond = Recorder()
    actions.details(body=button("gaorec_details", "zzzzz"), respond=respond, context=bolt_context(service))
    assert [c["text"] for c in respond.calls] == ["That recommendation is no longer known."]


@pytest.mark.sqlite_only("refused before the database")
def test_a_forged_reminder_id_is_refused_before_the_database(service):
    respond = Recorder()
    body = button("gaorec_ack", json.dumps({"r": 2**40}))
    actions.acknowledge(body=body, respond=respond, context=bolt_context(service))
    [call] = respond.calls
    assert "out of date or was not made by gaorec" in call["text"]


def test_modal_submission_is_checked_before_it_closes(service, key):
    def submission(values: dict, k: str) -> tuple[dict, dict]:
        view = {"private_metadata": json.dumps({"k": k, "c": "C0AUDIT"}), "state": {"values": values}}
        return {"type": "view_submission", "user": {"id": ADMIN}, "view": view}, view

    picked = {"due": {"date": {"type": "datepicker", "selected_date": "2027-03-31"}}}
    cases = [({}, key, {"due": "Pick the date promised, or tick “No date was promised”."}),
             (picked, "zzzzz", {"due": "That recommendation is no longer known."}),
             (picked, key, None)]  # an admin may correct any date: the modal closes
    for values, k, errors in cases:
        ack = Recorder()
        body, view = submission(values, k)
        views.submit_ack(ack=ack, body=body, view=view, context=bolt_context(service))
        [call] = ack.calls
        assert call.get("errors") == errors
        assert call.get("response_action") == ("errors" if errors else None)


def test_a_write_command_is_acknowledged_empty(service):
    ack = Recorder()
    commands.ack_command(ack=ack, body={"text": "subscribe C0AUDIT dhs", "user_id": ADMIN}, client=None,
                         context=bolt_context(service))
    assert ack.calls == [{"args": ()}]  # answered later through response_url, by run_command


def test_slack_mentions_are_read_into_who_tokens_before_the_core(service, key):
    """The core reads "who" tokens (bot/people.py); the Slack listeners read Slack's mentions into them: a slash
    command's, and the query a paging button made before that carries back."""
    from bot.blocks.render import mrkdwn

    for typed, owner in (("<@U0DANA|dana>", "U0DANA"), ("<!subteam^S0TEAM|@team>", "subteam:S0TEAM")):
        respond = Recorder()
        commands.run_command(body={"text": f"assign {key} {typed}", "user_id": ADMIN, "channel_id": "C0AUDIT"},
                             respond=respond, client=None, context=bolt_context(service))
        assert service.show(key).owner == owner, typed
        assert f"is now owned by {typed.split('|')[0]}>" in respond.calls[0]["text"]
    respond = Recorder()
    actions.page(button("gaorec_page_next", json.dumps({"t": "owner:&lt;!subteam^S0TEAM|@team&gt;", "o": 0})),
                 respond=respond, client=None, context=bolt_context(service))
    assert f"`{key}`" in json.dumps(respond.calls[0]["blocks"])
    assert "is now owned by" not in mrkdwn(service.handle(f"assign {key} <@U0DANA>", Caller(ADMIN, is_admin=True)).body)


def test_reads_and_writes_go_to_different_listeners():
    """Reads match the listener with no lazy part (no thread started beside the answer); writes do not."""
    for text in ("232", "show p75nw", "overdue", "help", "tariff &amp; duties", ""):
        assert commands.is_read({"text": text}), text
    for text in ("subscribe C0AUDIT dhs", "snooze p75nw 2w", "export --overdue", "promise p75nw none"):
        assert not commands.is_read({"text": text}), text


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}


def test_a_read_command_through_bolt_is_answered_in_the_ack(service, key, fake_slack):
    """The real app (bind middleware, registration, guard) dispatching a BoltRequest to a BoltResponse."""
    settings = service.settings.model_copy(update={"slack_bot_token": SecretStr("xoxb-t"),
                                                   "slack_api_url": fake_slack.api_url})
    app = create_app(settings, service=service)
    form = urlencode({"token": "not-used", "team_id": "T0TEAM", "team_domain": "agency", "channel_id": "C0AUDIT",
                      "channel_name": "audit-liaison", "user_id": ADMIN, "user_name": "liaison",
                      "command": "/gaorec", "text": f"show {key}", "api_app_id": "A0GAOREC",
                      "response_url": "https://hooks.slack.test/commands/T0TEAM/1/response",
                      "trigger_id": "1700000000.1.trigger"})
    response = app.dispatch(BoltRequest(body=form, headers=signed(form)))
    assert isinstance(response, BoltResponse) and response.status == 200
    answer = json.loads(response.body)
    assert answer["response_type"] == "ephemeral"
    assert key in answer["text"] and key in json.dumps(answer["blocks"])

    forged = app.dispatch(BoltRequest(body=form, headers={**signed(form), "x-slack-signature": "v0=bad"}))
    assert forged.status == 401
