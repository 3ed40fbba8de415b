"""``@gaorec …`` wherever a person is: a mention in a channel or in any thread
(app_mention), and direct messages to the app (message.im), take the same
grammar as /gaorec and are answered in place — in the thread when asked in a
thread, else in the channel or the DM. In a reminder's thread a command that
names no key acts on that thread's recommendation; a snooze or a promise is
answered to the asker alone (the thread hears the reminder's own note once),
and so is a refusal or a mistake anywhere. Slack's retries are processed once
(event ids)."""
from __future__ import annotations

import logging
import re

from ... import metrics
from ...blocks import fallback_text, reply_blocks
from ...blocks.render import USER_MENTION, read_mentions
from ...threads import key_for_thread, with_thread_key
from ...words import plural
from ...commands import DM, MENTION, lookup
from ..commands import metric_label
from ..context import gaorec

log = logging.getLogger("gaorec.slack")
THREAD_NOTED = ("snooze", "promise")  # answers the reminder's thread hears from the reminder itself


def bot_user_ids(body: dict) -> set[str]:
    """The app's own user ids in an Events API envelope (authorizations, or the older authed_users)."""
    ids = {a.get("user_id") for a in body.get("authorizations") or [] if a.get("is_bot") and a.get("user_id")}
    return ids or {u for u in body.get("authed_users") or [] if u}


def mentions_bot(event: dict, body: dict) -> bool:
    ids = bot_user_ids(body)
    return any(m in ids for m in USER_MENTION.findall(event.get("text") or ""))


def command_text(text: str, bot_ids: set[str]) -> str:
    """The text without the app's mention(s): '<@UBOT> show k7m2q' -> 'show k7m2q'. Without known ids, a
    leading mention is taken to be the app's."""
    if bot_ids:
        text = USER_MENTION.sub(lambda m: " " if m.group(1) in bot_ids else m.group(0), text or "")
    else:
        text = re.sub(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>", " ", text or "")
    return " ".join(text.split())


def is_direct_message(event: dict) -> bool:
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


def answer(event, body, client, context):
    """The lazy listener that answers a mention or a direct message in place."""
    ctx = gaorec(context)
    user, channel = event.get("user"), event.get("channel")
    if not user or not channel or event.get("bot_id") or not ctx.first_delivery(body):
        return
    thread_ts = event.get("thread_ts")
    text = read_mentions(command_text(event.get("text") or "", bot_user_ids(body)))  # mentions as "who" tokens
    thread_key = key_for_thread(ctx.service.db, channel, thread_ts)
    text = with_thread_key(text, thread_key)
    word = text.split(" ", 1)[0]
    metrics.COMMANDS.labels(metric_label(word)).inc()
    caller = ctx.caller(client, user, channel)
    im = event.get("channel_type") == "im"
    reply = ctx.service.handle(text, caller, surface=DM if im else MENTION)
    if reply.kind == "file":  # the file goes to the asker alone, in a direct message
        dm = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=None, file=reply.data["content"],
                               filename=reply.data["filename"], title=reply.data["filename"],
                               initial_comment=plural(reply.total, "recommendation"))
    if not im and (reply.kind == "error" or (thread_key and lookup(word).name in THREAD_NOTED)):
        # to the asker alone: a refusal or a mistake pings nobody, and a snooze or a promise in a reminder's
        # thread is told there once, by the reminder's own note (an assignment, say, is told here as usual)
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=fallback_text(reply),
                                  blocks=reply_blocks(reply, share=False))
    else:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(reply),
                                blocks=reply_blocks(reply, share=False), unfurl_links=False)
    if ctx.service.reminders.pending():
        ctx.deliver()  # a snooze confirms in its thread


def direct_message(event, body, client, context):
    """For the message listener (listeners/events): a direct message to the app is a command."""
    if is_direct_message(event):
        answer(event, body, client, context)


def ack_event(ack):
    ack()


def register(app, ctx) -> None:
    app.event("app_mention")(ack=ack_event, lazy=[answer])
