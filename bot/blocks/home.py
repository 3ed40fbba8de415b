"""App Home: the viewer's home (bot/services/home.py: Home, data) as a neutral message (``home_message``: what
the shell prints for `:home`), and that message as Slack's View (``home_view``), published on app_home_opened
and on Refresh (bot/listeners/views). The weekly digest is in digest.py."""
from __future__ import annotations

from datetime import date

from slack_sdk.models.views import View

from .. import messages as M
from ..messages import Action, Actions, Divider, Heading, Message, Note, Part, Section
from . import promise_text, record_head, render

HOME_MAX = 100
REFRESH_ACTION = "gaorec_home_refresh"


def _section(title: str, views, as_of: date, empty: str, limit: int, also=None) -> list[Part]:
    """A heading and its records; ``also(v)``: words that link a record to another section, or ""."""
    parts: list[Part] = [Heading(title)]
    if not views:
        return parts + [Note(M.text(empty))]
    parts += [Section(M.text(record_head(v), "\n", promise_text(v, as_of), also(v) if also else ""))
              for v in views[:limit]]
    if len(views) > limit:
        parts.append(Note(M.text(f"+{len(views) - limit} more: /gaorec mine")))
    return parts


def home_message(home) -> Message:
    """``home`` (a bot.services.home.Home) for the viewer: what they own (overdue first), due in 30 days, no
    longer listed, snoozed, recently acknowledged; the channels they are in that subscribe; a Refresh button."""
    as_of = home.as_of
    parts: list[Part] = [
        Section(M.text(M.strong("gaorec"), f" · GAO recommendations you own · as of {as_of} · you own "
                       f"{home.owned} (assigned or by a rule; list: /gaorec mine)")),
        Actions([Action(REFRESH_ACTION, "Refresh", "refresh")], id="home"),
    ]
    snoozed, acked = {v.id for v in home.snoozed}, {v.id for v in home.acknowledged}

    def handled(v) -> str:  # an overdue record someone already answered: said here, not only further down
        return ("\nSnoozed (see Snoozed below)" if v.id in snoozed
                else "\nAcknowledged (see Acknowledged below)" if v.id in acked else "")

    parts += _section(f"Overdue ({len(home.overdue)})", home.overdue, as_of, "Nothing of yours is overdue.", 20,
                      also=handled)
    parts += _section(f"Due in the next 30 days ({len(home.due)})", home.due, as_of, "Nothing due soon.", 10)
    if home.unlisted:  # open by GAO's last word, but its complete export no longer lists them
        parts += _section(f"No longer listed by GAO: probably closed ({len(home.unlisted)})", home.unlisted,
                          as_of, "", 8)
    parts += _section(f"Snoozed ({len(home.snoozed)})", home.snoozed, as_of, "Nothing snoozed.", 8)
    parts += _section(f"Acknowledged in the last 30 days ({len(home.acknowledged)})", home.acknowledged, as_of,
                      "No recent acknowledgements.", 8)
    parts += [Divider(), Heading("Your channels that get reminders")]
    if home.subscriptions:
        parts.append(Section(M.join([M.text("• ", M.channel(ch), ": ", M.code(q) if q else "all recommendations")
                                     for ch, q in home.subscriptions])))
    else:
        parts.append(Note(M.text("None of your channels subscribes. An admin can run /gaorec subscribe in one.")))
    return Message(parts, M.text(f"gaorec as of {as_of}: you own {home.owned}, {len(home.overdue)} overdue"))


def home_view(home) -> View:
    """The home as Slack's View: the message's blocks, at most 100."""
    return View(type="home", blocks=render.blocks(home_message(home))[:HOME_MAX])
