"""App Home, Slack's own surface: the viewer's home (bot/services/home.py: Home, neutral data) as a slack_sdk View,
published on app_home_opened and on Refresh (bot/listeners/views). The weekly digest is in digest.py."""
from __future__ import annotations

import re
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ButtonElement, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from . import SECTION_MAX, _link, clip, escape, promise_line

HOME_MAX = 100
REFRESH_ACTION = "gaorec_home_refresh"


def _line(v, as_of: date) -> str:
    rec = f"Rec. {v.rec_number}" if v.rec_number is not None else "Rec."
    prio = ":star: " if v.priority else ""
    title = clip(v.report_title or v.report_number or "GAO report", 120)
    moved = f" · moved {len(v.slips)}×" if v.slips else ""
    return f"{prio}*{_link(v.url, title)}* · {rec} · `{v.key}`{moved}\n{promise_line(v, as_of)}"


def _section(title: str, views, as_of: date, empty: str, limit: int) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=clip(title, 150)))]
    if not views:
        return blocks + [ContextBlock(elements=[MarkdownTextObject(text=empty)])]
    for v in views[:limit]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(_line(v, as_of), SECTION_MAX))))
    if len(views) > limit:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"+{len(views) - limit} more: /gaorec mine")]))
    return blocks


def home_view(home) -> View:
    """``home`` (a bot.services.home.Home) for the viewer: what they own (overdue first), due in 30 days, no
    longer listed, snoozed, recently acknowledged; the channels they are in that subscribe; a refresh button. At
    most 100 blocks."""
    as_of, subscriptions = home.as_of, home.subscriptions
    count = f" · you own {home.owned} (assigned or by a rule; list: /gaorec mine)"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*gaorec* · GAO recommendations you own · as of {as_of}{count}")),
        ActionsBlock(block_id="home", elements=[ButtonElement(text=PlainTextObject(text="Refresh", emoji=True),
                                                              action_id=REFRESH_ACTION, value="refresh")]),
    ]
    blocks += _section(f"Overdue ({len(home.overdue)})", home.overdue, as_of, "Nothing of yours is overdue.", 20)
    blocks += _section(f"Due in the next 30 days ({len(home.due)})", home.due, as_of, "Nothing due soon.", 10)
    if home.unlisted:  # open by GAO's last word, but its complete export no longer lists them
        blocks += _section(f"No longer listed by GAO: probably closed ({len(home.unlisted)})", home.unlisted,
                           as_of, "", 8)
    blocks += _section(f"Snoozed ({len(home.snoozed)})", home.snoozed, as_of, "Nothing snoozed.", 8)
    blocks += _section(f"Acknowledged in the last 30 days ({len(home.acknowledged)})", home.acknowledged, as_of,
                       "No recent acknowledgements.", 8)
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=PlainTextObject(text="Your channels that get reminders")))
    if subscriptions:
        lines = [f"• <#{ch}>: {'`' + escape(q) + '`' if q else 'all recommendations'}" for ch, q in subscriptions
                 if re.fullmatch(r"[CG][A-Z0-9_]+", ch)]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines) or "None.", SECTION_MAX))))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text="None of your channels subscribes. An admin can run /gaorec subscribe in one.")]))
    return View(type="home", blocks=blocks[:HOME_MAX])
