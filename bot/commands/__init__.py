"""The /gaorec subcommands, in one table. Everything else is derived from it: dispatch (``Gaorec.handle``),
``/gaorec help``, the shell's help, the "did you mean" words, the metrics' command labels, which commands
Slack answers in the acknowledgement (reads) and which go through the durable path (writes, exports), the
words that take a reminder thread's key, and README.md's command table (tests/test_registry.py fails when
README disagrees; ``python -m bot.commands --write README.md`` rewrites it).

Adding a subcommand: one entry below, its handler (a function of ``Ctx`` in the module of its capability),
and its test."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..reply import Caller, Reply
from . import exports, ownership, promises, records, reminders, subscriptions
from .base import (
    ADMIN, ANYONE, DM, EVERYWHERE, EXPORT, MENTION, OWNER_OR_ADMIN, READ, SHELL, SLASH, WRITE, Command, Ctx,
    anything, bare, duration_first, mention_first,
)

if TYPE_CHECKING:
    from ..service import Gaorec

__all__ = ["ADMIN", "ANYONE", "COMMANDS", "Command", "Ctx", "DM", "EVERYWHERE", "EXPORT", "MENTION",
           "OWNER_OR_ADMIN", "READ", "SEARCH", "SHELL", "SLASH", "WRITE", "dispatch", "help_rows", "known_words",
           "lookup", "readme_table"]

PREFIX = "/gaorec "

COMMANDS: tuple[Command, ...] = (
    Command("", records.search, "QUERY", "search recommendations: words, a report number, a key", "232",
            readme="search: words, a report number, a key, filters (`/gaorec 232`, "
                   "`/gaorec cyber agency:DHS overdue`)"),
    Command("show", records.show, "show KEY", "one recommendation with its promise and history", "show p75nw",
            readme="one card: the recommendation, its promise and whether it passed, the owner", thread_key=bare),
    Command("overdue", records.overdue, "overdue [QUERY]", "promised dates that passed with no status change",
            "overdue facial", readme="promises passed / coming"),
    Command("due", records.due, "due [30d] [QUERY]", "promised dates coming in the next days", "due 90d"),
    Command("mine", ownership.mine, "mine", "the recommendations you own", "mine", readme="what you own"),
    Command("assign", ownership.assign, "assign KEY @user", "make someone the owner (admins)",
            "assign p75nw @dana", who=ADMIN, kind=WRITE, denied="assign recommendations",
            readme="ownership (admins)", thread_key=mention_first),
    Command("unassign", ownership.unassign, "unassign KEY", "remove the owner (admins)", "unassign p75nw",
            who=ADMIN, kind=WRITE, denied="unassign recommendations", thread_key=bare),
    Command("owners", ownership.owners, "owners", "the ownership rules and the open recommendations nobody owns",
            "owners", readme="the ownership rules, and the open recommendations nobody owns"),
    Command("subscribe", subscriptions.subscribe, "subscribe [QUERY]",
            "this channel hears reminders for matching recommendations (admins)", "subscribe CBP", who=ADMIN,
            kind=WRITE, denied="subscribe channels",
            readme="which recommendations this channel is reminded of (admins)"),
    Command("unsubscribe", subscriptions.unsubscribe, "unsubscribe [QUERY]",
            "stop them, all of this channel's when no query is given (admins)", "unsubscribe", who=ADMIN,
            kind=WRITE, denied="unsubscribe channels"),
    Command("subscriptions", subscriptions.subscriptions, "subscriptions", "what this channel is subscribed to",
            "subscriptions"),
    Command("snooze", reminders.snooze, "snooze KEY 30d [reason]", "quiet a reminder for a while (owner or admin)",
            "snooze p75nw 2w", who=OWNER_OR_ADMIN, kind=WRITE, readme="quiet a reminder (the owner or an admin)",
            thread_key=duration_first),
    Command("export", exports.export, "export [overdue] [QUERY]", "a spreadsheet of recommendations, sent to you",
            "export overdue", kind=EXPORT, readme="a spreadsheet of recommendations, sent to you in a direct message"),
    Command("promise", promises.promise, "promise KEY DATE|none [reason]",
            "correct the promised date (owner or admin); also confirm, clear", "promise p75nw 2027-06-30 new plan",
            who=OWNER_OR_ADMIN, kind=WRITE,
            readme="correct the promised date, or say none was promised (the owner or an admin); `confirm` and "
                   "`clear` too", thread_key=anything),
    Command("history", records.history, "history KEY", "status changes, slips, owners and acknowledgements",
            "history p75nw", readme="status changes, slips, owners, acknowledgements, snoozes", thread_key=bare),
    Command("outcome", reminders.outcome, "outcome KEY implemented|not-implemented|open",
            "what became of a recommendation GAO no longer lists (owner or admin)", "outcome p75nw implemented",
            who=OWNER_OR_ADMIN, kind=WRITE,
            readme="what became of a recommendation GAO no longer lists (the owner or an admin)"),
    Command("justify", exports.justify, "justify KEY TEXT",
            "why the agency does not implement it, for the GAO-IG Act report (owner or admin)",
            "justify p75nw superseded by the 2026 rule", who=OWNER_OR_ADMIN, kind=WRITE,
            readme="why the agency does not implement it, for the GAO-IG Act report (the owner or an admin)"),
    Command("clock", reminders.clock, "clock done REPORT",
            "the statement of action (or IG decision) was sent: stop its deadline reminders (admins)",
            "clock done GAO-26-108061", who=ADMIN, kind=WRITE, denied="mark a statutory clock done",
            readme="the statement of action (or IG decision) was sent: stop its deadline reminders (admins)"),
    Command("stats", records.stats, "stats", "how many recommendations, by status", "stats",
            readme="how many recommendations, by status"),
    Command("help", records.help_, "help", "this list", "help", aliases=("", "-h", "--help", "?"),
            readme="every command, with an example"),
)
SEARCH = COMMANDS[0]
_BY_WORD = {w: c for c in COMMANDS for w in c.words}
SURFACE_NAMES = {SLASH: "a slash command", MENTION: "a mention", SHELL: "the shell", DM: "a direct message"}


def lookup(word: str, commands: Sequence[Command] = COMMANDS) -> Command:
    """The command a first word names (case-insensitive); any other word is the search."""
    w = (word or "").lower()
    if commands is COMMANDS:
        return _BY_WORD.get(w, SEARCH)
    return next((c for c in commands if w in c.words), next(c for c in commands if not c.name))


def known_words(surface: str | None = None) -> set[str]:
    """Every word that names a subcommand (names and aliases; on one surface when given)."""
    return {w for c in COMMANDS for w in c.words if w and (surface is None or surface in c.surfaces)}


def help_rows(surface: str | None = SLASH) -> list[tuple[str, str, str]]:
    """(usage, what it does, example) for `/gaorec help`, in the registry's order."""
    return [(PREFIX + c.usage, c.help, PREFIX + c.example) for c in COMMANDS
            if surface is None or surface in c.surfaces]


def dispatch(service: Gaorec, text: str, caller: Caller, *, as_of, now: datetime | None, offset: int,
             surface: str | None = None, commands: Sequence[Command] = COMMANDS) -> Reply:
    """Route one command text to its handler. Any text that names no subcommand is the search."""
    words = " ".join((text or "").split())[:records.MAX_QUERY]
    head, _, rest = words.partition(" ")
    command = lookup(head, commands)
    if surface is not None and surface not in command.surfaces:
        where = ", ".join(SURFACE_NAMES.get(s, s) for s in sorted(command.surfaces)) or "nowhere"
        return Reply(kind="error", as_of=as_of, text=f"{command.name} is not available in "
                                                     f"{SURFACE_NAMES.get(surface, surface)}; use {where}.")
    ctx = Ctx(service=service, caller=caller, as_of=as_of, now=now, offset=offset, words=words, rest=rest,
              command=command, surface=surface)
    reply = command.handler(ctx)
    reply.tz = service.settings.tz  # every reply shows its stored instants as days in GAOREC_TIMEZONE
    return reply


def thread_key_applies(text: str) -> bool:
    """Asked in a reminder's thread, does this command take the thread's key in front of its words?"""
    head, _, rest = " ".join((text or "").split()).partition(" ")
    command = lookup(head)
    return bool(command.name) and command.thread_key is not None and command.thread_key(rest)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table() -> str:
    """README.md's "In Slack" table: one row per command with a README text; a command without one shares the
    row above."""
    rows: list[tuple[list[str], str]] = []
    for c in COMMANDS:
        usage = f"`{_cell(PREFIX + c.usage)}`"
        if c.readme is None and rows:
            rows[-1][0].append(usage)
        else:
            rows.append(([usage], _cell(c.readme or c.help)))
    return "\n".join(["| command | |", "|---|---|"] + [f"| {', '.join(u)} | {d} |" for u, d in rows]) + "\n"


TABLE_HEAD = "| command | |\n"


def replace_table(readme: str) -> str:
    """README text with its command table replaced by the registry's."""
    start = readme.index(TABLE_HEAD)
    end = start
    lines = readme[start:].splitlines(keepends=True)
    for line in lines:
        if not line.startswith("|"):
            break
        end += len(line)
    return readme[:start] + readme_table() + readme[end:]
