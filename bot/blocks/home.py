"""App Home and the weekly digest (pure Block Kit)."""
from __future__ import annotations

import re
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock,
)
from slack_sdk.models.views import View

from . import SECTION_MAX, _button, _link, clip, escape, promise_line

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


def home_view(*, overdue, due, snoozed, acknowledged, subscriptions: list[tuple[str, str]], as_of: date,
              owned: int | None = None, unlisted=()) -> View:
    """For the viewer: what they own (overdue first), due in 30 days, snoozed, recently acknowledged; the
    channels they are in that subscribe; a refresh button. At most 100 blocks."""
    count = "" if owned is None else f" · you own {owned} (assigned or by a rule; list: /gaorec mine)"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*gaorec* · GAO recommendations you own · as of {as_of}{count}")),
        ActionsBlock(block_id="home", elements=[_button("Refresh", REFRESH_ACTION, "refresh")]),
    ]
    blocks += _section(f"Overdue ({len(overdue)})", overdue, as_of, "Nothing of yours is overdue.", 20)
    blocks += _section(f"Due in the next 30 days ({len(due)})", due, as_of, "Nothing due soon.", 10)
    if unlisted:  # open by GAO's last word, but its complete export no longer lists them
        blocks += _section(f"No longer listed by GAO: probably closed ({len(unlisted)})", list(unlisted), as_of,
                           "", 8)
    blocks += _section(f"Snoozed ({len(snoozed)})", snoozed, as_of, "Nothing snoozed.", 8)
    blocks += _section(f"Acknowledged in the last 30 days ({len(acknowledged)})", acknowledged, as_of,
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


def digest_blocks(counts: dict[str, int], as_of: date) -> list[Block]:
    parts = [f"*{counts['overdue']}* overdue", f"*{counts['became']}* became overdue this week",
             f"*{counts['due']}* due in the next 30 days", f"*{counts['changed']}* changed status",
             f"*{counts['slipped']}* moved their date"]
    if counts.get("unlisted"):
        parts.append(f"*{counts['unlisted']}* no longer listed by GAO (probably closed; mark the outcome)")
    if counts.get("unjustified"):
        parts.append(f"*{counts['unjustified']}* in the GAO-IG Act report lack a timeline and a justification")
    return [SectionBlock(text=MarkdownTextObject(text=f":calendar: *Weekly GAO digest* · {as_of}\n" +
                                                      " · ".join(parts) + "\nDetails in the thread."))]


def digest_section_text(title: str, views, as_of: date, limit: int = 10) -> str:
    lines = [f"*{escape(title)}* ({len(views)})"]
    lines += ["• " + _line(v, as_of).replace("\n", " — ") for v in views[:limit]]
    if len(views) > limit:
        lines.append(f"+{len(views) - limit} more: /gaorec overdue")
    return clip("\n".join(lines), 3000)
