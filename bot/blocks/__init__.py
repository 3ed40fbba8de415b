"""Block Kit builders (pure: slack_sdk.models only, no Web API, no database)
and the text rendering the local shell prints from the same blocks.

Everything that came from GAO or a user is escaped (``&``, ``<``, ``>``), so
``<!channel>`` in data or a query can never ping anyone."""
from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ButtonElement, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject,
    PlainTextObject, SectionBlock,
)

from ..reply import HELP, Reply
from .listing import listing_line

MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
TEXT_PREVIEW = 500


def escape(s: str | None) -> str:
    """Slack's escaping for mrkdwn and plain text: only &, < and >."""
    if not s:
        return ""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: max(0, n - 1)].rstrip() + "…"


def _link(url: str | None, label: str) -> str:
    label = escape(label).replace("|", "¦")
    if url and url.startswith("https://") and not any(c in url for c in "<>| "):
        return f"<{url}|{label}>"
    return label


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=clip(text, BUTTON_TEXT_MAX), emoji=True), action_id=action_id,
                         value=value[:BUTTON_VALUE_MAX], style=style)


def page_value(text: str, offset: int) -> str:
    """A paging button's value: whole JSON within Slack's 2,000 characters (never cut mid-JSON), the query
    shortened (never inside an &amp; escape) when it must be."""
    value = json.dumps({"t": text, "o": offset}, ensure_ascii=False)
    while len(value) > BUTTON_VALUE_MAX:
        text = text[:len(text) - max(1, len(value) - BUTTON_VALUE_MAX)]
        amp = text.rfind("&")
        if amp >= len(text) - 4 and ";" not in text[amp:]:
            text = text[:amp]
        value = json.dumps({"t": text, "o": offset}, ensure_ascii=False)
    return value


def promise_line(v, as_of: date) -> str:
    p = v.current_promise
    if p is None:
        return "No promised date in GAO's comment."
    days = v.days_overdue(as_of)
    if days is not None:
        state = f"*overdue by {days} day{'s' if days != 1 else ''}*"
    elif v.is_open() and getattr(v, "listed", True) is False and getattr(v, "outcome", None) != "open":
        state = "not reminded: GAO no longer lists it as open"
    elif p.due >= as_of and v.is_open():
        n = (p.due - as_of).days
        state = f"due in {n} day{'s' if n != 1 else ''}"
    elif not v.is_open():
        state = "closed"
    else:
        state = "passed; status changed since"
    source = {"corrected": "; corrected", "confirmed": "; confirmed", "target": "; the tracker's target date"}.get(
        getattr(p, "source", "gao"), "")
    return f"Promised “{escape(p.phrase)}” (due {p.due.isoformat()}{source}): {state}"


def _when(iso: str | None) -> str:
    """'2024-03-31' -> 'Mar 2024' (a month's end names the month), '2025-04-30' -> 'Apr 2025',
    '2026-01-01' -> 'Jan 1, 2026'."""
    from datetime import date as _date, timedelta as _td

    if not iso:
        return "none"
    d = _date.fromisoformat(iso)
    return f"{d:%b %Y}" if (d + _td(days=1)).day == 1 else f"{d:%b} {d.day}, {d.year}"


def slip_line(slips: list[dict]) -> str:
    """'moved 2 times: Mar 2024 → Jun 2027 → Dec 2027'."""
    moves = " → ".join([_when(s["old_due"]) for s in slips] + [_when(slips[-1]["new_due"])])
    return f"Moved {len(slips)} time{'s' if len(slips) != 1 else ''}: {moves}"


def owner_markup(owner: str | None) -> str:
    """A live mention for a validated owner id; anything else is escaped text."""
    import re

    if not owner:
        return "unassigned"
    if owner.startswith("subteam:") and re.fullmatch(r"[A-Z0-9]+", owner[8:]):
        return f"<!subteam^{owner[8:]}>"
    if re.fullmatch(r"[UW][A-Z0-9]+", owner):
        return f"<@{owner}>"
    return escape(owner)


def owner_line(v) -> str:
    """'<@U0DANA> (assigned)', '<@U0DANA> (rule 1: agency …)', 'unassigned'."""
    owner = getattr(v, "owner", None)
    source = getattr(v, "owner_source", None)
    if not owner:
        return "unassigned"
    if source == "rule":
        return f"{owner_markup(owner)} (by {escape(getattr(v, 'owner_rule', None) or 'a rule')})"
    return f"{owner_markup(owner)} (assigned)" if source == "assigned" else owner_markup(owner)


def status_event_line(ev: dict) -> str:
    """'Open → Closed – Implemented on 2026-10-02'; a comment change with the same status says so; an older
    snapshot, a reopening and GAO's listing changes say what they are, dated by GAO's snapshot."""
    day = (ev.get("observed_at") or "")[:10]
    old, new = ev.get("old_status"), ev.get("new_status")
    kind, snap = ev.get("kind") or "change", ev.get("as_of") or day
    if kind == "unlisted":
        return f"no longer listed as open by GAO (its complete export of {snap})"
    if kind == "relisted":
        return f"listed as open by GAO again (its export of {snap})"
    if kind == "older":
        return f"an older GAO snapshot of {snap} ({escape(new or 'unknown')}), kept as history only"
    if kind == "reopened":
        return f"{escape(old or 'unknown')} → {escape(new or 'unknown')} as of {snap}: reopened"
    if old == new:
        return f"{escape(new or 'unknown')}: GAO's comment updated on {day}"
    if not old:
        return f"first seen as {escape(new or 'unknown')} on {day}"
    return f"{escape(old)} → {escape(new or 'unknown')} on {day}"


def detail_lines(v, as_of: date) -> list[str]:
    """What the full card adds: earlier promises, status events, the latest acknowledgement, a snooze, the last
    reminder (every piece of data escaped)."""
    lines = []
    earlier = [p for p in v.promises if p is not v.current_promise]
    if earlier:
        lines.append("*Earlier promises*")
        for p in earlier:
            stated = f", stated {p.stated.isoformat()}" if p.stated else ""
            lines.append(f"• “{escape(p.phrase)}” (due {p.due.isoformat()}{stated}): {escape(clip(p.sentence, 300))}")
    if v.status_events:
        lines.append("*Status events*")
        lines += [f"• {status_event_line(ev)}" for ev in v.status_events]
    ack = getattr(v, "acknowledged", None)
    if ack:
        note = f": “{escape(clip(ack['note'], 500))}”" if ack.get("note") else ""
        lines.append(f"*Acknowledged* by {owner_markup(ack['by'])} on {ack['at']:%Y-%m-%d}{note}")
    else:
        lines.append("*Acknowledged*: never")
    until = getattr(v, "snoozed_until", None)
    if until:
        why = f": “{escape(clip(v.snooze_reason, 300))}”" if getattr(v, "snooze_reason", None) else ""
        lines.append(f"*Snoozed* by {owner_markup(v.snoozed_by)} until {until:%Y-%m-%d}{why}")
    else:
        lines.append("*Snoozed*: no")
    last = getattr(v, "last_reminded", None)
    lines.append(f"*Last reminder*: {last:%Y-%m-%d}" if last else "*Last reminder*: none yet")
    return lines


HISTORY_WORDS = {"status": "status", "outcome": "outcome marked", "slip": "date moved", "assign": "assigned",
                 "unassign": "unassigned", "ack": "acknowledged", "snooze": "snoozed", "remind": "reminded",
                 "subscribe": "subscribed", "stop": "reminders stopped"}


def history_line(e: dict) -> str:
    d = e.get("detail") or {}
    when = (e.get("at") or "")[:10]
    kind = e.get("kind")
    if kind == "status" and d.get("event") == "older":
        what = (f"GAO's snapshot of this date (imported {(d.get('observed_at') or '')[:10]}, older than the record: "
                f"kept as history): {escape(d.get('new_status') or '—')}")
    elif kind == "status" and d.get("event") == "unlisted":
        what = "GAO's complete export of this date no longer lists it as open: probably closed"
    elif kind == "status":
        what = f"status {escape(d.get('old_status') or '—')} → {escape(d.get('new_status') or '—')}"
        if d.get("comment_changed"):
            what += ", comment updated"
        if d.get("event") == "reopened":
            what = "reopened by GAO: " + what
        elif d.get("event") == "relisted":
            what = "listed by GAO again: " + what
    elif kind == "slip":
        what = f"promised date moved {d.get('old_due')} → {d.get('new_due') or 'none'}"
    elif kind == "assign":
        what = f"assigned to {owner_markup(d.get('owner'))} by {owner_markup(e.get('actor'))}"
    elif kind == "unassign":
        what = f"owner {owner_markup(d.get('previous'))} removed by {owner_markup(e.get('actor'))}"
    else:
        what = f"{escape(HISTORY_WORDS.get(kind or '', kind or 'event'))} by {owner_markup(e.get('actor'))}"
        if d.get("note"):
            what += f": “{escape(clip(str(d['note']), 300))}”"
        if kind == "outcome" and d.get("outcome"):
            what += f": {escape(str(d['outcome']))}"
    return f"• {when} {what}"


def _reopened(v) -> str | None:
    """A newer GAO snapshot said Open after Closed: shown on the card (when its events are loaded)."""
    ev = next((e for e in reversed(getattr(v, "status_events", None) or []) if e.get("kind") == "reopened"), None)
    if ev is None or not v.is_open():
        return None
    return (f":leftwards_arrow_with_hook: Reopened by GAO: {escape(ev.get('old_status') or '')} → "
            f"{escape(ev.get('new_status') or '')} (as of {ev.get('as_of') or (ev.get('observed_at') or '')[:10]}).")


def _chunk_lines(lines: list[str], limit: int) -> list[str]:
    out, cur = [], ""
    for ln in lines:
        ln = clip(ln, limit)
        if cur and len(cur) + 1 + len(ln) > limit:
            out.append(cur)
            cur = ln
        else:
            cur = f"{cur}\n{ln}" if cur else ln
    if cur:
        out.append(cur)
    return out


def _heading(v) -> str:
    title = v.report_title or v.report_number or "Untitled report"
    rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
    number = f" · {escape(v.report_number)}" if v.report_number else ""
    prio = " · :star: *Priority*" if v.priority else ""
    return f"*{_link(v.url, clip(title, 300))}*{number}\n{rec} · `{v.key}` · {escape(v.agency)}{prio}"


def card_blocks(v, as_of: date, *, full: bool = False, buttons: bool = True) -> list[Block]:
    """One recommendation: report, number and key, agency, status, priority,
    the recommendation (trimmed, with a "more" control), the current promise
    with its quoted sentence, last status change."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(_heading(v), SECTION_MAX)))]
    body = v.text or "(GAO's listing gives no recommendation text)"
    trimmed = not full and len(body) > TEXT_PREVIEW
    blocks.append(SectionBlock(text=MarkdownTextObject(
        text=clip(escape(clip(body, TEXT_PREVIEW) if trimmed else body), SECTION_MAX))))
    changed = (v.last_changed.date().isoformat() if v.last_changed
               else "none seen since " + v.first_seen.date().isoformat())
    fields = [
        MarkdownTextObject(text=f"*Status*\n{escape(v.status or 'unknown')}"),
        MarkdownTextObject(text=f"*Last status change*\n{changed}"),
        MarkdownTextObject(text=f"*Owner*\n{owner_line(v)}"),
    ]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(promise_line(v, as_of), SECTION_MAX)), fields=fields))
    p = v.current_promise
    if p is not None:
        stated = f" (stated {p.stated:%B %Y})" if full and p.stated else ""
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip("> " + escape(p.sentence) + stated, 2000))]))
    if v.slips:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(slip_line(v.slips), 2000))]))
    if full:
        for chunk in _chunk_lines(detail_lines(v, as_of), SECTION_MAX)[:8]:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    unlisted = listing_line(v) if hasattr(v, "listed") else None
    if unlisted:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(":grey_question: " + unlisted, 2000))]))
    reopened = _reopened(v)
    if reopened:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(reopened, 2000))]))
    if full and v.comments:
        heading = "*GAO's comment*\n" if getattr(v, "issuer", "gao") == "gao" else "*Comment*\n"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(heading + escape(v.comments), SECTION_MAX))))
    if buttons:
        elements = []
        if trimmed:
            elements.append(_button("More", "gaorec_more", v.key))
        elements.append(_button("Details", "gaorec_details", v.key))
        blocks.append(ActionsBlock(block_id=f"rec:{v.key}", elements=elements))
    return blocks


PAGE = 5


def reply_blocks(reply: Reply, *, share: bool = True, buttons: bool = True) -> list[Block]:
    """A Reply as Block Kit, within Slack's limits (50 blocks, 3,000-character sections)."""
    as_of = reply.as_of or date.today()
    blocks: list[Block] = []
    if reply.kind == "help":
        blocks.append(HeaderBlock(text=PlainTextObject(text=clip(escape(reply.title), HEADER_MAX))))
        lines = [f"`{escape(c)}` {escape(d)} (e.g. `{escape(e)}`)" for c, d, e in reply.data.get("commands", HELP)]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_MAX))))
        return blocks
    if reply.kind in ("error", "text", "file"):
        body = reply.mrkdwn or escape(reply.text)
        return [SectionBlock(text=MarkdownTextObject(text=clip(body, SECTION_MAX)))]
    if reply.kind == "history":
        v = reply.records[0]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(_heading(v), SECTION_MAX))))
        lines = [history_line(e) for e in reply.data.get("events", [])] or ["Nothing has happened yet."]
        for chunk in _chunk_lines(lines, SECTION_MAX):
            if len(blocks) >= MAX_BLOCKS:
                break
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
        return blocks
    if reply.kind == "empty":
        what = f"Nothing found for “{escape(clip(reply.query, 200))}”." if reply.query else "Nothing found."
        if reply.command in ("overdue", "due", "mine"):
            what = escape(reply.text)
            return [SectionBlock(text=MarkdownTextObject(text=clip(what, SECTION_MAX)))]
        return [SectionBlock(text=MarkdownTextObject(text=clip(f"{what} {escape(reply.text)}", SECTION_MAX)))]
    if reply.kind == "stats":
        d = reply.data
        lines = [f"*{d['recommendations']}* recommendations in *{d['reports']}* reports; "
                 f"*{d['with_promise']}* with a promised date, *{d['overdue']}* overdue."]
        lines += [f"• {escape(k)}: {n}" for k, n in d["by_status"].items()]
        if d.get("not_listed"):
            lines.append(f"{d['not_listed']} open by GAO's last word but no longer listed (probably closed).")
        return [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_MAX)))]
    if reply.kind == "card":
        return card_blocks(reply.records[0], as_of, full=True, buttons=buttons)[:MAX_BLOCKS]
    # list
    blocks.append(HeaderBlock(text=PlainTextObject(text=clip(escape(reply.title), HEADER_MAX))))
    for v in reply.records:
        card = card_blocks(v, as_of, buttons=buttons)
        if len(blocks) + len(card) + 3 > MAX_BLOCKS:
            break
        blocks += card
        blocks.append(DividerBlock())
    shown_to = reply.offset + len(reply.records)
    nav = []
    if buttons:
        text = escape(reply.source_text[:500])  # button values are data, but never live markup
        if reply.offset > 0:
            nav.append(_button("Previous", "gaorec_page_prev", page_value(text, max(0, reply.offset - PAGE))))
        if shown_to < reply.total:
            nav.append(_button(f"Next ({shown_to + 1}-{min(reply.total, shown_to + PAGE)})", "gaorec_page_next",
                               page_value(text, shown_to)))
        if share:
            nav.append(_button("Share in channel", "gaorec_share", page_value(text, reply.offset)))
    if nav:
        blocks.append(ActionsBlock(block_id="nav", elements=nav))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(
        text=f"{reply.offset + 1}-{shown_to} of {reply.total_label or reply.total} · as of {as_of.isoformat()}")]))
    return blocks[:MAX_BLOCKS]


def unfurl_blocks(views, as_of: date, limit: int = 8) -> list[Block]:
    """A gao.gov report link: its recommendations with status and promise, compactly."""
    first = views[0]
    title = first.report_title or first.report_number or "GAO report"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(
        f"*{_link(first.url, clip(title, 300))}* · {escape(first.report_number or '')} · "
        f"{len(views)} recommendation{'s' if len(views) != 1 else ''} tracked by gaorec", SECTION_MAX)))]
    for v in views[:limit]:
        rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
        line = f"*{rec}* · `{v.key}` · {escape(v.agency)} · {escape(v.status or 'unknown')}\n{promise_line(v, as_of)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(line, SECTION_MAX))))
    if len(views) > limit:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"+{len(views) - limit} more: /gaorec {escape(first.report_number or '')}")]))
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text that goes with blocks."""
    if reply.kind == "card" and reply.records:
        v = reply.records[0]
        rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
        return clip(f"{rec} · {v.key} · {escape(v.report_title or v.report_number or '')}: "
                    f"{promise_line(v, reply.as_of or date.today()).replace('*', '')}", 300)
    if reply.kind in ("list", "card", "history"):
        return clip(escape(reply.title), 300)
    if reply.mrkdwn:  # assign, subscribe, snooze, owners, …: the answer itself (already escaped)
        return clip(reply.mrkdwn.replace("*", ""), 300)
    for b in reply_blocks(reply, share=False, buttons=False):  # the first thing a reader would read
        d = b.to_dict()
        text = (d.get("text") or {}).get("text")
        if text:
            return clip(text.replace("*", ""), 300)
    return clip(escape(reply.text or reply.title or "gaorec"), 300)
