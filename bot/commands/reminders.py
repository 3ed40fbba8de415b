"""Reminders and what ends them: snooze, the outcome of a recommendation GAO no longer lists, a statutory
clock that is met."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from storage import repo

from .. import messages as M
from ..reply import Reply
from ..words import plural
from .base import Ctx
from .records import NO_KEY

_SNOOZE = re.compile(r"^(\S+)\s+(\d{1,3})\s*(d|days?|w|weeks?)\b\s*(.*)$", re.IGNORECASE)


def snooze(ctx: Ctx) -> Reply:
    from ..reminders.answers import MAX_SNOOZE_DAYS
    from ..service import mention

    m = _SNOOZE.match(ctx.rest)
    if not m:
        return ctx.error("Usage: /gaorec snooze KEY 30d [reason] (or 2w)")
    key, n, unit, reason = m.group(1), int(m.group(2)), m.group(3).lower(), m.group(4)
    days = n * 7 if unit.startswith("w") else n
    if not 1 <= days <= MAX_SNOOZE_DAYS:  # the engine applies the same rule to every surface
        return ctx.error(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.")
    service, as_of = ctx.service, ctx.as_of
    results = service.reminders.snooze_key(key, ctx.caller.channel_id, ctx.caller.user_id, days, reason, ctx.now)
    if not results:
        v = service.show(key, ctx.now)
        if v is None:
            return ctx.reply(kind="empty", query=key, text=NO_KEY)
        late = v.days_overdue(as_of)
        state = (f"it has been overdue for {plural(late, 'day')}" if late is not None else
                 f"its promise is due {v.current_due.isoformat()}" if v.current_due and v.is_open() else
                 "it has no open promise")
        with ctx.db.session() as s:
            subscribed = bool(ctx.caller.channel_id and repo.subscriptions(s, ctx.caller.channel_id))
        how = (M.text("This channel subscribes: the next reminder pass posts one once a promised date has passed "
                      "with no status change; snooze it then.") if subscribed else
               M.text("Reminders start in channels that subscribe (", M.code("/gaorec subscribe"),
                      ") once a promised date has passed; snooze one then."))
        return ctx.reply(kind="text", body=M.text(
            "Nothing to snooze yet: ", M.code(v.key), f" has no open reminder in this channel ({state}). ", how))
    if not any(r.ok for r in results) and results[0].reason:
        return ctx.error(results[0].reason)
    if not any(r.ok for r in results):
        return ctx.reply(kind="text", body=M.text("Only ", mention(results[0].owner), " or an admin can snooze this."))
    return ctx.reply(kind="text", body=M.text("Snoozed ", M.code(key), f" for {plural(days, 'day')}."))


def outcome(ctx: Ctx) -> Reply:
    from ..services.listing import set_outcome

    parts = ctx.rest.split()
    if len(parts) != 2:
        return ctx.error("Usage: /gaorec outcome KEY implemented|not-implemented|open")
    result = set_outcome(ctx.service, parts[0], parts[1], ctx.caller.user_id,
                         is_admin=ctx.service.may_manage(ctx.caller), now=ctx.now, channel=ctx.caller.channel_id)
    return ctx.reply(kind="text" if result.ok else "error", body=result.message)


def clock(ctx: Ctx) -> Reply:
    """/gaorec clock done REPORT: the statement of action (or IG resolution / final action) is done."""
    from ..services.clocks import mark_done

    parts = ctx.rest.split()
    if len(parts) != 2 or parts[0].lower() != "done":
        return ctx.error("Usage: /gaorec clock done REPORT (e.g. GAO-26-108061)")
    if refused := ctx.refused():
        return refused
    number = parts[1][:64]
    try:
        name, done = mark_done(ctx.db, number, ctx.caller.user_id, ctx.now or datetime.now(timezone.utc))
    except LookupError:
        return ctx.error(f"No report is numbered {number}.", body=M.text("No report is numbered ", M.code(number), "."))
    if not done:
        return ctx.reply(kind="text", text=f"{name}: its clocks were already marked done.")
    return ctx.reply(kind="text", text=f"{name}: marked done ({', '.join(done)}); no more deadline reminders "
                                       f"for it.")
