"""Any spreadsheet of recommendations (CSV or XLSX), read through a column map.

IG offices and audit-liaison offices keep recommendations in sheets of their
own; GAO's "Download XLS" is one more. A mapping (TOML) says who issued the
recommendations and which header holds which field:

    name = "Department OIG dashboard"
    source = "oig"                     # or "gao"
    agency = "Department of Examples"  # used when the sheet has no agency column
    [columns]                          # field = the header of a column in the file
    report_number = "Report No."
    rec_number = "Rec #"
    text = "Recommendation"
    status = "Status"
    due = "Target Date"
    [status_map]                       # the file's status -> gaorec's
    "Open-Resolved" = "Resolved"

Fields: report_number, report_title, rec_number, text, status, agency,
comments, due, published, priority, questioned_costs, funds_for_better_use,
topics. ``report_number`` or ``report_title``, and ``text`` and ``status``,
are required. Pure: no database, no Slack."""
from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..records import (
    STATUSES, ParseError, ParseResult, Recommendation, Report, marker_fields, normalize_report_number,
    normalize_status, report_url,
)
from ..text import clean, clean_block, parse_date, split_rec_number

FIELDS = ("report_number", "report_title", "rec_number", "text", "status", "agency", "comments", "due",
          "published", "priority", "questioned_costs", "funds_for_better_use", "topics")
SOURCES = ("gao", "oig")
_HEADER_SCAN = 30  # a sheet's header row is among its first rows (preambles above it are skipped)
_YES = {"yes", "y", "true", "1", "x", "priority", "significant"}
_NUMBERED_RE = re.compile(r"(\d{1,4})\s*$")


class MappingError(ValueError):
    """A mapping file that cannot be used. str() is one line naming the file."""


def _fold(s: object) -> str:
    return " ".join(str(s or "").split()).casefold()


@dataclass(frozen=True)
class Mapping:
    name: str
    source: str
    columns: dict[str, str]
    status_map: dict[str, str] = field(default_factory=dict)
    agency: str | None = None
    sheet: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        p = Path(path)
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise MappingError(f"{p}: cannot read the mapping ({exc.strerror or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"{p}: not valid TOML ({exc})") from None
        return cls.from_dict(raw, str(p))

    @classmethod
    def from_dict(cls, raw: dict, where: str = "<mapping>") -> Mapping:
        source = str(raw.get("source", "")).lower()
        if source not in SOURCES:
            raise MappingError(f"{where}: source must be \"gao\" or \"oig\" (got {raw.get('source')!r})")
        cols = raw.get("columns")
        if not isinstance(cols, dict) or not cols:
            raise MappingError(f"{where}: a [columns] table is required (field = \"Header in the file\")")
        unknown = sorted(set(cols) - set(FIELDS))
        if unknown:
            raise MappingError(f"{where}: unknown field(s) in [columns]: {', '.join(unknown)}; "
                               f"known: {', '.join(FIELDS)}")
        if "text" not in cols or "status" not in cols or not ({"report_number", "report_title"} & set(cols)):
            raise MappingError(f"{where}: [columns] needs text, status, and report_number or report_title")
        if "agency" not in cols and not raw.get("agency"):
            raise MappingError(f"{where}: map an agency column or set agency = \"...\" for the whole sheet")
        smap = raw.get("status_map", {}) or {}
        if not isinstance(smap, dict):
            raise MappingError(f"{where}: [status_map] must be a table")
        bad = sorted(v for v in smap.values() if v not in STATUSES)
        if bad:
            raise MappingError(f"{where}: [status_map] maps to unknown status {bad[0]!r}; use one of "
                               + ", ".join(STATUSES))
        return cls(name=str(raw.get("name") or Path(where).stem), source=source,
                   columns={k: str(v) for k, v in cols.items()},
                   status_map={_fold(k): v for k, v in smap.items()},
                   agency=raw.get("agency"), sheet=raw.get("sheet"))

    def status(self, raw: object) -> str | None:
        folded = _fold(raw)
        if folded in self.status_map:
            return self.status_map[folded]
        return normalize_status(str(raw or ""))


def _rows_csv(data: bytes, source: str) -> Sequence[Sequence[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ParseError(source, "neither UTF-8 nor Windows-1252 text") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ParseError(source, f"broken CSV ({exc})") from None


def _rows_xlsx(data: bytes, source: str, sheet: str | None) -> Sequence[Sequence[object]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ParseError(source, f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ParseError(source, f"no sheet named {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


_NO_DATE = {"tbd", "tba", "n/a", "na", "none", "-", "--", "unknown", "pending"}
DATE_FORMATS_HELP = "2026-06-30, 6/30/2026, Jun 30, 2026, or a spreadsheet date"


def _date(value: object) -> date | None:
    if value is None or value == "" or _fold(value) in _NO_DATE:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = clean(str(value))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T].*", s):
        s = s[:10]
    d = parse_date(s)
    if d is None and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", s):
        d = datetime.strptime(s, "%m/%d/%y").date()
    return d


def _money(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    s = clean(str(value)).replace("$", "").replace(",", "")
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()")
    if not s or s in ("-", "N/A", "n/a"):
        return None
    try:
        n = float(s)
    except ValueError:
        return None
    return -n if neg else n


def _rec_number(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    m = _NUMBERED_RE.search(clean(str(value)))  # "3", "Rec. 3", "OIG-24-15-03" -> 3
    return int(m.group(1)) if m else None


def parse(data: bytes, source: str, mapping: Mapping) -> ParseResult:
    """Read a CSV or XLSX sheet through ``mapping``. Raises ParseError (one
    line naming the source and row) for a sheet the mapping does not fit or a
    row with an unknown status or a bad date."""
    rows = _rows_xlsx(data, source, mapping.sheet) if is_xlsx(data) else _rows_csv(data, source)
    wanted = {f: _fold(h) for f, h in mapping.columns.items()}
    header_at, index = None, {}
    for i, row in enumerate(rows[:_HEADER_SCAN]):
        cells = [_fold(c) for c in row]
        if all(h in cells for h in wanted.values()):
            header_at, index = i, {f: cells.index(h) for f, h in wanted.items()}
            break
    if header_at is None:  # name what the row that looks most like the header lacks
        best = max(rows[:_HEADER_SCAN] or [[]], key=lambda r: sum(_fold(c) in wanted.values() for c in r))
        cells = [_fold(c) for c in best]
        missing = [mapping.columns[f] for f, h in wanted.items() if h not in cells]
        raise ParseError(source, f"the mapping {mapping.name!r} does not fit: no column headed "
                                 f"{', '.join(repr(m) for m in missing)}")
    result = ParseResult(source=source, format=f"mapped-{mapping.source}")
    for n, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c not in (None, "") for c in row):
            continue

        def get(f: str, row: Sequence[object] = row) -> object:  # this row's cell, bound now
            i = index.get(f)
            return row[i] if i is not None and i < len(row) else None

        text = clean(str(get("text") or ""))
        if not text:
            continue
        status = mapping.status(get("status"))
        if status is None:
            raise ParseError(source, f"status {clean(str(get('status') or ''))!r} is not in the mapping's "
                                     f"[status_map] nor one of GAO's", line=n)
        due, published = _date(get("due")), _date(get("published"))
        for f, raw, parsed in (("due", get("due"), due), ("published", get("published"), published)):
            if raw not in (None, "") and parsed is None and _fold(raw) not in _NO_DATE:
                raise ParseError(source, f"{mapping.columns[f]!r} holds {clean(str(raw))!r}, not a date "
                                         f"({DATE_FORMATS_HELP}; TBD for none)", line=n)
        number = _rec_number(get("rec_number"))
        kind, label = "recommendation", None
        if number is None and "rec_number" not in index and mapping.source == "gao":  # GAO's marker, any spelling
            marked = marker_fields(text, clean(str(get("agency") or "")) or mapping.agency)
            text, number, kind, label = marked["text"] or text, marked["number"], marked["kind"], marked["label"]
        elif number is None and "rec_number" not in index:
            text, number = split_rec_number(text)
        raw_no = clean(str(get("report_number") or ""))
        report_no = (normalize_report_number(raw_no) if mapping.source == "gao" else raw_no) or raw_no or None
        report = Report(number=report_no, title=clean(str(get("report_title") or "")) or None, published=published,
                        url=report_url(report_no) if mapping.source == "gao" and report_no else None)
        topics = tuple(t for t in (clean(x) for x in str(get("topics") or "").split(";")) if t)
        result.recommendations.append(Recommendation(
            report=report, agency=clean(str(get("agency") or "")) or (mapping.agency or ""), number=number,
            text=text, status=status, priority=_fold(get("priority")) in _YES,
            comments=clean_block(str(get("comments"))) if get("comments") not in (None, "") else None,
            topics=topics, line=n, issuer=mapping.source, target_due=due,
            questioned_costs=_money(get("questioned_costs")),
            funds_for_better_use=_money(get("funds_for_better_use")), kind=kind, label=label))
    if not result.recommendations:
        raise ParseError(source, f"no recommendation rows under the header (row {header_at + 1})")
    return result
