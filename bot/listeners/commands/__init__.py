"""/gaorec: acknowledged at once, answered through respond() after the ack."""
from __future__ import annotations

import time

from ... import metrics
from ...blocks import fallback_text, reply_blocks

COMMAND = "/gaorec"
KNOWN = {"help", "show", "overdue", "due", "mine", "assign", "unassign", "subscribe", "unsubscribe", "subscriptions",
         "snooze", "promise", "history", "stats", "export", "owners", "justify", "clock"}


def register(app, ctx) -> None:
    def ack_command(ack):
        ack()

    def run_command(body, respond, client):
        time.sleep(0.001)  # let the ack's response leave before this thread takes the GIL for the search
        word = (body.get("text") or "").split(" ", 1)[0].lower()
        metrics.COMMANDS.labels(word if word in KNOWN else "search").inc()
        caller = ctx.caller(client, body["user_id"], body.get("channel_id"), body.get("user_name", ""))
        reply = ctx.service.handle(body.get("text", ""), caller)
        if reply.kind == "file":  # to the caller, by files upload v2 in a direct message
            dm = client.conversations_open(users=body["user_id"])["channel"]["id"]
            client.files_upload_v2(channel=dm, content=None, file=reply.data["content"],
                                   filename=reply.data["filename"], title=reply.data["filename"],
                                   initial_comment=f"{reply.total} recommendations")
        respond(blocks=[b.to_dict() for b in reply_blocks(reply)], text=fallback_text(reply),
                response_type="ephemeral")
        if ctx.service.reminders.pending():
            ctx.deliver()  # a snooze confirms in its thread

    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
