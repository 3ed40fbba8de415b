"""What a subcommand is (one registry entry) and what its handler is given (an explicit context)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..reply import Caller, Reply

if TYPE_CHECKING:
    from config.settings import Settings
    from storage.db import Database

    from ..service import Gaorec

# who may run it
ANYONE, OWNER_OR_ADMIN, ADMIN = "anyone", "owner-or-admin", "admin"
# where it can be typed: /gaorec, @gaorec in a channel or thread, the local shell, a direct message to the app
SLASH, MENTION, SHELL, DM = "slash", "mention", "shell", "dm"
EVERYWHERE = frozenset({SLASH, MENTION, SHELL, DM})
# how Slack answers it: a read in the acknowledgement itself; a write or an export through the durable path
READ, WRITE, EXPORT = "read", "write", "export"

_DURATION = re.compile(r"^\d{1,3}\s*(?:d|days?|w|weeks?)\b", re.IGNORECASE)


def bare(rest: str) -> bool:
    """In a reminder's thread: the command names nothing, so it is about the thread's recommendation."""
    return not rest


def duration_first(rest: str) -> bool:
    return bool(_DURATION.match(rest))


def mention_first(rest: str) -> bool:
    """The first word names someone: '@U0DANA', '@subteam:S0TEAM' (a chat adapter reads its mentions into these
    "who" tokens, bot/people.py), or an '@dana' that assign will ask to be one."""
    first = rest.split(" ", 1)[0]
    return len(first) > 1 and first.startswith("@")


def anything(rest: str) -> bool:
    return bool(rest)


@dataclass
class Ctx:
    """Everything a handler needs, passed explicitly: the service (database, settings, engine), who asks, the
    day and instant it is asked, the page asked for, and the words after the subcommand."""
    service: Gaorec
    caller: Caller
    as_of: date
    now: datetime | None
    offset: int
    words: str  # the whole command text, spaces normalised
    rest: str  # the words after the subcommand
    command: Command | None = None
    surface: str | None = None  # where it was typed (SLASH, MENTION, SHELL, DM); None: not said

    @property
    def db(self) -> Database:
        return self.service.db

    @property
    def settings(self) -> Settings:
        return self.service.settings

    def reply(self, **kw) -> Reply:
        return Reply(as_of=self.as_of, tz=self.settings.tz, **kw)

    def error(self, text: str, **kw) -> Reply:
        return Reply(kind="error", text=text, as_of=self.as_of, tz=self.settings.tz, **kw)

    def refused(self) -> Reply | None:
        """The registry's `who` for an admin command, enforced: the one-line refusal, or None when allowed.
        (Owner-or-admin commands are decided per recommendation by the service that acts on it.)"""
        cmd = self.command
        if cmd is None or cmd.who != ADMIN or self.service.may_manage(self.caller):
            return None
        return self.error(f"Only workspace admins and the users in gaorec's admins list can {cmd.denied}. "
                          "Ask one of them.")


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Command:
    """One subcommand. `usage`, `help` and `example` make `/gaorec help`; `readme` is its README cell (None: it
    shares the previous command's row); `thread_key` says when, asked in a reminder's thread, the thread's key
    goes in front of the words (None: never)."""
    name: str  # "" for the search, which answers any text that names no subcommand
    handler: Handler
    usage: str
    help: str
    example: str
    who: str = ANYONE
    kind: str = READ
    surfaces: frozenset[str] = EVERYWHERE
    aliases: tuple[str, ...] = ()
    readme: str | None = None
    denied: str = ""  # for an admin command: what a non-admin is told they cannot do
    thread_key: Callable[[str], bool] | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return ((self.name,) if self.name else ()) + self.aliases
