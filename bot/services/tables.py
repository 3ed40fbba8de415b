"""One table of text, written as CSV, XLSX, DOCX or HTML, accessibly: real header rows (XLSX tables,
DOCX repeating header rows, HTML <th scope="col">), a title and notes in words, no meaning by colour."""
from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field

FORMATS = ("csv", "xlsx", "docx", "html")
BINARY = frozenset({"xlsx", "docx"})


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines shown above the table (not in CSV)
    widths: dict[str, int] = field(default_factory=dict)  # column -> width in characters (XLSX)


def _safe(cell):
    """Spreadsheet formula injection: text starting with = + - @ is prefixed with '."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "Yes" if cell else "No"
    if isinstance(cell, float):
        return f"{cell:,.2f}"
    return str(cell)


def render(table: Table, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx(table)
    if fmt == "docx":
        return to_docx(table)
    if fmt == "html":
        return to_html(table)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow([_safe("" if c is None else c) for c in r])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table as XTable, TableStyleInfo
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = "Report"
    ws.append([table.title])
    ws["A1"].font = Font(bold=True, size=14)
    for note in table.notes:
        ws.append([note])
    header_row = len(table.notes) + 3  # the title, the notes, one empty row, then the header
    for i, name in enumerate(table.columns, start=1):
        ws.cell(row=header_row, column=i, value=name)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for r in table.rows:
        ws.append([_safe(c) for c in r])
    last = ws.max_row
    if table.rows:  # an Excel table: screen readers announce its header row
        ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last}"
        xt = XTable(displayName="Recommendations", ref=ref)
        xt.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(xt)
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    for i, col in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = table.widths.get(col, 14)
        for row in ws.iter_rows(min_row=header_row + 1, min_col=i, max_col=i):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_docx(table: Table) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    doc.core_properties.title = table.title
    doc.add_heading(table.title, level=1)
    for note in table.notes:
        doc.add_paragraph(note)
    t = doc.add_table(rows=1, cols=len(table.columns))
    t.style = "Table Grid"
    hdr = t.rows[0]
    tr_pr = hdr._tr.get_or_add_trPr()  # the header row repeats on every page and is marked as a header
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    for cell, name in zip(hdr.cells, table.columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
    for r in table.rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, r, strict=False):  # a short row leaves its last cells empty
            cell.text = _text(value)
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_html(table: Table) -> bytes:
    e = html.escape
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(table.title)}</title>",
           "<style>table{border-collapse:collapse}th,td{border:1px solid #444;padding:4px;vertical-align:top}"
           "</style></head><body>", f"<h1>{e(table.title)}</h1>"]
    out += [f"<p>{e(n)}</p>" for n in table.notes]
    out.append(f"<table><caption>{e(table.title)}</caption><thead><tr>")
    out += [f'<th scope="col">{e(c)}</th>' for c in table.columns]
    out.append("</tr></thead><tbody>")
    for r in table.rows:
        out.append("<tr>" + "".join(f"<td>{e(_text(c))}</td>" for c in r) + "</tr>")
    out.append("</tbody></table></body></html>")
    return "\n".join(out).encode("utf-8")
