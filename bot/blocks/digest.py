"""The weekly digest: one neutral message per subscribed channel (``digest_message``) and the sections of its
thread (``digest_section``), planned by the reminder engine; ``digest_blocks`` and ``digest_section_text`` are
their Slack rendering."""
from __future__ import annotations

from datetime import date

from .. import messages as M
from ..messages import Message, Section
from . import clip, promise_text, record_head, render


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
    return M.text("• ", record_head(v), " — ", promise_text(v, as_of))


def digest_section(title: str, views, as_of: date, limit: int = 10) -> M.Text:
    lines = [M.text(M.strong(title), f" ({len(views)})")]
    lines += [_digest_line(v, as_of) for v in views[:limit]]
    if len(views) > limit:
        lines.append(M.text(f"+{len(views) - limit} more: /gaorec overdue"))
    return M.join(lines)


def digest_section_text(title: str, views, as_of: date, limit: int = 10) -> str:
    return clip(render.mrkdwn(digest_section(title, views, as_of, limit)), 3000)
