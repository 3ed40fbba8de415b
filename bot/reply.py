"""What a command answers, before any rendering (pure: shared by the service,
the Block Kit builders and the shell)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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

    @property
    def mrkdwn(self) -> str:
        """The body as Slack renders it (for the Slack adapter and tests; the core never builds markup)."""
        from .blocks.render import mrkdwn

        return mrkdwn(self.body)


HELP = [
    ("/gaorec QUERY", "search recommendations: words, a report number, a key", "/gaorec 232"),
    ("/gaorec show KEY", "one recommendation with its promise and history", "/gaorec show k7m2q"),
    ("/gaorec overdue [QUERY]", "promised dates that passed with no status change", "/gaorec overdue facial"),
    ("/gaorec due [30d] [QUERY]", "promised dates coming in the next days", "/gaorec due 90d"),
    ("/gaorec mine", "the recommendations you own", "/gaorec mine"),
    ("/gaorec assign KEY @user", "make someone the owner (admins)", "/gaorec assign k7m2q @dana"),
    ("/gaorec unassign KEY", "remove the owner (admins)", "/gaorec unassign k7m2q"),
    ("/gaorec owners", "the ownership rules and the open recommendations nobody owns", "/gaorec owners"),
    ("/gaorec subscribe [QUERY]", "this channel hears reminders for matching recommendations (admins)",
     "/gaorec subscribe CBP"),
    ("/gaorec unsubscribe [QUERY]", "stop them (no query: all of this channel's)", "/gaorec unsubscribe"),
    ("/gaorec subscriptions", "what this channel is subscribed to", "/gaorec subscriptions"),
    ("/gaorec snooze KEY 30d [reason]", "quiet a reminder for a while (owner or admin)", "/gaorec snooze k7m2q 2w"),
    ("/gaorec export [overdue] [QUERY]", "a spreadsheet of recommendations, sent to you", "/gaorec export overdue"),
    ("/gaorec promise KEY DATE|none [reason]", "correct the promised date (owner or admin); also confirm, clear",
     "/gaorec promise k7m2q 2027-06-30 new plan"),
    ("/gaorec history KEY", "status changes, slips, owners and acknowledgements", "/gaorec history k7m2q"),
    ("/gaorec outcome KEY implemented|not-implemented|open",
     "what became of a recommendation GAO no longer lists (owner or admin)", "/gaorec outcome k7m2q implemented"),
    ("/gaorec justify KEY TEXT", "why the agency does not implement it, for the GAO-IG Act report (owner or admin)",
     "/gaorec justify k7m2q superseded by the 2026 rule"),
    ("/gaorec clock done REPORT", "the statement of action (or IG decision) was sent: stop its deadline "
     "reminders (admins)", "/gaorec clock done GAO-26-108061"),
    ("/gaorec stats", "how many recommendations, by status", "/gaorec stats"),
    ("/gaorec help", "this list", "/gaorec help"),
]
