"""Exports for the liaison's reports to Congress and budget justifications:
one row per recommendation, as CSV or XLSX."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone, tzinfo

from .gao import effective as ge
from .blocks import last_change_text
from .gao.calendar import day_text

COLUMNS = ["Key", "Report number", "Report title", "Recommendation", "Agency", "Status", "Priority",
           "Current promise", "Due date", "Days overdue", "Slips", "Last status change", "Owner",
           "Last acknowledgement", "Acknowledged at (UTC)", "Acknowledgement note", "Recommendation text",
           "Promise source", "Listed by GAO"]


def rows(views, acks: dict[int, dict], as_of: date, tz: tzinfo) -> list[list]:
    out = []
    for v in views:
        p = v.current_promise
        ack = acks.get(v.id) or {}
        slips = (" → ".join([s["old_due"] for s in v.slips] + [v.slips[-1]["new_due"] or "none"])  # ISO
                 if v.slips else "")
        out.append([
            v.key, v.report_number or "", v.report_title or "", v.rec_number if v.rec_number is not None else "",
            v.agency, v.status or "", "Yes" if v.priority else "No", p.phrase if p else "",
            p.due.isoformat() if p else "", v.days_overdue(as_of) if v.days_overdue(as_of) is not None else "",
            slips, last_change_text(v, tz) if v.last_changed else "", v.owner or "",
            f"{day_text(ack['at'], tz)} by {ack['user']}" if ack else "", utc_iso(ack["at"]) if ack else "",
            ack.get("note") or "", v.text or "", _source(v, p), _listed(v),
        ])
    return out


def utc_iso(at: datetime) -> str:
    """An instant as ISO 8601 in UTC to the second, with its zone: 2026-12-01T14:00:00Z (a naive value is UTC, as
    the database keeps them)."""
    from storage.types import iso_z

    return iso_z(at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at) or ""


def _source(v, p) -> str:
    """gao (read from GAO's comment), confirmed or corrected (by the owner); "no date (corrected)" when the owner
    said no date was promised."""
    if p is not None:
        return getattr(p, "source", "gao")
    d = getattr(v, "decision", None)
    if d is not None and d.action == "none" and ge.holds(d, v.comments):
        return "no date (corrected)"
    return ""


def _listed(v) -> str:
    """'Yes', or 'No (last listed 2026-09-28; marked implemented)'."""
    if getattr(v, "listed", True):
        return "Yes"
    last = f"last listed {v.last_listed.isoformat()}" if v.last_listed else "not listed"
    return f"No ({last}{'; marked ' + v.outcome.replace('-', ' ') if v.outcome else ''})"


def _safe(cell):
    """Spreadsheet formula injection: text starting with = + - @ is prefixed with '."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def to_csv(table: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in table:
        w.writerow([_safe(c) for c in r])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(table: list[list], title: str = "GAO recommendations") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = title[:31]
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in table:
        ws.append([_safe(c) for c in r])
    ws.freeze_panes = "A2"
    widths = (8, 16, 50, 8, 30, 16, 8, 20, 12, 10, 24, 14, 12, 22, 22, 40, 80, 18, 30)
    for col, width in zip("ABCDEFGHIJKLMNOPQRS", widths, strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
