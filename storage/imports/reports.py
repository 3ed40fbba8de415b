"""Step 2: each entry's report, found among the stored ones or new (``resolve_reports`` is pure); then the new
ones inserted and the changed ones updated.

A report is found by its number, else by its title (case, punctuation and spacing folded): a numbered entry
takes the first stored report of that title that has no number yet (the number arrives: they merge); an
unnumbered entry takes the most recently published report of that title. A found report gains what it
lacked (title, date, link, director, phone) and never loses what it had."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, insert, select, update

from bot.gao.records import Report as ParsedReport
from bot.gao.records import normalize_title, report_url

from ..db import chunks
from ..models import Report
from .rows import ReportRow


@dataclass
class Reports:
    """Each entry's report (in the entries' order), the reports new in this import (in order of appearance),
    and the stored ones this import completed or numbered (in order of their first change)."""
    of_entry: list[ReportRow]
    new: list[ReportRow] = field(default_factory=list)
    changed: list[ReportRow] = field(default_factory=list)


def _recency(r: ReportRow) -> tuple:
    """The most recently published first; among equals a stored report (the last stored), then the first new."""
    return (r.published or date.min, r.id is not None, r.id if r.id is not None else -r.created)


def resolve_reports(wanted: list[ParsedReport], stored: list[ReportRow]) -> Reports:
    """The report of each entry (``wanted`` in the entries' order). ``stored`` rows are completed in place."""
    by_number: dict[str, ReportRow] = {}
    by_title: dict[str, list[ReportRow]] = defaultdict(list)
    for known in stored:
        if known.number:
            by_number[known.number] = known
        if known.title_norm:
            by_title[known.title_norm].append(known)
    out = Reports(of_entry=[])
    renumbered: set[ReportRow] = set()  # the reports whose number arrived in this import
    changed: dict[ReportRow, None] = {}  # in order of their first change
    for r in wanted:
        tn = normalize_title(r.title)
        row: ReportRow | None = by_number.get(r.number) if r.number else None
        if row is None and tn:
            candidates = by_title.get(tn, [])
            if r.number:
                unnumbered = [c for c in candidates if not c.number]
                row = unnumbered[0] if unnumbered else None
                if row is not None:  # the number arrives for a report known by title: merge
                    row.number = r.number
                    by_number[r.number] = row
                    renumbered.add(row)
            elif candidates:
                row = max(candidates, key=_recency)
        if row is None:
            row = ReportRow(None, r.number, r.title, tn, r.published, r.url or report_url(r.number), r.director,
                            r.phone, created=len(out.new) + 1)
            out.new.append(row)
            if r.number:
                by_number[r.number] = row
            if tn:
                by_title[tn].append(row)
            out.of_entry.append(row)
            continue
        dirty = row in renumbered
        for attr, value in (("title", r.title), ("published", r.published), ("url", r.url or report_url(r.number)),
                            ("director", r.director), ("phone", r.phone)):
            if value and not getattr(row, attr):
                setattr(row, attr, value)
                dirty = True
                if attr == "title":
                    row.title_norm = normalize_title(r.title)
        if dirty and row.id is not None:  # a new report goes in with what is known of it by then
            changed.setdefault(row)
        out.of_entry.append(row)
    out.changed = list(changed)
    return out


def load_reports(conn: Connection) -> list[ReportRow]:
    return [ReportRow(*row) for row in conn.execute(select(
        Report.id, Report.number, Report.title, Report.title_norm, Report.published, Report.url, Report.director,
        Report.phone))]


def insert_reports(conn: Connection, reports: Reports) -> None:
    """Insert the new reports; their ids are set."""
    ids: list[int] = []
    for chunk in chunks(reports.new, 2000):
        ids += conn.execute(insert(Report).returning(Report.id, sort_by_parameter_order=True),
                            [r.values() for r in chunk]).scalars().all()
    for row, rid in zip(reports.new, ids, strict=True):
        row.id = rid


def update_reports(conn: Connection, reports: Reports) -> None:
    """Write what the stored reports gained."""
    for row in reports.changed:
        conn.execute(update(Report).where(Report.id == row.id).values(**row.values()))
