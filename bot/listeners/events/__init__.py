"""Events: owners answer reminders in their threads (a reply or a ✅
reaction), and gao.gov links unfurl to their report's recommendations."""
from __future__ import annotations

import logging
import re

from ...blocks import unescape, unfurl_blocks
from ...reminders.answers import ACK_REACTIONS
from ..context import gaorec
from ..mentions import direct_message, mentions_bot

log = logging.getLogger("gaorec.slack")
PRODUCT_RE = re.compile(r"/products/(gao-\d{2}-\d{1,6}[a-z]{0,2})", re.IGNORECASE)
EVENTS = ("link_shared", "message", "reaction_added", "member_joined_channel", "app_home_opened",
          "app_mention")  # the last two in listeners/views and listeners/mentions; direct messages
# (message.im) arrive as "message"
ONLY_OWNER = "Only {owner} or an admin can acknowledge this reminder; nothing was recorded."


def ack_event(ack):
    ack()


def answer(ctx, reminder_id, user, channel, thread_ts, via, note):
    result = ctx.service.reminders.acknowledge(reminder_id, user, via, note)
    if not result.ok and result.reminder_id:
        from ...blocks.render import mention

        ctx.poster.ephemeral(channel, user, ONLY_OWNER.format(owner=mention(result.owner, "nobody")), thread_ts)
    ctx.deliver()


def thread_reply(event, body, context):
    if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts") or not event.get("user"):
        return
    if event.get("thread_ts") == event.get("ts"):
        return  # the parent itself
    if mentions_bot(event, body):
        return  # "@gaorec snooze 2w …" is a command (app_mention), not an acknowledgement
    ctx = gaorec(context)
    reminder_id = ctx.service.reminders.reminder_for_thread(event.get("channel"), event["thread_ts"])
    if reminder_id is None or not ctx.first_delivery(body):
        return
    # Slack sends message text escaped (&amp; &lt; &gt;): store what the owner typed; rendering escapes once
    answer(ctx, reminder_id, event["user"], event["channel"], event["thread_ts"], "reply",
           unescape(event.get("text") or ""))


def reaction(event, body, context):
    item = event.get("item") or {}
    channel, ts = item.get("channel"), item.get("ts")
    if event.get("reaction") not in ACK_REACTIONS or item.get("type") != "message" or not channel or not ts:
        return
    ctx = gaorec(context)
    reminder_id = ctx.service.reminders.reminder_for_thread(channel, ts)
    if reminder_id is None or not ctx.first_delivery(body):
        return
    answer(ctx, reminder_id, event["user"], item["channel"], item["ts"], "reaction", None)


def unfurl(event, body, client, context):
    ctx = gaorec(context)
    if not ctx.first_delivery(body):
        return
    unfurls = {}
    for link in (event.get("links") or [])[:5]:
        url = link.get("url") or ""
        m = PRODUCT_RE.search(url)
        if not m or "gao.gov" not in (link.get("domain") or url):
            continue
        views = ctx.service.report(m.group(1).upper())
        if views:
            unfurls[url] = {"blocks": unfurl_blocks(views, ctx.service.today())}
    if unfurls:
        client.chat_unfurl(channel=event.get("channel"), ts=event.get("message_ts"), unfurls=unfurls)


def joined(event, body, context):
    """The app was invited to a channel: what failed there for want of membership is posted now."""
    me = context.get("bot_user_id") or next((a.get("user_id") for a in body.get("authorizations") or []
                                             if a.get("is_bot")), None)
    if not me or event.get("user") != me or not event.get("channel"):
        return
    from ...reminders.delivery import revive

    ctx = gaorec(context)
    if revive(ctx.service.db, event["channel"]):
        ctx.deliver()


def register(app, ctx) -> None:
    app.event("member_joined_channel")(ack=ack_event, lazy=[joined])
    app.event("link_shared")(ack=ack_event, lazy=[unfurl])
    app.event("message")(ack=ack_event, lazy=[thread_reply, direct_message])
    app.event("reaction_added")(ack=ack_event, lazy=[reaction])
