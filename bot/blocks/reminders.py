"""Reminder messages (pure, neutral): the top-level reminder, follow-ups in its thread, the parent after an
acknowledgement or snooze, status-change notes. ``*_blocks`` and ``*_text`` are their Slack renderings."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

from .. import messages as M
from ..messages import Action, Actions, Field, Message, Note, Section, Text
from . import promise_text, render, slip_line
from .render import SECTION_MAX, clip, escape

ACK_ACTION = "gaorec_ack"
SNOOZE_ACTIONS = ("gaorec_snooze_week", "gaorec_snooze_month")
SNOOZE_DATE_ACTION = "gaorec_snooze_date"
DETAILS_ACTION = "gaorec_details"
CONFIRM_ACTION = "gaorec_promise_confirm"  # "That's right"
CORRECT_ACTION = "gaorec_promise_correct"  # "Correct the date": opens the correction modal
CORRECT_VIEW = "gaorec_promise_modal"


def _title(v) -> Text:
    rec = f"Recommendation {v.rec_number}" if v.rec_number is not None else "Recommendation"
    title = v.report_title or v.report_number or "GAO report"
    prio = [" · ", M.icon("star"), "Priority"] if v.priority else None
    return M.text(M.link(clip(title, 300), v.url, bold=True), f"\n{rec} · ", M.code(v.key), f" · {v.agency or ''}",
                  prio)


def reminder_words(v, as_of: date) -> Text:
    """The notification text (what a phone shows)."""
    p = v.current_promise
    days = v.days_overdue(as_of)
    phrase = f"“{p.phrase}”" if p else "a date"
    if days is None:
        if p is None:
            return M.text(clip(f"GAO recommendation {v.key}: no promised date now, so nothing is overdue.", 300))
        return M.text(clip(f"GAO recommendation {v.key}: the promise of {phrase} (due {p.due}) is not overdue "
                           "now.", 300))
    return M.text(clip(f"GAO recommendation {v.key}: the promise of {phrase} passed {days} days ago "
                       f"with no status change.", 300))


def reminder_text(v, as_of: date) -> str:
    return render.mrkdwn(reminder_words(v, as_of))


OVERDUE_HEADING = M.text(M.icon("alarm_clock"), M.strong("A promised date passed with no status change"))


def updated_heading(v, as_of: date) -> Text:
    """The parent's heading once GAO changed the record and the reminders for the passed promise stopped."""
    p = v.current_promise
    if not v.is_open():
        now = f"now {v.status or 'closed'}"
    elif p is not None and p.due >= as_of:
        n = (p.due - as_of).days
        now = f"a new promised date, due in {n} day{'s' if n != 1 else ''}"
    else:
        now = f"status {v.status or 'unknown'}"
    return M.text(M.icon("arrows_counterclockwise"),
                  M.strong(f"GAO updated this recommendation: {now}. Reminders for the passed promise stopped."))


def updated_text(v, as_of: date) -> Text:
    """The notification text of a parent whose reminders stopped after GAO's update."""
    return M.text(clip(f"GAO recommendation {v.key} was updated by GAO (status: {v.status or 'unknown'}); "
                       f"reminders for the passed promise stopped.", 300))


def source_line(v, day: Callable[[datetime], date]) -> Text:
    """Where the current promise comes from: read from GAO's sentence, confirmed, or corrected by the owner (``day``:
    an instant -> the day it is in GAOREC_TIMEZONE, ``Gaorec.today``)."""
    p = v.current_promise
    d = getattr(v, "decision", None)
    source = getattr(p, "source", "gao") if p is not None else None
    if source == "corrected" and d is not None:
        why = f": “{clip(d.reason, 300)}”" if d.reason else None
        return M.text("Date corrected by ", M.user(d.actor), f" on {day(d.at)}", why)
    if source == "confirmed" and d is not None:
        return M.text("Read from GAO's comment and confirmed by ", M.user(d.actor), f" on {day(d.at)}")
    if p is None and d is not None and d.action == "none":
        return M.text(M.user(d.actor), " says no date was promised")
    if source == "target":
        return M.text("The tracker's stated target date")
    return M.text("Read from GAO's comment (the sentence above)") if p is not None else []


def promise_buttons(v, value: str) -> list[Action]:
    """That's right (while the date is only read) and Correct the date. That's right carries the date it was
    shown with ("d"): pressed after gaorec came to read another date, it confirms nothing."""
    p = v.current_promise
    out = []
    if p is not None and getattr(p, "source", "gao") == "gao":
        out.append(Action(CONFIRM_ACTION, "That's right", json.dumps(json.loads(value) | {"d": p.due.isoformat()})))
    out.append(Action(CORRECT_ACTION, "Correct the date", value))
    return out


def reminder_message(v, as_of: date, reminder_id: int, *, day: Callable[[datetime], date],
                     state_line: Text | str = "", buttons: bool = True, heading: Text = OVERDUE_HEADING) -> Message:
    p = v.current_promise
    parts: list = [Section(M.text(heading, "\n", _title(v)))]
    promise = promise_text(v, as_of)
    if p is not None and getattr(p, "source", "gao") != "corrected":  # the sentence the date was read from
        stated = f" (stated {p.stated:%B %Y})" if p.stated else None
        promise = M.text(promise, stated, "\n", M.quote(clip(p.sentence, 1200)))
    parts.append(Section(promise, [Field("Status", M.text(v.status or "unknown")),
                                   Field("Owner", [M.user(v.owner)])]))
    source = source_line(v, day)
    if source:
        parts.append(Note(source))
    if v.slips:
        parts.append(Note(M.text(slip_line(v.slips))))
    if state_line:
        parts.append(Note(M.text(state_line)))
    if buttons:
        value = json.dumps({"r": reminder_id})
        parts.append(Actions([
            Action(ACK_ACTION, "Acknowledge", value, style="primary"),
            Action(SNOOZE_ACTIONS[0], "Snooze 1 week", value),
            Action(SNOOZE_ACTIONS[1], "Snooze 1 month", value),
            Action(SNOOZE_DATE_ACTION, "Snooze until…", kind="date"),
            Action(DETAILS_ACTION, "Details", v.key),
            *promise_buttons(v, json.dumps({"r": reminder_id, "k": v.key})),
        ], f"reminder:{reminder_id}"))
    footer = (M.text("Reply in this thread, press Acknowledge or add ", M.icon("white_check_mark", "a ✅ reaction"),
                     f"to acknowledge · as of {as_of}")
              if buttons else M.text(f"Nothing to acknowledge: gaorec stopped reminding about this promise · as of "
                                     f"{as_of}"))
    parts.append(Note(footer))
    return Message(parts, reminder_words(v, as_of))


def reminder_blocks(v, as_of: date, reminder_id: int, *, day: Callable[[datetime], date],
                    state_line: Text | str = "", buttons: bool = True, heading: Text = OVERDUE_HEADING) -> list[dict]:
    return render.blocks(reminder_message(v, as_of, reminder_id, day=day, state_line=state_line, buttons=buttons,
                                          heading=heading))


def refusal_words(result, verb: str = "answer") -> Text:
    """Why an answer to a reminder was not recorded (a stale or unknown reminder, or someone else's)."""
    if getattr(result, "gone", False) or result.reminder_id is None:
        return M.text("This reminder is no longer open or no longer known: GAO's record changed since it was posted, "
                      "or gaorec does not know it. Nothing was recorded; ", M.code("/gaorec overdue"),
                      " lists what is late now.")
    return M.text("Only ", M.user(result.owner), f" or an admin can {verb} this reminder; nothing was recorded.")


def refusal_text(result, verb: str = "answer") -> str:
    return render.mrkdwn(refusal_words(result, verb))


def followup(v, as_of: date, n: int, *, escalation: Text | None = None) -> Text:
    days = v.days_overdue(as_of)
    who = [M.user(v.owner)] if v.owner else "Nobody owns this yet"
    lead = [escalation, " "] if escalation else None
    return M.text(lead, who, f": reminder {n}. ", M.code(v.key), f" is still overdue ({days} days) and GAO's record "
                  "has not changed. Reply here with an update to acknowledge.")


def followup_text(v, as_of: date, n: int, *, escalation: Text | None = None) -> str:
    return clip(render.mrkdwn(followup(v, as_of, n, escalation=escalation)), 3000)


def status_change(v, old_status: str | None, as_of: date, *, added: list[str] | None = None,
                  removed: int = 0, stopped: bool = True) -> Text:
    """The thread note after GAO changed the record: the status move and the new or changed sentences of the
    comment (a sentence diff, see reminders/changes.py)."""
    lines = [M.text(M.icon("arrows_counterclockwise"), "GAO updated ", M.code(v.key), ".")]
    if old_status != v.status:
        lines.append(M.text(f"Status: {old_status or '—'} → ", M.strong(v.status or "—")))
    else:
        lines.append(M.text(f"Status: {v.status or '—'} (unchanged)"))
    if added:
        lines.append(M.text("New or changed in GAO's comment:"))
        shown = added[:6]
        lines += [[M.quote(clip(x, 600))] for x in shown]
        if len(added) > len(shown):
            lines.append(M.text(f"…and {len(added) - len(shown)} more new "
                                f"sentence{'s' if len(added) - len(shown) != 1 else ''}."))
    if removed:
        lines.append(M.text(f"{removed} sentence{'s' if removed != 1 else ''} of the earlier comment "
                            f"{'are' if removed != 1 else 'is'} gone."))
    p = v.current_promise
    if p is not None and p.due >= as_of:
        lines.append(M.text(f"New promise: “{p.phrase}” (due {p.due}). gaorec will remind if it passes."))
    lines.append(M.text("Reminders for the old promise have stopped." if stopped else
                        "The promised date still passed with no status change: reminders go on."))
    return M.join(lines)


def status_change_text(v, old_status: str | None, as_of: date, *, added: list[str] | None = None,
                       removed: int = 0, stopped: bool = True) -> str:
    return clip(render.mrkdwn(status_change(v, old_status, as_of, added=added, removed=removed, stopped=stopped)),
                3000)


def ask_words(v) -> Text:
    """The question put to the owner before a reminder is based on a date read with low confidence (or read
    again after GAO changed a comment the owner had corrected)."""
    p = v.current_promise
    who = [M.user(v.owner)] if v.owner else "Owner of this recommendation"
    return M.text(who, ": is this the date your agency promised for ", M.code(v.key), f"? gaorec read “{p.phrase}” "
                  f"(due {p.due}) from GAO's comment. Press That's right, or Correct the date, before gaorec reminds "
                  "anyone of it.")


def ask_text(v) -> str:
    return clip(render.mrkdwn(ask_words(v)), 3000)


def ask_message(v, as_of: date) -> Message:
    p = v.current_promise
    value = json.dumps({"k": v.key})
    return Message([
        Section(M.text(M.icon("question"), M.strong("Is this the promised date?"), "\n", _title(v))),
        Section(M.text(ask_words(v), "\n", M.quote(clip(p.sentence, 1200)))),
        Actions([*promise_buttons(v, value), Action(DETAILS_ACTION, "Details", v.key)], f"ask:{v.key}"),
        Note(M.text(f"Only the owner or an admin can answer · as of {as_of}")),
    ], ask_words(v))


def ask_blocks(v, as_of: date) -> list[dict]:
    return render.blocks(ask_message(v, as_of))


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
