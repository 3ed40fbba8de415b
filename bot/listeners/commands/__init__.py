"""/gaorec: the answer goes in the acknowledgement when it is ready in time.

- Reads (the registry's kind, bot/commands: a search, show, overdue, due, mine,
  history, …) are computed in the
  request's own thread and returned in the ack, by a listener that has no lazy part: their work is bounded (counts
  stop at 1,001, pages are 5) and they wait for no lock (WAL readers); the
  caller's users.info is cached for 10 minutes; a hand-off to another thread
  would only add latency.
- Everything else (writes, which may wait for the write lock, and exports) is
  acknowledged at once and answered through respond() (response_url) by a
  lazy listener that runs durably (bot/listeners/durable.py): when the
  database is busy the request is queued and replayed, never lost.
Confirmations a command queues (a snooze's note in its thread) are sent by the
delivery job."""
from __future__ import annotations

import logging

from ... import metrics
from ...blocks import payload_parts, unescape
from ...blocks.render import read_mentions
from ...commands import READ, SLASH, lookup
from ...reply import Reply
from ...words import plural
from ..context import gaorec

log = logging.getLogger("gaorec.slack")
COMMAND = "/gaorec"


def metric_label(word: str) -> str:
    """The command a first word names, for the metrics (the search for any other word)."""
    return lookup(word).name or "search"


def answered_in_ack(word: str) -> bool:
    """Reads (the registry's kind, the search included) are answered in the ack; writes and exports are not."""
    return lookup(word).kind == READ


def answer_payload(reply) -> dict:
    blocks, text = payload_parts(reply)
    return {"blocks": blocks, "text": text, "response_type": "ephemeral"}


def send_export(client, user_id: str, reply):
    """Upload the export into a direct message to the caller; the answer says where it went, or why it did not."""
    from ... import messages as M

    name, n = reply.data["filename"], reply.total
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=None, file=reply.data["content"], filename=name, title=name,
                               initial_comment=f"gaorec export: {plural(n, 'recommendation')} ({name})")
    except Exception as exc:  # noqa: BLE001 - a Slack error, a refused upload, a dropped connection: say so
        code = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error") or type(exc).__name__
        log.warning("export upload failed: %s", code)
        return Reply(kind="error", as_of=reply.as_of, body=M.text(
            f"Your export ({plural(n, 'recommendation')}, ", M.code(name), ") could not be sent: Slack "
            f"answered {code}. Nothing was sent; try again in a minute, or run ", M.code("gaorec export"), " on the "
            "server."))
    return Reply(kind="file", as_of=reply.as_of, total=n, body=M.text(
        f"Your export: {plural(n, 'recommendation')} (", M.code(name), "), sent to you in a direct "
        "message from gaorec (its Messages tab)."))


def words(body) -> tuple[str, str]:
    text = unescape(body.get("text") or "")  # should_escape: Slack sent &amp; &lt; &gt;; undo it exactly once
    text = read_mentions(text)  # '<@U0DANA|dana>' -> '@U0DANA': the core reads "who" tokens (bot/people.py)
    return text, text.split(" ", 1)[0].lower()


def ack_command(ack, body, client, context):
    text, word = words(body)
    metrics.COMMANDS.labels(metric_label(word)).inc()
    if answered_in_ack(word):  # a read: computed here, answered in the ack itself
        ctx = gaorec(context)
        caller = ctx.caller(client, body["user_id"], body.get("channel_id"), body.get("user_name", ""))
        ack(**answer_payload(ctx.service.handle(text, caller, surface=SLASH)))
        return
    ack()  # a write or an export: answered through response_url by the durable listener below


def run_command(body, respond, client, context):
    """The lazy part of the listener for everything but reads (reads match the first listener, register())."""
    text, _ = words(body)
    ctx = gaorec(context)
    caller = ctx.caller(client, body["user_id"], body.get("channel_id"), body.get("user_name", ""))
    reply = ctx.service.handle(text, caller, surface=SLASH)
    if reply.kind == "file":  # to the caller, by files upload v2 in a direct message
        reply = send_export(client, body["user_id"], reply)
    respond(**answer_payload(reply))
    ctx.deliver()  # wakes the delivery job: a snooze confirms in its thread


def is_read(body) -> bool:
    """A read (answered in the ack): its listener starts no lazy thread, so nothing competes with the answer."""
    return answered_in_ack(words(body)[1])


def register(app, ctx) -> None:
    # Bolt runs the first listener whose matchers match: reads are answered in the ack alone; the rest are
    # acknowledged at once and answered by the lazy, durable run_command.
    app.command(COMMAND, matchers=[is_read])(ack_command)
    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
