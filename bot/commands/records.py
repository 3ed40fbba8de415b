"""Records and search: the search itself, show, overdue, due, history, stats, help."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from storage import repo

from .. import messages as M
from ..reply import Reply
from ..words import plural
from .base import Ctx
from ..services.records import stats as read_stats

PAGE_SIZE = 5
MAX_QUERY = 500
NO_KEY = "No recommendation has that key. Search for it: `/gaorec WORDS`."
DUE_USAGE = "Usage: /gaorec due, due 30, due 30d, or due 30d QUERY (days ahead, then words to match)"
_DUE_DAYS = re.compile(r"^(\d{1,4})d?\b\s*(.*)$")


def help_(ctx: Ctx) -> Reply:
    from . import help_rows
    from .base import SLASH

    return ctx.reply(kind="help", title="gaorec: GAO recommendations and the dates agencies promised",
                     data={"commands": help_rows(ctx.surface or SLASH)})


def card(service, key: str, as_of: date, now: datetime | None = None) -> Reply:
    v = service.show(key, now)
    if v is None:
        return Reply(kind="empty", query=key, as_of=as_of, text=NO_KEY)
    return Reply(kind="card", records=[v], total=1, as_of=as_of, title=v.key, tz=service.settings.tz)


def show(ctx: Ctx) -> Reply:
    if not ctx.rest:
        return ctx.error("Usage: /gaorec show KEY (keys look like k7m2q)")
    return card(ctx.service, ctx.rest.split()[0], ctx.as_of, ctx.now)


def overdue(ctx: Ctx) -> Reply:
    rest, as_of, q = ctx.rest, ctx.as_of, ctx.rest[:MAX_QUERY] or None
    with ctx.db.session() as s:
        total, unlisted = repo.overdue_counts(s, as_of, q)  # one pass for both
        offset = min(ctx.offset, max(0, total - 1))
        views = ctx.service.resolve_owners(s, repo.overdue(s, as_of, q, limit=PAGE_SIZE, offset=offset))
    title = f"Overdue promises{f' matching “{rest}”' if rest else ''}" + (
        f" ({unlisted} more passed but GAO no longer lists them as open: not counted)" if unlisted else "")
    return page(views, total, title, as_of, "overdue", rest, offset)


def due(ctx: Ctx) -> Reply:
    """due, due 30, due 30d, due 30d QUERY; a first word that starts with a number but is none of those is a
    mistake, not a search."""
    days, query = 30, ctx.rest
    m = _DUE_DAYS.match(ctx.rest)
    if m:
        days, query = min(int(m.group(1)), 3660), m.group(2)
    elif ctx.rest[:1].isdigit():
        return ctx.error(DUE_USAGE)
    q = query[:MAX_QUERY] or None
    as_of = ctx.as_of
    with ctx.db.session() as s:
        total = repo.count_due(s, as_of, as_of + timedelta(days=days), q)
        offset = min(ctx.offset, max(0, total - 1))
        views = ctx.service.resolve_owners(s, repo.due_between(s, as_of, as_of + timedelta(days=days), q,
                                                               limit=PAGE_SIZE, offset=offset))
    title = f"Promises due in the next {plural(days, 'day')}{f' matching “{query}”' if query else ''}"
    return page(views, total, title, as_of, "due", query, offset)


def stats(ctx: Ctx) -> Reply:
    return ctx.reply(kind="stats", title="gaorec stats", data=read_stats(ctx.service.db, ctx.as_of))


def history_reply(service, key: str, as_of: date) -> Reply:
    with service.db.session() as s:
        v = repo.get(s, key)
        if v is None:
            return Reply(kind="empty", query=key, as_of=as_of, text=NO_KEY)
        events = repo.history(s, v.id)
    return Reply(kind="history", title=f"History of {v.key}", records=[v], as_of=as_of, data={"events": events},
                 tz=service.settings.tz)


def history(ctx: Ctx) -> Reply:
    if not ctx.rest:
        return ctx.error("Usage: /gaorec history KEY")
    return history_reply(ctx.service, ctx.rest.split()[0], ctx.as_of)


def search(ctx: Ctx) -> Reply:
    """Any text that names no subcommand: a key alone is its card; a near-miss of a subcommand (that finds
    nothing) asks "did you mean"; a greeting is answered with the help; everything else is searched."""
    from ..suggest import did_you_mean, is_greeting

    words, head, rest = ctx.words, ctx.words.partition(" ")[0].lower(), ctx.rest
    if repo.KEY_RE.match(head) and not rest:
        v = ctx.service.show(head, ctx.now)
        if v is not None:
            return ctx.reply(kind="card", records=[v], total=1, title=v.key)
    if is_greeting(words):
        return help_(ctx)
    suggestion = did_you_mean(head)
    if suggestion and not ctx.service.search(words, limit=1)[1]:
        example = f"/gaorec {suggestion} {rest}".strip()
        more = None if suggestion == "help" else [" (or ", M.code("/gaorec help"), " for every command)"]
        return ctx.reply(kind="text", body=M.text("Did you mean ", M.code(suggestion), "? Try ", M.code(example),
                                                  more, "."))
    return search_reply(ctx.service, words, ctx.as_of, ctx.offset)


def search_reply(service, query: str, as_of: date, offset: int = 0) -> Reply:
    views, total = service.search(query, limit=PAGE_SIZE, offset=offset, as_of=as_of)
    if not views:
        return Reply(kind="empty", query=query, as_of=as_of,
                     text="Try fewer words, a report number such as GAO-23-105255, or `/gaorec overdue`.")
    return Reply(kind="list", title=f"{repo.format_total(total)} result{'s' if total != 1 else ''} for “{query}”",
                 records=views, total=total, offset=offset, query=query, command="search", as_of=as_of,
                 total_label=repo.format_total(total))


def page(views: list[repo.RecView], total: int, title: str, as_of: date, command: str, query: str,
         offset: int) -> Reply:
    """One page that the database already cut (views), of total."""
    if not total:
        return listing([], title, as_of, command, query)
    return Reply(kind="list", title=title, records=views, total=total, offset=offset, query=query,
                 command=command, as_of=as_of, total_label=f"{total:,}")


def listing(views: list[repo.RecView], title: str, as_of: date, command: str, query: str,
            offset: int = 0) -> Reply:
    """A page of a list held in memory (views: all of it)."""
    if not views:
        text = {"mine": "You own no recommendations. An admin can assign one: /gaorec assign KEY @you",
                "overdue": "Nothing overdue", "due": "Nothing due"}.get(command, "Nothing found")
        if command != "mine":
            text += " for that query." if query else "."
        return Reply(kind="empty", query=query, command=command, as_of=as_of, text=text)
    offset = min(offset, max(0, len(views) - 1))
    return Reply(kind="list", title=title, records=views[offset:offset + PAGE_SIZE], total=len(views),
                 offset=offset, query=query, command=command, as_of=as_of, total_label=f"{len(views):,}")
