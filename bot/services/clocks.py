"""Statutory clocks and their reminders.

- 31 U.S.C. 720: after a GAO report with recommendations, the agency's written statement of actions is
  due to the oversight committees and GAO on day 180 after the report's date (``statement``).
- OMB Circular A-50 and the IG Act: an IG recommendation needs a management decision (``resolution``)
  within 6 months of the report and final action (``final_action``) within 12 months.

Reminders go to the channels subscribed to the report's recommendations 30, 10 and 0 days before a due
date, each threshold once (the outbox key makes it so), until the clock is marked done. A due date on a
weekend or a federal holiday is said so (the `holidays` package's U.S. federal calendar)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from storage import reports as q
from storage.db import Database
from storage.types import as_utc, iso_z

from .. import messages as M
from ..messages import Message
from ..reminders.poster import serves
from ..words import plural
from .reports import months_after

THRESHOLDS = (30, 10, 0)
LATE_WINDOW = 7  # days after a due date during which the "due today" reminder may still go out
LIST_WINDOW = 30  # `gaorec clocks` lists clocks due from this many days ago on (all with --all)
LABELS = {"statement": "statement of action to Congress and GAO (31 U.S.C. 720)",
          "resolution": "management decision on the IG's recommendations (OMB A-50, 6 months)",
          "final_action": "final action on the IG's recommendations (12 months)"}
CLOCKS = tuple(LABELS)


@lru_cache(maxsize=64)
def _holidays(year: int):
    import holidays

    return holidays.country_holidays("US", years=year, categories=("public",))


def day_note(d: date) -> str | None:
    """'a Saturday', 'Memorial Day (a federal holiday)', or None for a working day."""
    name = _holidays(d.year).get(d)
    if name:
        return f"{name} (a federal holiday)"
    if d.weekday() >= 5:
        return f"a {d.strftime('%A')}"
    return None


def due_dates(published: date, issuer: str) -> dict[str, date]:
    if issuer == "oig":
        return {"resolution": months_after(published, 6), "final_action": months_after(published, 12)}
    return {"statement": published + timedelta(days=180)}


@dataclass
class Clock:
    report_id: int
    report_number: str | None
    report_title: str | None
    source: str
    published: date
    recommendations: int
    clock: str
    due: date
    days_left: int
    done: bool
    done_by: str | None = None
    done_at: datetime | None = None

    @property
    def note(self) -> str | None:
        return day_note(self.due)

    def to_json(self) -> dict:
        out = {"report_number": self.report_number, "report_title": self.report_title, "source": self.source,
               "published": self.published.isoformat(), "recommendations": self.recommendations,
               "clock": self.clock, "due": self.due.isoformat(), "days_left": self.days_left,
               "falls_on": self.note, "done": self.done,
               "done_by": self.done_by,
               "done_at": iso_z(self.done_at)}
        out[f"{self.clock}_due"] = self.due.isoformat()  # e.g. statement_due
        return out

    @property
    def when(self) -> str:
        """"due in 27 days", "due today", "27 days overdue" (as `gaorec overdue` counts days overdue)."""
        return (f"due in {plural(self.days_left, 'day')}" if self.days_left > 0
                else "due today" if self.days_left == 0 else f"{plural(-self.days_left, 'day')} overdue")

    def sentence(self) -> str:
        what = LABELS[self.clock]
        name = self.report_number or self.report_title or "a report"
        day = f", {self.note}" if self.note else ""
        when = (f"is due in {plural(self.days_left, 'day')}, on {self.due.isoformat()}{day}" if self.days_left > 0
                else f"is due today, {self.due.isoformat()}{day}" if self.days_left == 0
                else f"was due on {self.due.isoformat()}{day}: {plural(-self.days_left, 'day')} overdue")
        return (f"{name}: the {what} {when} "
                f"(report published {self.published.isoformat()}, {self.recommendations} recommendation"
                f"{'s' if self.recommendations != 1 else ''}).")


def clocks(db: Database, as_of: date, *, everything: bool = False) -> list[Clock]:
    """Every clock, soonest first; by default those not done and due from 30 days ago on."""
    with db.session() as s:
        reports = q.reports_with_recommendations(s)
        marks = q.clock_marks(s)
    out = []
    for r in reports:
        for name, due in due_dates(r.published, r.issuer).items():
            mark = marks.get((r.report_id, name))
            c = Clock(report_id=r.report_id, report_number=r.number, report_title=r.title, source=r.issuer,
                      published=r.published, recommendations=r.recommendations, clock=name, due=due,
                      days_left=(due - as_of).days, done=mark is not None,
                      done_by=mark.done_by if mark else None, done_at=mark.done_at if mark else None)
            if r.published > as_of:
                continue  # not published yet on that day
            if everything or (not c.done and c.days_left >= -LIST_WINDOW):
                out.append(c)
    out.sort(key=lambda c: (c.due, c.report_number or "", c.clock))
    return out


def threshold_reached(days_left: int) -> int | None:
    """The most urgent threshold a clock has reached (30, 10 or 0), or None (not yet, or long past)."""
    if days_left < -LATE_WINDOW:
        return None
    reached = [t for t in THRESHOLDS if days_left <= t]
    return min(reached) if reached else None


def plan_reminders(db: Database, now: datetime, as_of: date, channels: list[str] | None = None) -> list[dict]:
    """Write the clock reminders due at ``as_of`` to the outbox (delivered with the other posts).
    Each threshold is posted once per clock and channel; a more urgent one already posted stops a
    less urgent one (a first install does not post 30 days' notice for a clock due today)."""
    now_utc = as_utc(now)
    planned: list[dict] = []
    pending = [(c, t) for c in clocks(db, as_of) if (t := threshold_reached(c.days_left)) is not None]
    if not pending:
        return planned
    with db.write() as s:
        for c, t in pending:
            for channel in q.channels_for_report(s, c.report_id):
                if not serves(channel, channels):  # the shell's channel only in the shell
                    continue
                prefix = f"clock:{c.report_id}:{c.clock}:{channel}:"
                posted = {int(k.rsplit(":", 1)[1]) for k in q.outbox_keys(s, prefix)}
                if any(p <= t for p in posted):
                    continue
                text = f"Statutory deadline: {c.sentence()} Mark it done with /gaorec clock done " \
                       f"{c.report_number or c.report_id}."
                message = {"message": Message(text=M.text(text)).to_dict()}
                if q.add_post(s, f"{prefix}{t}", "clock", channel, message, now_utc):
                    planned.append({"channel": channel, "report_number": c.report_number, "clock": c.clock,
                                    "threshold": t, "text": text})
    return planned


def mark_done(db: Database, report: str, by: str, now: datetime, clock: str | None = None) -> tuple[str, list[str]]:
    """Mark a report's clock(s) done. Returns (the report's number or title, the clocks newly marked).
    Raises LookupError for an unknown report."""
    now_utc = as_utc(now)
    with db.write() as s:
        rep = q.report_by_number(s, report)
        if rep is None:
            raise LookupError(report)
        issuer = next((r.issuer for r in q.reports_with_recommendations(s) if r.report_id == rep.id), "gao")
        names = [clock] if clock else list(due_dates(rep.published or date.today(), issuer))
        done = [n for n in names if q.mark_clock(s, rep.id, n, by, now_utc, rep.number or rep.title)]
        return rep.number or rep.title or str(rep.id), done
