"""/gaorec: the answer goes in the acknowledgement when it is ready in time.

- Reads (a search, show, overdue, due, mine, history, …) are computed in the
  request's own thread and returned in the ack: their work is bounded (counts
  stop at 1,001, pages are 5) and they wait for no lock (WAL readers); the
  caller's users.info is cached for 10 minutes; a hand-off to another thread
  would only add latency.
- Everything else (writes, which may wait for the write lock; anything that
  asks Slack who the caller is) gets ANSWER_BUDGET, well inside Slack's 3 s:
  answered in the ack when done by then, else acknowledged and answered
  through respond() (response_url) when done.
- An export (a file upload) is acknowledged at once and answered after.
Confirmations a command queues (a snooze's note in its thread) are sent after
the ack."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from ... import metrics
from ...blocks import fallback_text, reply_blocks

COMMAND = "/gaorec"
KNOWN = {"help", "show", "overdue", "due", "mine", "assign", "unassign", "subscribe", "unsubscribe", "subscriptions",
         "snooze", "promise", "history", "stats", "export", "owners", "justify", "clock"}
ANSWER_BUDGET = 1.5  # seconds: Slack shows a timeout after 3 s; the ack and the network need the rest
SLOW = {"export"}  # always after the ack: the file goes up by files.upload v2 first
READS = {"", "help", "-h", "--help", "?", "show", "overdue", "due", "mine", "history", "stats", "owners",
         "subscriptions"}  # and any word that is no command: a search
log = logging.getLogger("gaorec.slack")
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="gaorec-command")


def answer_payload(reply) -> dict:
    return {"blocks": [b.to_dict() for b in reply_blocks(reply)], "text": fallback_text(reply),
            "response_type": "ephemeral"}


def register(app, ctx) -> None:
    def compute(body, client):
        caller = ctx.caller(client, body["user_id"], body.get("channel_id"), body.get("user_name", ""))
        return ctx.service.handle(body.get("text", ""), caller)

    def after(reply, body, respond, client, *, answered: bool) -> None:
        """The work that follows the ack: the file upload, the answer if the ack did not carry it, the outbox."""
        try:
            if reply.kind == "file":  # to the caller, by files upload v2 in a direct message
                dm = client.conversations_open(users=body["user_id"])["channel"]["id"]
                client.files_upload_v2(channel=dm, content=None, file=reply.data["content"],
                                       filename=reply.data["filename"], title=reply.data["filename"],
                                       initial_comment=f"{reply.total} recommendations")
            if not answered:
                respond(**answer_payload(reply))
            if ctx.service.reminders.pending():
                ctx.deliver()  # a snooze confirms in its thread
        except Exception:  # noqa: BLE001 - after the ack nobody else would log it
            log.exception("/gaorec: the work after the ack failed")

    def later(future, body, respond, client) -> None:
        if future.exception() is not None:
            log.error("/gaorec failed after the ack: %s", type(future.exception()).__name__)
            return
        _pool.submit(after, future.result(), body, respond, client, answered=False)

    def command(ack, body, respond, client):
        word = (body.get("text") or "").split(" ", 1)[0].lower()
        metrics.COMMANDS.labels(word if word in KNOWN else "search").inc()
        if word in READS or word not in KNOWN:
            ack(**answer_payload(compute(body, client)))  # who the caller is: cached for 10 minutes
            return
        future = _pool.submit(compute, body, client)
        if word in SLOW:
            ack()
            future.add_done_callback(lambda f: later(f, body, respond, client))
            return
        try:
            reply = future.result(timeout=ANSWER_BUDGET)
        except FutureTimeout:
            ack()  # the answer follows through response_url
            future.add_done_callback(lambda f: later(f, body, respond, client))
            return
        if reply.kind == "file":
            ack()
            _pool.submit(after, reply, body, respond, client, answered=False)
            return
        ack(**answer_payload(reply))
        if ctx.service.reminders.pending():
            _pool.submit(after, reply, body, respond, client, answered=True)

    app.command(COMMAND)(command)
