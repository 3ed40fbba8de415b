"""Buttons on cards and result lists: more, details, next/previous page, share in channel."""
from __future__ import annotations

import json
from datetime import date

from ...blocks import card_blocks, fallback_text, reply_blocks, unescape
from ...blocks.render import mention, mrkdwn, read_mentions
from ..context import gaorec

ACTIONS = ("gaorec_more", "gaorec_details", "gaorec_page_next", "gaorec_page_prev", "gaorec_share",
           "gaorec_ack", "gaorec_snooze_week", "gaorec_snooze_month", "gaorec_snooze_date",
           "gaorec_outcome_implemented", "gaorec_outcome_not_implemented", "gaorec_outcome_open",
           "gaorec_promise_confirm", "gaorec_promise_correct",
           "gaorec_home_refresh")  # the last in listeners/views


def _state(body) -> dict:
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
        return value if isinstance(value, dict) else {}
    except (ValueError, KeyError, IndexError):
        return {}


def _offset(state: dict) -> int:
    try:
        return max(0, min(int(state.get("o", 0)), 100_000))
    except (TypeError, ValueError):
        return 0


def ack_action(ack):
    ack()


def details(body, respond, context):
    ctx = gaorec(context)
    key = (body["actions"][0].get("value") or "")[:16]
    v = ctx.service.show(key)
    if v is None:
        respond(text="That recommendation is no longer known.", response_type="ephemeral", replace_original=False)
        return
    blocks = card_blocks(v, ctx.service.today(), tz=ctx.service.settings.tz, full=True)
    respond(blocks=blocks, text=f"Recommendation {v.key}", response_type="ephemeral",
            replace_original=False)


def _query(state: dict) -> str:
    """A paging button's query, read as a command's text is (a button made before the core read "who" tokens
    holds Slack's mentions)."""
    return read_mentions(unescape(str(state.get("t", ""))))[:500]


def page(body, respond, client, context):
    ctx = gaorec(context)
    state = _state(body)
    caller = ctx.caller(client, body["user"]["id"], (body.get("channel") or {}).get("id"))
    reply = ctx.service.page(_query(state), _offset(state), caller)
    respond(blocks=reply_blocks(reply), text=fallback_text(reply),
            response_type="ephemeral", replace_original=True)


def share(body, respond, client, context):
    ctx = gaorec(context)
    state = _state(body)
    caller = ctx.caller(client, body["user"]["id"], (body.get("channel") or {}).get("id"))
    reply = ctx.service.page(_query(state), _offset(state), caller)
    respond(blocks=reply_blocks(reply, share=False, buttons=False),
            text=fallback_text(reply), response_type="in_channel", replace_original=False)


def reminder_id(body) -> int | None:
    r = _state(body).get("r")
    if r is None:
        return None
    try:
        rid = int(r)
    except (TypeError, ValueError, OverflowError):
        return None
    return rid if 0 < rid < 2**31 else None  # a forged id never reaches the database


def denied(body, respond, result, verb: str = "answer"):
    from ...blocks.reminders import refusal_text

    respond(text=refusal_text(result, verb), response_type="ephemeral", replace_original=False)


def acknowledge(body, respond, context):
    ctx = gaorec(context)
    rid = reminder_id(body)
    if rid is None:
        respond(text="That button is out of date or was not made by gaorec; nothing was recorded.",
                response_type="ephemeral", replace_original=False)
        return
    result = ctx.service.reminders.acknowledge(rid, body["user"]["id"], "button", None)
    if not result.ok and result.reason:
        respond(text=result.reason, response_type="ephemeral", replace_original=False)
    elif not result.ok:
        denied(body, respond, result, "acknowledge")
    ctx.deliver()


def snooze(body, respond, context):
    from datetime import datetime, timedelta, timezone

    from ...timeinput import in_zone

    ctx = gaorec(context)
    action = body["actions"][0]
    now = datetime.now(timezone.utc)
    if action["action_id"] == "gaorec_snooze_date":
        try:
            day = datetime.fromisoformat(action.get("selected_date") or "")
        except ValueError:
            return
        until = in_zone(day, ctx.service.settings.tz)  # the picked day's midnight there (bot/timeinput.py)
        block = next((b for b in (body.get("message") or {}).get("blocks", [])
                      if str(b.get("block_id", "")).startswith("reminder:")), None)
        rid = int(block["block_id"].split(":")[1]) if block else None
    else:
        until = now + timedelta(days=7 if action["action_id"] == "gaorec_snooze_week" else 30)
        rid = reminder_id(body)
    result = ctx.service.reminders.snooze(rid, body["user"]["id"], until, None)
    if not result.ok and result.reason:
        respond(text=result.reason, response_type="ephemeral", replace_original=False)
    elif not result.ok:
        denied(body, respond, result, "snooze")
    ctx.deliver()


def outcome(body, respond, client, context):
    from ...blocks.listing import OUTCOME_ACTIONS
    from ...services.listing import set_outcome

    ctx = gaorec(context)
    action = body["actions"][0]
    word = next((w for w, a in OUTCOME_ACTIONS.items() if a == action["action_id"]), None)
    key = str(_state(body).get("k", ""))[:16]
    if word is None or not key:
        return
    channel = (body.get("channel") or {}).get("id")
    caller = ctx.caller(client, body["user"]["id"], channel)
    result = set_outcome(ctx.service, key, word, caller.user_id, is_admin=ctx.service.may_manage(caller),
                         channel=channel)
    if not result.ok:
        respond(text=mrkdwn(result.message), response_type="ephemeral", replace_original=False)
    ctx.deliver()


def refuse(body, respond, text: str):
    respond(text=text, response_type="ephemeral", replace_original=False)


def confirm_promise(body, respond, context):
    from ...services import promises as sp

    ctx = gaorec(context)
    state = _state(body)
    key = str(state.get("k", ""))[:16]
    try:  # the date the button was shown with (messages from before it was carried have none)
        shown = date.fromisoformat(str(state["d"])[:10]) if state.get("d") else None
    except ValueError:
        shown = None
    out = sp.apply(ctx.service, key, "confirm", actor=body["user"]["id"], via="button", shown=shown)
    if not out.ok:
        refuse(body, respond, mrkdwn(out.body) or out.text)
    elif not out.data.get("threads"):
        refuse(body, respond, mrkdwn(out.body))  # no reminder thread to confirm in: say it privately
    ctx.deliver()


def correct_promise(body, respond, client, context):
    """Open the correction modal (only for the owner or an admin)."""
    from storage import repo

    from ...blocks.reminders import correct_modal

    ctx = gaorec(context)
    state = _state(body)
    key = str(state.get("k", ""))[:16]
    user = body["user"]["id"]
    with ctx.service.db.session() as s:
        v = repo.get(s, key)
        if v is None:
            refuse(body, respond, "That recommendation is no longer known.")
            return
        ok, owner = ctx.service.reminders.may_act_on(s, v.id, user)
    if not ok:
        refuse(body, respond, f"Only {mention(owner, 'nobody')} or an admin can confirm or correct this promise; "
                              f"nothing was recorded.")
        return
    meta = json.dumps({"k": v.key, "c": (body.get("channel") or {}).get("id")})
    client.views_open(trigger_id=body["trigger_id"], view=correct_modal(v, meta))


LAZY = {"gaorec_outcome_implemented": outcome, "gaorec_outcome_not_implemented": outcome,
        "gaorec_outcome_open": outcome, "gaorec_promise_confirm": confirm_promise,
        "gaorec_promise_correct": correct_promise, "gaorec_ack": acknowledge, "gaorec_snooze_week": snooze,
        "gaorec_snooze_month": snooze, "gaorec_snooze_date": snooze, "gaorec_more": details,
        "gaorec_details": details, "gaorec_page_next": page, "gaorec_page_prev": page, "gaorec_share": share}


def register(app, ctx) -> None:
    for action_id, lazy in LAZY.items():
        app.action(action_id)(ack=ack_action, lazy=[lazy])
