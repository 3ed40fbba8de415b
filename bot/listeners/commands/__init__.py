"""/gaorec: acknowledged at once, answered through respond() after the ack."""
from __future__ import annotations

import logging
import time

from ... import metrics
from ...blocks import fallback_text, reply_blocks, unescape
from ...reply import Reply

log = logging.getLogger("gaorec.slack")
COMMAND = "/gaorec"
KNOWN = {"help", "show", "overdue", "due", "mine", "assign", "unassign", "subscribe", "unsubscribe", "subscriptions",
         "snooze", "promise", "history", "stats", "export", "owners", "justify", "clock"}


def send_export(client, user_id: str, reply):
    """Upload the export into a direct message to the caller; the answer says where it went, or why it did not."""
    from ...blocks import escape
    from ...reply import Reply

    name, n = reply.data["filename"], reply.total
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=None, file=reply.data["content"], filename=name, title=name,
                               initial_comment=f"gaorec export: {n} recommendation{'s' if n != 1 else ''} ({name})")
    except Exception as exc:  # noqa: BLE001 - a Slack error, a refused upload, a dropped connection: say so
        code = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or type(exc).__name__
        log.warning("export upload failed: %s", code)
        return Reply(kind="error", as_of=reply.as_of, mrkdwn=(
            f"Your export ({n} recommendation{'s' if n != 1 else ''}, `{escape(name)}`) could not be sent: Slack "
            f"answered {escape(str(code))}. Nothing was sent; try again in a minute, or run `gaorec export` on the "
            "server."))
    return Reply(kind="file", as_of=reply.as_of, total=n, mrkdwn=(
        f"Your export: {n} recommendation{'s' if n != 1 else ''} (`{escape(name)}`), sent to you in a direct "
        "message from gaorec (its Messages tab)."))


def register(app, ctx) -> None:
    def ack_command(ack):
        ack()

    def run_command(body, respond, client):
        time.sleep(0.001)  # let the ack's response leave before this thread takes the GIL for the search
        text = unescape(body.get("text") or "")  # should_escape: Slack sent &amp; &lt; &gt;; undo it exactly once
        word = text.split(" ", 1)[0].lower()
        metrics.COMMANDS.labels(word if word in KNOWN else "search").inc()
        caller = ctx.caller(client, body["user_id"], body.get("channel_id"), body.get("user_name", ""))
        reply = ctx.service.handle(text, caller)
        if reply.kind == "file":  # to the caller, by files upload v2 in a direct message
            reply = send_export(client, body["user_id"], reply)
        respond(blocks=[b.to_dict() for b in reply_blocks(reply)], text=fallback_text(reply),
                response_type="ephemeral")
        ctx.deliver()  # wakes the delivery job: a snooze confirms in its thread

    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
