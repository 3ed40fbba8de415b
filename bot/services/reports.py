"""The reports an audit-liaison office owes, built from what gaorec holds.

- GAO-IG Act (P.L. 115-414) list: every GAO recommendation open, or closed as not implemented, for at
  least one year (from its report's publication date), and every IG recommendation without final action
  for a year or more (from its report date), with the implementation timeline (the current promise) or
  the office's justification for not implementing it.
- IG semiannual view (periods ending March 31 and September 30): IG recommendations opened, resolved,
  closed and still open in the period, with questioned costs and funds for better use.

Dependencies are given (a Database); rules are written once here."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from storage import reports as q
from storage.db import Database
from storage.types import as_utc
from storage.repo import RecView

from ..gao.records import OPEN_STATUSES
from .tables import Table

GIAA_COLUMNS = ["report_number", "report_title", "rec_number", "agency", "source", "status", "priority",
                "published", "years_open", "timeline", "slips", "justification", "discrepancy"]
SEMIANNUAL_COLUMNS = ["category", "report_number", "report_title", "rec_number", "agency", "published", "status",
                      "questioned_costs", "funds_for_better_use"]
NONE_STATED = "none stated"


def years_before(d: date, years: int) -> date:
    """The same day ``years`` earlier (Feb 29 -> Feb 28)."""
    y = d.year - years
    return d.replace(year=y, day=min(d.day, calendar.monthrange(y, d.month)[1]))


def months_after(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def is_matter(v: RecView) -> bool:
    """A matter for Congress: not an agency's recommendation, so not in the agency's GAO-IG Act list."""
    return getattr(v, "kind", None) == "matter" or (v.agency or "").strip().casefold() == "congress"


def _number(v: RecView) -> int | str:
    """GAO's number, or its label when it is not an integer ("19-01"), or nothing."""
    return v.rec_number if v.rec_number is not None else (getattr(v, "rec_label", None) or "")


def timeline(v: RecView) -> str:
    p = v.current_promise
    if p is None:
        return NONE_STATED
    source = getattr(p, "source", None) or ("target" if p.kind == "target" else "gao")
    return f"{p.due.isoformat()} ({p.phrase}; {source})"


def discrepancy(v: RecView, as_of: date) -> str:
    """What an office must explain, in words: a passed date, a closed-not-implemented item without reasons,
    an open item with neither a timeline nor a justification."""
    notes = []
    days = v.days_overdue(as_of)
    if days is not None and v.current_due is not None:
        notes.append(f"timeline passed on {v.current_due.isoformat()} with no status change")
    if v.status == q.NOT_IMPLEMENTED and not v.justification:
        notes.append("closed as not implemented; no justification recorded")
    elif v.current_promise is None and not v.justification and v.status in OPEN_STATUSES:
        notes.append("neither a timeline nor a justification")
    return "; ".join(notes)


@dataclass
class GiaaReport:
    as_of: date
    cutoff: date
    rows: list[list]
    matters: int
    missing: list[str]  # keys with neither a timeline nor a justification
    undated: int = 0  # recommendations whose report date gaorec does not know
    past: bool = False  # as_of is before today: the statuses are today's, not that day's

    def table(self) -> Table:
        notes = [f"Recommendations open, or closed as not implemented, for at least one year as of "
                 f"{self.as_of.isoformat()} (published on or before {self.cutoff.isoformat()}): {len(self.rows)}.",
                 "Timeline: the current promised date, with its source (gao: read from GAO's comment; target: the "
                 "tracker's target date; corrected or confirmed: by the owner)."]
        if self.past:
            notes.append(f"Statuses and timelines are the ones gaorec holds today, not as they stood on "
                         f"{self.as_of.isoformat()}: a recommendation closed since is left out, one opened since is "
                         "listed.")
        if self.missing:
            notes.append(f"{len(self.missing)} have neither a timeline nor a justification.")
        if self.undated:
            notes.append(f"{self.undated} open recommendation(s) are left out because their report's date is "
                         f"unknown (copied agency pages carry none): import GAO's CSV export or the report pages.")
        if self.matters:
            notes.append(f"{self.matters} matter(s) for Congress are not agency recommendations and are left out.")
        return Table(title="GAO-IG Act report: open and unimplemented recommendations", columns=GIAA_COLUMNS,
                     rows=self.rows, notes=notes,
                     widths={"report_title": 40, "agency": 28, "timeline": 30, "justification": 40,
                             "discrepancy": 36, "status": 20})


def giaa(db: Database, as_of: date, agency: str | None = None, today: date | None = None) -> GiaaReport:
    """The list on ``as_of`` (its one-year cutoff, years open and discrepancies judged on that day) from the
    statuses and timelines gaorec holds now: for a date already past, a note says so (``today``)."""
    cutoff = years_before(as_of, 1)
    with db.session() as s:
        views = q.unimplemented_published_by(s, cutoff, agency)
        undated = q.unimplemented_undated(s, agency)
    rows, missing, matters = [], [], 0
    for v in views:
        if is_matter(v):
            matters += 1
            continue
        published = v.report_published
        years = round((as_of - published).days / 365.25, 1) if published else None
        line = timeline(v)
        if line == NONE_STATED and not v.justification:
            missing.append(v.key)
        rows.append([v.report_number or "", v.report_title or "", _number(v), v.agency, v.issuer, v.status or "",
                     "Yes" if v.priority else "No", published.isoformat() if published else "", years, line,
                     len(v.slips), v.justification or "", discrepancy(v, as_of)])
    return GiaaReport(as_of=as_of, cutoff=cutoff, rows=rows, matters=matters, missing=missing, undated=undated,
                      past=today is not None and as_of < today)


def period_bounds(end: date) -> tuple[date, date]:
    """The semiannual period ending ``end`` (March 31 or September 30): its first and last day."""
    if (end.month, end.day) not in ((3, 31), (9, 30)):
        raise ValueError(f"{end.isoformat()} does not end a semiannual period (use March 31 or September 30)")
    return months_after(end + timedelta(days=1), -6), end


@dataclass
class Semiannual:
    start: date
    end: date
    rows: list[list]
    counts: dict[str, int]
    questioned_costs: float
    funds_for_better_use: float

    def table(self) -> Table:
        c = self.counts
        notes = [f"IG recommendations, {self.start.isoformat()} to {self.end.isoformat()}: {c['opened']} opened, "
                 f"{c['resolved']} resolved, {c['closed']} closed, {c['open']} still open at the end of the period.",
                 f"Questioned costs of the recommendations listed: ${self.questioned_costs:,.2f}; funds for better "
                 f"use: ${self.funds_for_better_use:,.2f}.",
                 "Resolved and closed are counted from the status changes gaorec observed in the period."]
        return Table(title=f"Semiannual report on IG recommendations, period ending {self.end.isoformat()}",
                     columns=SEMIANNUAL_COLUMNS, rows=self.rows, notes=notes,
                     widths={"report_title": 40, "agency": 28, "category": 12, "status": 20})


def semiannual(db: Database, period_end: date) -> Semiannual:
    start, end = period_bounds(period_end)
    t0 = datetime.combine(start, time.min, tzinfo=timezone.utc)
    t1 = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    with db.session() as s:
        views = q.ig_published_by(s, end)
        moves = q.status_moves(s, [v.id for v in views], t0, t1)
    rows: list[list] = []
    counts = {"opened": 0, "resolved": 0, "closed": 0, "open": 0}
    qc = fbu = 0.0
    for v in views:
        cats = []
        if v.report_published and start <= v.report_published <= end:
            cats.append("opened")
        moved = moves.get(v.id, [])
        if "Resolved" in moved:
            cats.append("resolved")
        if any(m and m.startswith("Closed") for m in moved):
            cats.append("closed")
        if v.status in OPEN_STATUSES:
            cats.append("open")
        if not cats:
            continue
        qc += v.questioned_costs or 0.0
        fbu += v.funds_for_better_use or 0.0
        for c in cats:
            counts[c] += 1
        rows.append(["; ".join(cats), v.report_number or "", v.report_title or "",
                     _number(v), v.agency,
                     v.report_published.isoformat() if v.report_published else "", v.status or "",
                     v.questioned_costs, v.funds_for_better_use])
    return Semiannual(start=start, end=end, rows=rows, counts=counts, questioned_costs=qc, funds_for_better_use=fbu)


def justify(db: Database, key: str, text: str | None, by: str, now: datetime) -> RecView | None:
    """Record (or clear, with None) the office's justification for not implementing a recommendation."""
    from storage.repo import get

    with db.write() as s:
        v = get(s, key)
        if v is None:
            return None
        q.set_justification(s, v.id, text, by, as_utc(now))
    return v
