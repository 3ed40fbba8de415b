"""Buttons on cards and result lists: more, details, next/previous page, share in channel."""
from __future__ import annotations

import json

from ...blocks import card_blocks, fallback_text, reply_blocks, unescape

ACTIONS = ("gaorec_more", "gaorec_details", "gaorec_page_next", "gaorec_page_prev", "gaorec_share")


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


def register(app, ctx) -> None:
    def ack_action(ack):
        ack()

    def details(body, respond):
        key = (body["actions"][0].get("value") or "")[:16]
        v = ctx.service.show(key)
        if v is None:
            respond(text="That recommendation is no longer known.", response_type="ephemeral", replace_original=False)
            return
        blocks = card_blocks(v, ctx.service.today(), full=True)
        respond(blocks=[b.to_dict() for b in blocks], text=f"Recommendation {v.key}", response_type="ephemeral",
                replace_original=False)

    def page(body, respond, client):
        state = _state(body)
        caller = ctx.caller(client, body["user"]["id"], (body.get("channel") or {}).get("id"))
        reply = ctx.service.page(unescape(str(state.get("t", "")))[:500], _offset(state), caller)
        respond(blocks=[b.to_dict() for b in reply_blocks(reply)], text=fallback_text(reply),
                response_type="ephemeral", replace_original=True)

    def share(body, respond, client):
        state = _state(body)
        caller = ctx.caller(client, body["user"]["id"], (body.get("channel") or {}).get("id"))
        reply = ctx.service.page(unescape(str(state.get("t", "")))[:500], _offset(state), caller)
        respond(blocks=[b.to_dict() for b in reply_blocks(reply, share=False, buttons=False)],
                text=fallback_text(reply), response_type="in_channel", replace_original=False)

    for action_id, lazy in (("gaorec_more", details), ("gaorec_details", details), ("gaorec_page_next", page),
                            ("gaorec_page_prev", page), ("gaorec_share", share)):
        app.action(action_id)(ack=ack_action, lazy=[lazy])
