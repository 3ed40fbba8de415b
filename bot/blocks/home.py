"""App Home (Slack's own surface: a slack_sdk View) and the weekly digest (a neutral message)."""
from __future__ import annotations

import re
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ButtonElement, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from .. import messages as M
from ..messages import Message, Section
from . import SECTION_MAX, _link, clip, escape, promise_line, promise_text, render

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
        ActionsBlock(block_id="home", elements=[ButtonElement(text=PlainTextObject(text="Refresh", emoji=True),
                                                              action_id=REFRESH_ACTION, value="refresh")]),
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


def digest_message(counts: dict[str, int], as_of: date) -> Message:
    parts = [M.text(M.strong(str(counts["overdue"])), " overdue"),
             M.text(M.strong(str(counts["became"])), " became overdue this week"),
             M.text(M.strong(str(counts["due"])), " due in the next 30 days"),
             M.text(M.strong(str(counts["changed"])), " changed status"),
             M.text(M.strong(str(counts["slipped"])), " moved their date")]
    if counts.get("unlisted"):
        parts.append(M.text(M.strong(str(counts["unlisted"])),
                            " no longer listed by GAO (probably closed; mark the outcome)"))
    if counts.get("unjustified"):
        parts.append(M.text(M.strong(str(counts["unjustified"])),
                            " in the GAO-IG Act report lack a timeline and a justification"))
    words = M.text(M.icon("calendar"), M.strong("Weekly GAO digest"), f" · {as_of}\n", M.join(parts, " · "),
                   "\nDetails in the thread.")
    return Message([Section(words)], M.text(f"Weekly GAO digest: {counts['overdue']} overdue"))


def digest_blocks(counts: dict[str, int], as_of: date) -> list[dict]:
    return render.blocks(digest_message(counts, as_of))


def _digest_line(v, as_of: date) -> M.Text:
    rec = f"Rec. {v.rec_number}" if v.rec_number is not None else "Rec."
    prio = M.icon("star") if v.priority else None
    title = clip(v.report_title or v.report_number or "GAO report", 120)
    moved = f" · moved {len(v.slips)}×" if v.slips else None
    return M.text("• ", prio, M.link(title, v.url, bold=True), f" · {rec} · ", M.code(v.key), moved, " — ",
                  promise_text(v, as_of))


def digest_section(title: str, views, as_of: date, limit: int = 10) -> M.Text:
    lines = [M.text(M.strong(title), f" ({len(views)})")]
    lines += [_digest_line(v, as_of) for v in views[:limit]]
    if len(views) > limit:
        lines.append(M.text(f"+{len(views) - limit} more: /gaorec overdue"))
    return M.join(lines)


def digest_section_text(title: str, views, as_of: date, limit: int = 10) -> str:
    return clip(render.mrkdwn(digest_section(title, views, as_of, limit)), 3000)
