"""Subscriptions: which recommendations a channel is reminded of."""
from __future__ import annotations

from storage import repo
from storage.types import utc

from .. import messages as M
from ..reply import Reply
from .base import Ctx
from .records import MAX_QUERY


def _channel(ctx: Ctx) -> Reply | None:
    if not ctx.caller.channel_id:
        return ctx.error("Subscriptions belong to a channel: run this in one.")
    return None


def subscriptions(ctx: Ctx) -> Reply:
    from ..service import mention

    if problem := _channel(ctx):
        return problem
    with ctx.db.session() as s:
        subs = repo.subscriptions(s, ctx.caller.channel_id)
    if not subs:
        return ctx.reply(kind="text", text="This channel has no subscriptions. "
                                           "An admin can add one: /gaorec subscribe [QUERY]")
    lines = [M.text("• ", M.code(x.query) if x.query else "all recommendations", " (by ", mention(x.created_by), ")")
             for x in subs]
    return ctx.reply(kind="text", body=M.join([M.text("This channel hears reminders for:")] + lines))


def subscribe(ctx: Ctx) -> Reply:
    if problem := _channel(ctx) or ctx.refused():
        return problem
    channel, query = ctx.caller.channel_id, " ".join(ctx.rest.split())[:MAX_QUERY]
    assert channel is not None  # _channel answered otherwise
    access = ctx.service.channel_access
    warning = access(channel) if access else None
    with ctx.db.write() as s:
        added = repo.subscribe(s, channel, query, ctx.caller.user_id, utc(ctx.now))
    what = M.text("recommendations matching ", M.code(query)) if query else M.text("all recommendations")
    warn = ["\n", M.icon("warning"), warning] if warning else None
    return ctx.reply(kind="text", body=M.text("This channel will hear reminders for " if added
                                              else "This channel already hears reminders for ", what, ".", warn))


def unsubscribe(ctx: Ctx) -> Reply:
    if problem := _channel(ctx) or ctx.refused():
        return problem
    channel, query = ctx.caller.channel_id, " ".join(ctx.rest.split())[:MAX_QUERY]
    assert channel is not None  # _channel answered otherwise
    with ctx.db.write() as s:
        n = repo.unsubscribe(s, channel, query or None, ctx.caller.user_id, utc(ctx.now))
    return ctx.reply(kind="text", body=M.text(f"Removed {n} subscription{'s' if n != 1 else ''} from this channel."
                                              if n else "Nothing to remove: see /gaorec subscriptions."))
