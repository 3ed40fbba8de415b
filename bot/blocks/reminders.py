"""Block Kit for reminders (pure): the top-level reminder, follow-ups in its
thread, the parent after an acknowledgement or snooze, status-change notes."""
from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock, Block, ContextBlock, DatePickerElement, MarkdownTextObject, PlainTextObject, SectionBlock,
)

from . import SECTION_MAX, _button, _link, clip, escape, owner_markup, promise_line, slip_line

ACK_ACTION = "gaorec_ack"
SNOOZE_ACTIONS = ("gaorec_snooze_week", "gaorec_snooze_month")
SNOOZE_DATE_ACTION = "gaorec_snooze_date"
DETAILS_ACTION = "gaorec_details"
CONFIRM_ACTION = "gaorec_promise_confirm"  # "That's right"
CORRECT_ACTION = "gaorec_promise_correct"  # "Correct the date": opens the correction modal
CORRECT_VIEW = "gaorec_promise_modal"


def _title(v) -> str:
    rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
    title = v.report_title or v.report_number or "GAO report"
    prio = " · :star: Priority" if v.priority else ""
    return f"*{_link(v.url, clip(title, 300))}*\n{rec} · `{v.key}` · {escape(v.agency)}{prio}"


def reminder_text(v, as_of: date) -> str:
    """The notification text (what a phone shows)."""
    p = v.current_promise
    days = v.days_overdue(as_of)
    phrase = f"“{p.phrase}”" if p else "a date"
    if days is None:
        return clip(escape(f"GAO recommendation {v.key}: the promise of {phrase} is not overdue now."), 300)
    return clip(escape(f"GAO recommendation {v.key}: the promise of {phrase} passed {days} days ago "
                       f"with no status change."), 300)


OVERDUE_HEADING = ":alarm_clock: *A promised date passed with no status change*"


def updated_heading(v, as_of: date) -> str:
    """The parent's heading once GAO changed the record and the reminders for the passed promise stopped."""
    p = v.current_promise
    if not v.is_open():
        now = f"now {escape(v.status or 'closed')}"
    elif p is not None and p.due >= as_of:
        n = (p.due - as_of).days
        now = f"a new promised date, due in {n} day{'s' if n != 1 else ''}"
    else:
        now = f"status {escape(v.status or 'unknown')}"
    return (f":arrows_counterclockwise: *GAO updated this recommendation: {now}. "
            "Reminders for the passed promise stopped.*")


def updated_text(v, as_of: date) -> str:
    """The notification text of a parent whose reminders stopped after GAO's update."""
    return clip(f"GAO recommendation {v.key} was updated by GAO (status: {escape(v.status or 'unknown')}); "
                f"reminders for the passed promise stopped.", 300)


def source_line(v) -> str:
    """Where the current promise comes from: read from GAO's sentence, confirmed, or corrected by the owner."""
    p = v.current_promise
    d = getattr(v, "decision", None)
    source = getattr(p, "source", "gao") if p is not None else None
    if source == "corrected" and d is not None:
        why = f": “{escape(clip(d.reason, 300))}”" if d.reason else ""
        return f"Date corrected by {owner_markup(d.actor)} on {d.at:%Y-%m-%d}{why}"
    if source == "confirmed" and d is not None:
        return f"Read from GAO's comment and confirmed by {owner_markup(d.actor)} on {d.at:%Y-%m-%d}"
    if p is None and d is not None and d.action == "none":
        return f"{owner_markup(d.actor)} says no date was promised"
    if source == "target":
        return "The tracker's stated target date"
    return "Read from GAO's comment (the sentence above)" if p is not None else ""


def promise_buttons(v, value: str) -> list:
    """That's right (while the date is only read) and Correct the date."""
    p = v.current_promise
    out = []
    if p is not None and getattr(p, "source", "gao") == "gao":
        out.append(_button("That's right", CONFIRM_ACTION, value))
    out.append(_button("Correct the date", CORRECT_ACTION, value))
    return out


def reminder_blocks(v, as_of: date, reminder_id: int, *, state_line: str = "", buttons: bool = True,
                    heading: str = OVERDUE_HEADING) -> list[Block]:
    p = v.current_promise
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(
        heading + "\n" + _title(v), SECTION_MAX)))]
    promise = promise_line(v, as_of)
    if p is not None and getattr(p, "source", "gao") != "corrected":  # the sentence the date was read from
        stated = f" (stated {p.stated:%B %Y})" if p.stated else ""
        promise += f"{stated}\n> {escape(clip(p.sentence, 1200))}"
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(promise, SECTION_MAX)), fields=[
        MarkdownTextObject(text=f"*Status*\n{escape(v.status or 'unknown')}"),
        MarkdownTextObject(text=f"*Owner*\n{owner_markup(v.owner)}"),
    ]))
    if source_line(v):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(source_line(v), 2000))]))
    if v.slips:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(slip_line(v.slips), 2000))]))
    if state_line:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(state_line, 2000))]))
    if buttons:
        value = json.dumps({"r": reminder_id})
        blocks.append(ActionsBlock(block_id=f"reminder:{reminder_id}", elements=[
            _button("Acknowledge", ACK_ACTION, value, style="primary"),
            _button("Snooze 1 week", SNOOZE_ACTIONS[0], value),
            _button("Snooze 1 month", SNOOZE_ACTIONS[1], value),
            DatePickerElement(action_id=SNOOZE_DATE_ACTION, placeholder=PlainTextObject(text="Snooze until…")),
            _button("Details", DETAILS_ACTION, v.key),
            *promise_buttons(v, json.dumps({"r": reminder_id, "k": v.key})),
        ]))
    footer = (f"Reply in this thread, press Acknowledge or add :white_check_mark: to acknowledge · as of {as_of}"
              if buttons else f"Nothing to acknowledge: gaorec stopped reminding about this promise · as of {as_of}")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return blocks


def refusal_text(result, verb: str = "answer") -> str:
    """Why an answer to a reminder was not recorded (a stale or unknown reminder, or someone else's)."""
    if getattr(result, "gone", False) or result.reminder_id is None:
        return ("This reminder is no longer open or no longer known: GAO's record changed since it was posted, "
                "or gaorec does not know it. Nothing was recorded; `/gaorec overdue` lists what is late now.")
    return f"Only {owner_markup(result.owner)} or an admin can {verb} this reminder; nothing was recorded."


def followup_text(v, as_of: date, n: int, *, escalation: str | None = None) -> str:
    days = v.days_overdue(as_of)
    who = owner_markup(v.owner) if v.owner else "Nobody owns this yet"
    lead = f"{escalation} " if escalation else ""
    return clip(f"{lead}{who}: reminder {n}. `{v.key}` is still overdue ({days} days) and GAO's record has not "
                f"changed. Reply here with an update to acknowledge.", 3000)


def status_change_text(v, old_status: str | None, as_of: date, *, added: list[str] | None = None,
                       removed: int = 0, stopped: bool = True) -> str:
    """The thread note after GAO changed the record: the status move and the new or changed sentences of the
    comment (a sentence diff, see reminders/changes.py)."""
    lines = [f":arrows_counterclockwise: GAO updated `{v.key}`."]
    if old_status != v.status:
        lines.append(f"Status: {escape(old_status or '—')} → *{escape(v.status or '—')}*")
    else:
        lines.append(f"Status: {escape(v.status or '—')} (unchanged)")
    if added:
        lines.append("New or changed in GAO's comment:")
        shown = added[:6]
        lines += ["> " + escape(clip(x, 600)) for x in shown]
        if len(added) > len(shown):
            more = len(added) - len(shown)
            lines.append(f"…and {more} more new sentence{'s' if more != 1 else ''}.")
    if removed:
        lines.append(f"{removed} sentence{'s' if removed != 1 else ''} of the earlier comment "
                     f"{'are' if removed != 1 else 'is'} gone.")
    p = v.current_promise
    if p is not None and p.due >= as_of:
        lines.append(f"New promise: “{escape(p.phrase)}” (due {p.due}). gaorec will remind if it passes.")
    lines.append("Reminders for the old promise have stopped." if stopped else
                 "The promised date still passed with no status change: reminders go on.")
    return clip("\n".join(lines), 3000)


def ask_text(v) -> str:
    """The question put to the owner before a reminder is based on a date read with low confidence (or read
    again after GAO changed a comment the owner had corrected)."""
    p = v.current_promise
    who = owner_markup(v.owner) if v.owner else "Owner of this recommendation"
    return clip(f"{who}: is this the date your agency promised for `{v.key}`? gaorec read “{escape(p.phrase)}” "
                f"(due {p.due}) from GAO's comment. Press That's right, or Correct the date, before gaorec reminds "
                f"anyone of it.", 3000)


def ask_blocks(v, as_of: date) -> list[Block]:
    p = v.current_promise
    value = json.dumps({"k": v.key})
    return [
        SectionBlock(text=MarkdownTextObject(text=clip(
            ":question: *Is this the promised date?*\n" + _title(v), SECTION_MAX))),
        SectionBlock(text=MarkdownTextObject(text=clip(
            f"{ask_text(v)}\n> {escape(clip(p.sentence, 1200))}", SECTION_MAX))),
        ActionsBlock(block_id=f"ask:{v.key}", elements=[*promise_buttons(v, value),
                                                        _button("Details", DETAILS_ACTION, v.key)]),
        ContextBlock(elements=[MarkdownTextObject(text=f"Only the owner or an admin can answer · as of {as_of}")]),
    ]


def correct_modal(v, private_metadata: str) -> dict:
    """The "Correct the date" modal: a new due date, or "no date was promised", and a reason."""
    p = v.current_promise
    read = f"gaorec read “{p.phrase}” (due {p.due})" if p else "gaorec found no promised date"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(
            f"`{v.key}`: {escape(read)}" + (f" from:\n> {escape(clip(p.sentence, 1500))}" if p else "."),
            SECTION_MAX)}},
        {"type": "input", "block_id": "due", "optional": True,
         "label": {"type": "plain_text", "text": "The date promised"},
         "element": {"type": "datepicker", "action_id": "date",
                     **({"initial_date": p.due.isoformat()} if p else {}),
                     "placeholder": {"type": "plain_text", "text": "Pick the due date"}}},
        {"type": "input", "block_id": "none", "optional": True,
         "label": {"type": "plain_text", "text": "Or"},
         "element": {"type": "checkboxes", "action_id": "none", "options": [
             {"text": {"type": "plain_text", "text": "No date was promised"}, "value": "none"}]}},
        {"type": "input", "block_id": "reason", "optional": True,
         "label": {"type": "plain_text", "text": "Why (kept in the audit log)"},
         "element": {"type": "plain_text_input", "action_id": "reason", "multiline": True, "max_length": 1000}},
    ]
    return {"type": "modal", "callback_id": CORRECT_VIEW, "private_metadata": private_metadata[:3000],
            "title": {"type": "plain_text", "text": "Correct the date"},
            "submit": {"type": "plain_text", "text": "Save"}, "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": blocks}
