"""The Slack side of gaorec's messages (pure: no Web API, no database): the builders turn records into neutral
messages (bot/messages.py), and render.py turns those into Block Kit as plain dicts. ``reply_blocks`` and
friends are the Slack rendering of ``reply_message`` and friends; the shell and the CLI render the same
messages as text.

Everything that came from GAO or a user is escaped at rendering (``&``, ``<``, ``>``), so ``<!channel>`` in
data or a query can never ping anyone."""
from __future__ import annotations

import json
from datetime import date, tzinfo

from .. import messages as M
from ..gao import effective as ge
from ..gao.calendar import day_text
from ..messages import Action, Actions, Divider, Field, Heading, Message, Note, Section, Text
from ..people import is_person
from ..reply import HELP, Reply
from . import render
from .listing import listing_line
from .render import BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, HEADER_MAX, SECTION_MAX, clip, escape  # noqa: F401

MAX_BLOCKS = 50
TEXT_PREVIEW = 500


def unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Action:
    return Action(action_id, text, value, style)


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


def owner_markup(owner: str | None) -> str:
    """Slack markup for an owner id (a live mention only for a validated id)."""
    return render.mention(owner)


def promise_text(v, as_of: date) -> Text:
    p = v.current_promise
    if p is None:
        d = getattr(v, "decision", None)
        if d is not None and d.action == "none" and ge.holds(d, getattr(v, "comments", None)):
            who = M.user(d.actor) if is_person(d.actor) else d.actor  # an owner's word: who, when and why
            why = f": “{clip(d.reason, 300)}”" if d.reason else ""
            return M.text("No date was promised, said ", who, f" on {d.at:%Y-%m-%d}{why} (gaorec had read one).")
        return M.text("No promised date in GAO's comment.")
    days = v.days_overdue(as_of)
    if days is not None:
        state: Text = [M.strong(f"overdue by {days} day{'s' if days != 1 else ''}")]
    elif v.is_open() and getattr(v, "listed", True) is False and getattr(v, "outcome", None) != "open":
        state = M.text("not reminded: GAO no longer lists it as open")
    elif p.due >= as_of and v.is_open():
        n = (p.due - as_of).days
        state = M.text(f"due in {n} day{'s' if n != 1 else ''}")
    elif not v.is_open():
        state = M.text("closed")
    else:
        state = M.text("passed; status changed since")
    source = {"corrected": "; corrected", "confirmed": "; confirmed", "target": "; the tracker's target date"}.get(
        getattr(p, "source", "gao"), "")
    return M.text(f"Promised “{p.phrase}” (due ", M.day(p.due), f"{source}): ", state)


def last_change_text(v, tz: tzinfo) -> str:
    """When GAO's data last showed a change of status or comment: the date of that snapshot (not the day it was
    imported), or since when gaorec has seen none."""
    day = getattr(v, "changed_on", None)
    if day is not None:
        return day.isoformat()
    if v.last_changed:
        return day_text(v.last_changed, tz)
    first = day_text(v.first_seen, tz)
    seen = f"none seen since gaorec first read it on {first}"
    as_of = getattr(v, "as_of", None)  # the date of GAO's data, when it is not that day
    return f"{seen} (GAO's data of {as_of.isoformat()})" if as_of and as_of.isoformat() != first else seen


def promise_line(v, as_of: date) -> str:
    """The promise line as Slack mrkdwn."""
    return render.mrkdwn(promise_text(v, as_of))


def _when(iso: str | None) -> str:
    """'2024-03-31' -> 'Mar 2024' (a month's end names the month), '2025-04-30' -> 'Apr 2025',
    '2026-01-01' -> 'Jan 1, 2026'."""
    from datetime import date as _date, timedelta as _td

    if not iso:
        return "none"
    d = _date.fromisoformat(iso)
    return f"{d:%b %Y}" if (d + _td(days=1)).day == 1 else f"{d:%b} {d.day}, {d.year}"


def slip_line(slips: list[dict]) -> str:
    """'moved 2 times: Mar 2024 → Jun 2027 → Dec 2027' (plain words)."""
    moves = " → ".join([_when(s["old_due"]) for s in slips] + [_when(slips[-1]["new_due"])])
    return f"Moved {len(slips)} time{'s' if len(slips) != 1 else ''}: {moves}"


def owner_text(v) -> Text:
    """'@U0DANA (assigned)', '@U0DANA (by rule 1: agency …)', 'unassigned'."""
    owner = getattr(v, "owner", None)
    source = getattr(v, "owner_source", None)
    if not owner:
        return M.text("unassigned")
    if source == "rule":
        return M.text(M.user(owner), f" (by {getattr(v, 'owner_rule', None) or 'a rule'})")
    return M.text(M.user(owner), " (assigned)" if source == "assigned" else None)


def status_event_line(ev: dict, tz: tzinfo) -> str:
    """'Open → Closed – Implemented on 2026-10-02'; a comment change with the same status says so; an older
    snapshot, a reopening and GAO's listing changes say what they are, dated by GAO's snapshot (plain words)."""
    day = day_text(ev.get("observed_at"), tz)
    old, new = ev.get("old_status"), ev.get("new_status")
    kind, snap = ev.get("kind") or "change", ev.get("as_of") or day
    if kind == "unlisted":
        return f"no longer listed as open by GAO (its complete export of {snap})"
    if kind == "relisted":
        return f"listed as open by GAO again (its export of {snap})"
    if kind == "older":
        return f"an older GAO snapshot of {snap} ({new or 'unknown'}), kept as history only"
    if kind == "reopened":
        return f"{old or 'unknown'} → {new or 'unknown'} as of {snap}: reopened"
    if old == new:
        return f"{new or 'unknown'}: GAO's comment updated on {day}"
    if not old:
        return f"first seen as {new or 'unknown'} on {day}"
    return f"{old} → {new or 'unknown'} on {day}"


def detail_lines(v, as_of: date, tz: tzinfo) -> list[Text]:
    """What the full card adds: earlier promises, status events, the latest acknowledgement, a snooze, the last
    reminder."""
    lines: list[Text] = []
    earlier = [p for p in v.promises if p is not v.current_promise]
    if earlier:
        lines.append([M.strong("Earlier promises")])
        for p in earlier:
            stated = f", stated {p.stated.isoformat()}" if p.stated else ""
            lines.append(M.text(f"• “{p.phrase}” (due {p.due.isoformat()}{stated}): {clip(p.sentence, 300)}"))
    if v.status_events:
        lines.append([M.strong("Status events")])
        lines += [M.text(f"• {status_event_line(ev, tz)}") for ev in v.status_events]
    ack = getattr(v, "acknowledged", None)
    if ack:
        note = f": “{clip(ack['note'], 500)}”" if ack.get("note") else ""
        lines.append(M.text(M.strong("Acknowledged"), " by ", M.user(ack["by"]),
                            f" on {day_text(ack['at'], tz)}{note}"))
    else:
        lines.append(M.text(M.strong("Acknowledged"), ": never"))
    until = getattr(v, "snoozed_until", None)
    if until:
        why = f": “{clip(v.snooze_reason, 300)}”" if getattr(v, "snooze_reason", None) else ""
        lines.append(M.text(M.strong("Snoozed"), " by ", M.user(v.snoozed_by), f" until {day_text(until, tz)}{why}"))
    else:
        lines.append(M.text(M.strong("Snoozed"), ": no"))
    last = getattr(v, "last_reminded", None)
    lines.append(M.text(M.strong("Last reminder"), f": {day_text(last, tz)}" if last else ": none yet"))
    return lines


HISTORY_WORDS = {"status": "status", "outcome": "outcome marked", "slip": "date moved", "assign": "assigned",
                 "unassign": "unassigned", "ack": "acknowledged", "snooze": "snoozed", "remind": "reminded",
                 "subscribe": "subscribed", "stop": "reminders stopped"}


PROMISE_WORDS = {  # (before the actor, after it)
    "promise-set": ("promised date corrected to {due} by ", ""),
    "promise-none": ("promised date corrected by ", ": no date was promised"),
    "promise-confirm": ("promised date {due} confirmed by ", ""),
    "promise-clear": ("correction cleared by ", ": back to GAO's comment"),
    "promise-ask": ("asked the owner whether {due} is the promised date", None),
}


def promise_history(kind: str, d: dict, actor: str | None) -> Text:
    """A promise correction, confirmation or question in words: what, by whom, the date read, why."""
    before, after = PROMISE_WORDS[kind]
    if after is None:  # gaorec's own question
        phrase = f"“{d['phrase']}” ({d.get('due')})" if d.get("phrase") else str(d.get("due") or "a date")
        return M.text(before.format(due=phrase))
    read = f" (gaorec had read “{d['read_phrase']}”, {d['read_due']})" if (
        kind in ("promise-set", "promise-none") and d.get("read_phrase") and d.get("read_due")) else ""
    why = f": “{clip(str(d['reason']), 300)}”" if d.get("reason") else ""
    return M.text(before.format(due=d.get("due") or "none"), M.user(actor), after + read + why)


def history_line(e: dict, tz: tzinfo) -> Text:
    d = e.get("detail") or {}
    when = day_text(e.get("at"), tz)
    kind = e.get("kind")
    what: Text
    if kind == "status" and d.get("event") == "older":
        what = M.text(f"GAO's snapshot of this date (imported {day_text(d.get('observed_at'), tz)}, older than the "
                      f"record: kept as history): {d.get('new_status') or '—'}")
    elif kind == "status" and d.get("event") == "unlisted":
        what = M.text("GAO's complete export of this date no longer lists it as open: probably closed")
    elif kind == "status":
        words = f"status {d.get('old_status') or '—'} → {d.get('new_status') or '—'}"
        if d.get("comment_changed"):
            words += ", comment updated"
        if d.get("event") == "reopened":
            words = "reopened by GAO: " + words
        elif d.get("event") == "relisted":
            words = "listed by GAO again: " + words
        what = M.text(words)
    elif kind == "slip":
        what = M.text(f"promised date moved {d.get('old_due')} → {d.get('new_due') or 'none'}")
    elif kind == "reread":
        what = M.text(f"gaorec's promise reader ({d.get('reader')}) read GAO's unchanged comment again: the promised "
                      f"date is {d.get('new_due') or 'none'}, was {d.get('old_due') or 'none'} (not a slip)")
    elif kind == "assign":
        what = M.text("assigned to ", M.user(d.get("owner")), " by ", M.user(e.get("actor")))
    elif kind == "unassign":
        what = M.text("owner ", M.user(d.get("previous")), " removed by ", M.user(e.get("actor")))
    elif kind in PROMISE_WORDS:
        what = promise_history(kind, d, e.get("actor"))
    elif kind == "justify":
        text = d.get("justification")
        what = M.text("justification ", f"recorded: “{clip(str(text), 300)}”" if text else "cleared", " by ",
                      M.user(e.get("actor")))
    elif kind == "unlisted":
        what = M.text("its reminder threads told GAO no longer lists it")
    else:
        what = M.text(f"{HISTORY_WORDS.get(kind or '', kind or 'event')} by ", M.user(e.get("actor")))
        if d.get("note"):
            what += M.text(f": “{clip(str(d['note']), 300)}”")
        if kind == "outcome" and d.get("outcome"):
            what += M.text(f": {d['outcome']}")
    return M.text(f"• {when} ", what)


def _reopened(v, tz: tzinfo) -> Text | None:
    """A newer GAO snapshot said Open after Closed: shown on the card (when its events are loaded)."""
    ev = next((e for e in reversed(getattr(v, "status_events", None) or []) if e.get("kind") == "reopened"), None)
    if ev is None or not v.is_open():
        return None
    return M.text(M.icon("leftwards_arrow_with_hook"), f"Reopened by GAO: {ev.get('old_status') or ''} → "
                  f"{ev.get('new_status') or ''} (as of {ev.get('as_of') or day_text(ev.get('observed_at'), tz)}).")


def _chunk_lines(lines: list[Text], limit: int) -> list[Text]:
    """Lines joined into sections of at most limit characters of Slack text (a longer line stands alone, and its
    section clips it)."""
    out: list[Text] = []
    cur: Text = []
    size = 0
    for ln in lines:
        n = min(len(render.mrkdwn(ln)), limit)
        if cur and size + 1 + n > limit:
            out.append(cur)
            cur, size = list(ln), n
        elif cur:
            cur, size = cur + [M.Span("\n")] + ln, size + 1 + n
        else:
            cur, size = list(ln), n
    if cur:
        out.append(cur)
    return out


def record_head(v) -> Text:
    """A record's first words where several are listed (the digest, App Home): priority in words, the report's
    title linked, the recommendation's number and key, how often its date moved."""
    rec = f"Rec. {v.rec_number}" if v.rec_number is not None else "Rec."
    prio = M.text(M.icon("star"), "Priority · ") if v.priority else None
    title = clip(v.report_title or v.report_number or "GAO report", 120)
    moved = f" · moved {len(v.slips)}×" if v.slips else None
    return M.text(prio, M.link(title, v.url, bold=True), f" · {rec} · ", M.code(v.key), moved)


def heading_text(v) -> Text:
    title = v.report_title or v.report_number or "Untitled report"
    rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
    number = f" · {v.report_number}" if v.report_number else ""
    prio = [" · ", M.icon("star"), M.strong("Priority")] if v.priority else None
    return M.text(M.link(clip(title, 300), v.url, bold=True), number, f"\n{rec} · ", M.code(v.key),
                  f" · {v.agency or ''}", prio)


def card_message(v, as_of: date, *, tz: tzinfo, full: bool = False, buttons: bool = True) -> Message:
    """One recommendation: report, number and key, agency, status, priority,
    the recommendation (trimmed, with a "more" control), the current promise
    with its quoted sentence, last status change."""
    parts: list = [Section(heading_text(v))]
    body = v.text or "(GAO's listing gives no recommendation text)"
    trimmed = not full and len(body) > TEXT_PREVIEW
    parts.append(Section(M.text(clip(body, TEXT_PREVIEW) if trimmed else body)))
    changed = last_change_text(v, tz)
    fields = [Field("Status", M.text(v.status or "unknown")), Field("Last status change", M.text(changed)),
              Field("Owner", owner_text(v))]
    parts.append(Section(promise_text(v, as_of), fields))
    p = v.current_promise
    # the sentence a date was read from; an owner's corrected date was read from none (GAO's comment is below)
    if p is not None and p.sentence and getattr(p, "source", "gao") != "corrected":
        stated = f" (stated {p.stated:%B %Y})" if full and p.stated else ""
        parts.append(Note(M.text(M.quote(p.sentence), stated)))
    if v.slips:
        parts.append(Note(M.text(slip_line(v.slips))))
    if full:
        for chunk in _chunk_lines(detail_lines(v, as_of, tz), SECTION_MAX)[:8]:
            parts.append(Section(chunk))
    unlisted = listing_line(v) if hasattr(v, "listed") else None
    if unlisted:
        parts.append(Note(M.text(M.icon("grey_question"), unlisted)))
    reopened = _reopened(v, tz)
    if reopened:
        parts.append(Note(reopened))
    if full and v.comments:
        label = "GAO's comment" if getattr(v, "issuer", "gao") == "gao" else "Comment"
        parts.append(Section(M.text(M.strong(label), "\n" + v.comments)))
    if buttons and not full:  # the full card is the detail view: it offers no Details of itself
        elements = []
        if trimmed:
            elements.append(_button("More", "gaorec_more", v.key))
        elements.append(_button("Details", "gaorec_details", v.key))
        parts.append(Actions(elements, f"rec:{v.key}"))
    return Message(parts, M.text(_card_words(v, as_of)))


def _card_words(v, as_of: date) -> str:
    rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
    return f"{rec} · {v.key} · {v.report_title or v.report_number or ''}: {M.to_plain(promise_text(v, as_of))}"


def card_blocks(v, as_of: date, *, tz: tzinfo, full: bool = False, buttons: bool = True) -> list[dict]:
    return render.blocks(card_message(v, as_of, tz=tz, full=full, buttons=buttons))


PAGE = 5


def _one(t: Text, limit: int = SECTION_MAX) -> list:
    return [Section(t, limit=limit)]


def reply_parts(reply: Reply, *, share: bool = True, buttons: bool = True) -> list:
    as_of = reply.as_of or date.today()
    parts: list = []
    if reply.kind == "help":
        parts.append(Heading(reply.title))
        lines = [M.text(M.code(c), f" {d} (e.g. ", M.code(e), ")") for c, d, e in reply.data.get("commands", HELP)]
        return parts + _one(M.join(lines))
    if reply.kind in ("error", "text", "file"):
        return _one(reply.body if reply.body else M.text(reply.text))
    if reply.kind == "history":
        v = reply.records[0]
        parts.append(Section(heading_text(v)))
        lines = ([history_line(e, reply.tz) for e in reply.data.get("events", [])]
                 or [M.text("Nothing has happened yet.")])
        for chunk in _chunk_lines(lines, SECTION_MAX):
            if len(parts) >= MAX_BLOCKS:
                break
            parts.append(Section(chunk))
        return parts
    if reply.kind == "empty":
        what = f"Nothing found for “{clip(reply.query, 200)}”." if reply.query else "Nothing found."
        if reply.command in ("overdue", "due", "mine"):
            return _one(M.text(reply.text))
        return _one(M.text(f"{what} {reply.text}"))
    if reply.kind == "stats":
        d = reply.data
        lines = [M.text(M.strong(str(d["recommendations"])), " recommendations in ", M.strong(str(d["reports"])),
                        " reports; ", M.strong(str(d["with_promise"])), " with a promised date, ",
                        M.strong(str(d["overdue"])), " overdue.")]
        lines += [M.text(f"• {k}: {n}") for k, n in d["by_status"].items()]
        if d.get("not_listed"):
            lines.append(M.text(f"{d['not_listed']} open by GAO's last word but no longer listed (probably closed)."))
        return _one(M.join(lines))
    if reply.kind == "card":
        return card_message(reply.records[0], as_of, tz=reply.tz, full=True, buttons=buttons).parts[:MAX_BLOCKS]
    # list
    parts.append(Heading(reply.title))
    for v in reply.records:
        card = card_message(v, as_of, tz=reply.tz, buttons=buttons).parts
        if len(parts) + len(card) + 3 > MAX_BLOCKS:
            break
        parts += card
        parts.append(Divider())
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
        parts.append(Actions(nav, "nav"))
    parts.append(Note(M.text(f"{reply.offset + 1}-{shown_to} of {reply.total_label or reply.total} · as of "
                             f"{as_of.isoformat()}")))
    return parts[:MAX_BLOCKS]


def reply_message(reply: Reply, *, share: bool = True, buttons: bool = True) -> Message:
    """A Reply as a neutral message, within Slack's limits (50 parts, 3,000-character sections); its top-level
    text is what a notification shows."""
    return Message(reply_parts(reply, share=share, buttons=buttons), _top_text(reply))


def reply_blocks(reply: Reply, *, share: bool = True, buttons: bool = True) -> list[dict]:
    """A Reply as Block Kit."""
    return render.blocks(reply_message(reply, share=share, buttons=buttons))


def unfurl_blocks(views, as_of: date, limit: int = 8) -> list[dict]:
    """A gao.gov report link: its recommendations with status and promise, compactly."""
    first = views[0]
    title = first.report_title or first.report_number or "GAO report"
    parts: list = [Section(M.text(M.link(clip(title, 300), first.url, bold=True),
                                  f" · {first.report_number or ''} · {len(views)} "
                                  f"recommendation{'s' if len(views) != 1 else ''} tracked by gaorec"))]
    for v in views[:limit]:
        rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
        parts.append(Section(M.text(M.strong(rec), " · ", M.code(v.key), f" · {v.agency or ''} · "
                                    f"{v.status or 'unknown'}\n", promise_text(v, as_of))))
    if len(views) > limit:
        parts.append(Note(M.text(f"+{len(views) - limit} more: /gaorec {first.report_number or ''}")))
    return render.blocks(Message(parts))


def _top_text(reply: Reply) -> Text:
    """The words of the notification that goes with a reply (Section 508: the meaning, never an icon alone)."""
    if reply.kind == "card" and reply.records:
        v = reply.records[0]
        return M.text(clip(_card_words(v, reply.as_of or date.today()), 300))
    if reply.kind in ("list", "card", "history"):
        return M.text(clip(_counted_title(reply), 300))
    if reply.body:  # assign, subscribe, snooze, owners, …: the answer itself
        return reply.body
    return M.text(clip(M.to_plain(_first_words(reply)) or reply.text or reply.title or "gaorec", 300))


def _counted_title(reply: Reply) -> str:
    """A list's title with how many it holds ("Overdue promises: 10"), for the notification and screen readers;
    a title that starts with its count ("2 results for …") as it is."""
    title = reply.title or ""
    if reply.kind != "list" or title[:1].isdigit():
        return title
    return f"{title}: {reply.total_label or reply.total}"


def _first_words(reply: Reply) -> Text:
    for p in reply_parts(reply, share=False, buttons=False):  # the first thing a reader would read
        if isinstance(p, Section) and p.text:
            return p.text
    return []


def payload_parts(reply: Reply) -> tuple[list[dict], str]:
    """The Block Kit and the notification text of one reply, as reply_blocks and fallback_text give them, each
    part built once (an answer in the ack)."""
    blocks = render.blocks(Message(reply_parts(reply)))
    if reply.kind in ("list", "card", "history") or reply.body:
        return blocks, fallback_text(reply)
    return blocks, fallback_text(reply, render.blocks(Message(reply_parts(reply, share=False, buttons=False))))


def fallback_text(reply: Reply, plain_blocks: list[dict] | None = None) -> str:
    """The notification text that goes with blocks (Slack mrkdwn, no bold). ``plain_blocks``: the reply's
    blocks without buttons, when the caller already has them."""
    if reply.kind == "card" and reply.records:
        v = reply.records[0]
        rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
        return clip(f"{rec} · {v.key} · {escape(v.report_title or v.report_number or '')}: "
                    f"{promise_line(v, reply.as_of or date.today()).replace('*', '')}", 300)
    if reply.kind in ("list", "card", "history"):
        return clip(escape(_counted_title(reply)), 300)
    if reply.body:  # assign, subscribe, snooze, owners, …: the answer itself
        return clip(render.mrkdwn(reply.body).replace("*", ""), 300)
    for b in (plain_blocks if plain_blocks is not None  # the first thing a reader would read
              else reply_blocks(reply, share=False, buttons=False)):
        text = (b.get("text") or {}).get("text")
        if text:
            return clip(text.replace("*", ""), 300)
    return clip(escape(reply.text or reply.title or "gaorec"), 300)
