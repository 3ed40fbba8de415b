"""Exports and reports: the spreadsheet sent to the asker, and the GAO-IG Act report's justification."""
from __future__ import annotations

from datetime import datetime, timezone

from storage import repo

from .. import messages as M
from ..reply import Reply
from .base import Ctx
from ..services.exports import export as export_file


def export(ctx: Ctx) -> Reply:
    rest = ctx.rest
    overdue_only = rest.lower().startswith("overdue")
    query = rest[len("overdue"):].strip() if overdue_only else rest or None
    name, content, n = export_file(ctx.service, "xlsx", overdue_only=overdue_only, query=query, as_of=ctx.as_of)
    return ctx.reply(kind="file", title=name, total=n, data={"filename": name, "content": content},
                     body=M.text(f"Your export: {n} recommendation{'s' if n != 1 else ''} (", M.code(name), ")."))


def justify(ctx: Ctx) -> Reply:
    """/gaorec justify KEY text: why the agency does not implement it (the GAO-IG Act report's column)."""
    from ..service import mention
    from ..services.reports import justify as record

    key, _, words = ctx.rest.partition(" ")
    if not key or not words.strip():
        return ctx.error("Usage: /gaorec justify KEY why the agency does not implement it")
    with ctx.db.session() as s:
        v = repo.get(s, key.lower())
        allowed, owner = ctx.service.reminders.may_act_on(s, v.id, ctx.caller.user_id) if v else (False, None)
    if v is None:
        return ctx.error(f"No recommendation has the key {key}.",
                         body=M.text("No recommendation has the key ", M.code(key), "."))
    if not (allowed or ctx.service.may_manage(ctx.caller)):
        return ctx.error(f"Only the owner or an admin can record a justification for {v.key}.",
                         body=M.text("Only ", mention(owner), " or an admin can record a justification for ",
                                     M.code(v.key), "."))
    record(ctx.db, v.key, words.strip()[:4000], ctx.caller.user_id, ctx.now or datetime.now(timezone.utc))
    done = f"Justification recorded for {v.key}; it goes in the GAO-IG Act report."
    return ctx.reply(kind="text", text=done, body=M.text("Justification recorded for ", M.code(v.key),
                                                         "; it goes in the GAO-IG Act report."))
