"""What a command answers, before any rendering (pure: shared by the service,
the Block Kit builders and the shell)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timezone, tzinfo
from typing import Any


@dataclass
class Caller:
    user_id: str
    name: str = ""
    is_admin: bool = False
    channel_id: str | None = None


@dataclass
class Reply:
    """What a command answers, before any rendering."""
    kind: str  # "list" | "card" | "help" | "empty" | "error" | "stats" | "text" | "history" | "file"
    title: str = ""
    records: list[Any] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    query: str = ""
    command: str = ""
    text: str = ""
    as_of: date | None = None
    data: dict = field(default_factory=dict)
    total_label: str = ""  # "12" or "more than 1,000"
    source_text: str = ""  # the command text that produced this reply (for paging and sharing)
    body: list = field(default_factory=list)  # the answer as neutral spans (bot/messages.py), when it is words
    tz: tzinfo = timezone.utc  # GAOREC_TIMEZONE: the zone its stored instants are shown as days in (set by Ctx)

    @property
    def mrkdwn(self) -> str:
        """The body as Slack renders it (for the Slack adapter and tests; the core never builds markup)."""
        from .blocks.render import mrkdwn

        return mrkdwn(self.body)


class _Help(Sequence):
    """`/gaorec help`'s rows (usage, what it does, example), derived from the command registry
    (bot/commands) when first read: the registry imports the handlers, and this module stays pure."""

    def _rows(self) -> list[tuple[str, str, str]]:
        from .commands import help_rows

        return help_rows()

    def __getitem__(self, i):
        return self._rows()[i]

    def __len__(self) -> int:
        return len(self._rows())

    def __iter__(self):
        return iter(self._rows())


HELP: Sequence[tuple[str, str, str]] = _Help()
