"""Promises and corrections: the owner's (or an admin's) word on a promised date."""
from __future__ import annotations

from ..reply import Reply
from ..services import promises as sp
from .base import Ctx


def promise(ctx: Ctx) -> Reply:
    """/gaorec promise KEY DATE|none|confirm|clear [reason]."""
    parsed = sp.parse_command(ctx.rest)
    if isinstance(parsed, str):
        return ctx.error(parsed)
    key, action, due, reason = parsed
    out = sp.apply(ctx.service, key, action, actor=ctx.caller.user_id, via="command", due=due, reason=reason,
                   now=ctx.now)
    if out.ok or out.refused:
        return ctx.reply(kind="text", body=out.body)
    return ctx.error(out.text)
