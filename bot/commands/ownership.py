"""Ownership: mine, assign, unassign, owners."""
from __future__ import annotations

from sqlalchemy import func, select

from storage import repo
from storage.types import utc
from storage.models import Recommendation

from .. import messages as M
from .. import people
from ..reply import Reply
from ..services import owners as owner_rules
from .base import Ctx
from .records import NO_KEY, listing


def mine(ctx: Ctx) -> Reply:
    return listing(ctx.service.mine(ctx.caller), "Recommendations you own", ctx.as_of, "mine", "", ctx.offset)


def assign(ctx: Ctx) -> Reply:
    return _assign(ctx, "assign")


def unassign(ctx: Ctx) -> Reply:
    return _assign(ctx, "unassign")


def _assign(ctx: Ctx, cmd: str) -> Reply:
    from ..service import mention

    parts = ctx.rest.split()
    if not parts or (cmd == "assign" and len(parts) < 2):
        return ctx.error("Usage: /gaorec assign KEY @user" if cmd == "assign" else "Usage: /gaorec unassign KEY")
    if refused := ctx.refused():
        return refused
    owner = people.owner_id(parts[1]) if cmd == "assign" else None
    if cmd == "assign" and owner is None:
        return ctx.error(f"“{parts[1][:80]}” is not a person gaorec can tell apart: pick them from the list Slack "
                         "shows when you type @ (the name turns into a mention), or name a user group, or give a "
                         "Slack user id such as @U0DANA.")
    now = utc(ctx.now)  # the command's instant (the shell's simulated time too), else the present
    with ctx.db.write() as s:
        v = repo.get(s, parts[0])
        if v is None:
            return ctx.reply(kind="empty", query=parts[0], text=NO_KEY)
        if cmd == "assign":
            assert owner is not None  # refused above
            previous = repo.assign(s, v.id, owner, ctx.caller.user_id, now)
            was = [" (was ", mention(previous), ")"] if previous and previous != owner else None
            return ctx.reply(kind="text", body=M.text(M.code(v.key), " is now owned by ", mention(owner), was, "."))
        previous = repo.unassign(s, v.id, ctx.caller.user_id, now)
        return ctx.reply(kind="text", body=M.text(M.code(v.key), [" has no owner now (was ", mention(previous), ")."]
                                                  if previous else " had no owner."))


def owners(ctx: Ctx) -> Reply:
    """The ownership rules from config, and the open recommendations nobody owns."""
    from ..service import mention

    settings = ctx.settings
    rules = owner_rules.rules(settings.owner_rules)
    lines = [M.text(M.strong("Ownership rules"), " (", M.code("/gaorec assign"),
                    " overrides them; the first rule that matches wins):")]
    lines += [M.text(f"{r.number}. ", f"agency {r.agency}" if r.agency else ["query ", M.code(r.query or "")], " → ",
                     mention(r.owner)) for r in rules] or [M.text("• none configured (owner_rules in the config)")]
    with ctx.db.session() as s:
        where = Recommendation.status.in_(repo.OPEN_STATUSES) & owner_rules.unowned_where(s, settings.owner_rules)
        total = s.scalar(select(func.count()).select_from(Recommendation).join(repo.Report).where(where)) or 0
        sample = list(s.scalars(select(Recommendation.key).join(repo.Report).where(where)
                                .order_by(Recommendation.priority.desc(), Recommendation.current_due)
                                .limit(15)))
    keys = M.join([[M.code(k)] for k in sample], ", ")
    lines.append(M.text(M.strong(str(total)), f" open recommendation{'s' if total != 1 else ''} have no owner",
                        [": ", keys, " …" if total > len(sample) else None] if sample else "."))
    return ctx.reply(kind="text", body=M.join(lines))
