"""App Home (what the viewer owns and what is late, published on app_home_opened and on Refresh), and the
"Correct the date" modal's submission."""
from __future__ import annotations

import logging
from datetime import date

from slack_sdk.errors import SlackApiError
from ...blocks.home import home_view
from ...blocks.render import mrkdwn
from ...services.home import home
from ..context import gaorec

log = logging.getLogger("gaorec.slack")
HOME_EVENTS = ("app_home_opened",)
VIEWS = ("gaorec_promise_modal",)  # view_submission callback ids


def _meta(view) -> dict:
    import json

    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        return meta if isinstance(meta, dict) else {}
    except ValueError:
        return {}


def my_channels(client, user_id: str) -> list[str] | None:
    try:
        resp = client.users_conversations(user=user_id, types="public_channel,private_channel", limit=1000,
                                          exclude_archived=True)
        return [c["id"] for c in resp.get("channels") or []]
    except SlackApiError as exc:  # without channels:read the home lists no channels rather than all
        log.warning("users.conversations failed: %s", exc.response.get("error"))
        return []


def publish(ctx, client, user_id: str) -> None:
    view = home_view(home(ctx.service, user_id, my_channels(client, user_id)))  # data, then Slack's View
    client.views_publish(user_id=user_id, view=view.to_dict())


def ack_only(ack):
    ack()


def opened(event, client, context):
    if event.get("tab", "home") == "home":
        publish(gaorec(context), client, event["user"])


def refresh(body, client, context):
    publish(gaorec(context), client, body["user"]["id"])


def correction(view) -> tuple[str, date | None, str | None] | dict:
    """(action, due, reason) from the modal's state, or the errors to show in it."""
    values = (view.get("state") or {}).get("values") or {}
    picked = ((values.get("due") or {}).get("date") or {}).get("selected_date")
    none = bool(((values.get("none") or {}).get("none") or {}).get("selected_options"))
    reason = ((values.get("reason") or {}).get("reason") or {}).get("value")
    if none:
        return "none", None, reason
    if not picked:
        return {"due": "Pick the date promised, or tick “No date was promised”."}
    try:
        return "set", date.fromisoformat(picked), reason
    except ValueError:
        return {"due": "That is not a date."}


def submit_ack(ack, body, view, context):
    """Checked before the modal closes: a bad answer, or a user who may not answer, is told in the modal."""
    from storage import repo

    parsed = correction(view)
    if isinstance(parsed, dict):
        ack(response_action="errors", errors=parsed)
        return
    service = gaorec(context).service
    meta = _meta(view)
    with service.db.session() as s:
        v = repo.get(s, str(meta.get("k", ""))[:16])
        ok, owner = (service.reminders.may_act_on(s, v.id, body["user"]["id"]) if v else (False, None))
    if v is None:
        ack(response_action="errors", errors={"due": "That recommendation is no longer known."})
    elif not ok:
        ack(response_action="errors", errors={"due": "Only the owner or an admin can correct this date."})
    else:
        ack()


def submitted(body, view, client, context):
    from ...services import promises as sp

    parsed = correction(view)
    if isinstance(parsed, dict):
        return
    ctx = gaorec(context)
    action, due, reason = parsed
    meta = _meta(view)
    user = body["user"]["id"]
    out = sp.apply(ctx.service, str(meta.get("k", ""))[:16], action, actor=user, via="modal", due=due,
                   reason=reason)
    channel = meta.get("c")
    if channel and (not out.ok or not out.data.get("threads")):
        try:  # no reminder thread to answer in (or a refusal): tell the user privately
            client.chat_postEphemeral(channel=channel, user=user, text=mrkdwn(out.body) or out.text)
        except SlackApiError as exc:
            log.warning("chat.postEphemeral failed: %s", exc.response.get("error"))
    ctx.deliver()


def register(app, ctx) -> None:
    app.view_submission(VIEWS[0])(ack=submit_ack, lazy=[submitted])
    app.event("app_home_opened")(ack=ack_only, lazy=[opened])
    app.action("gaorec_home_refresh")(ack=ack_only, lazy=[refresh])
