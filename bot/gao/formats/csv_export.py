"""GAO's CSV export of the recommendations database (H): a preamble of five
rows, then the header ``Publication Name, Publication  Number, Date
Publication Issued, Director Name, Director Phone, Agency, Recommendation,
Status, Priority, Comments, Topics``. Fields carry ``&amp;`` entities and
newlines. One recommendation is listed once per agency it is addressed to.

Also reads the same export stored as text with its newlines flattened to
spaces (records then follow one another on one line)."""
from __future__ import annotations

import csv
import io
import re
from functools import lru_cache

from ..records import (
    ParseError, ParseResult, Recommendation, Report, normalize_report_number, normalize_status, report_url,
)
from ..text import clean, clean_block, parse_date, split_rec_number

COLUMNS = {
    "publication name": "title",
    "publication number": "number",
    "date publication issued": "published",
    "director name": "director",
    "director phone": "phone",
    "agency": "agency",
    "recommendation": "text",
    "status": "status",
    "priority": "priority",
    "comments": "comments",
    "topics": "topics",
}
REQUIRED = ("number", "agency", "text", "status")
AS_OF_RE = re.compile(r"status as of ([A-Z][a-z]+\.? \d{1,2}, \d{4})")


def looks_like(text: str) -> bool:
    head = text[:4000]
    return "Download of GAO Recommendation Results" in head or bool(
        re.search(r'"?Publication Name"?\s*,\s*"?Publication\s+Number', head)
    )


def _columns(row: list[str]) -> list[str | None] | None:
    names = [COLUMNS.get(" ".join(c.split()).casefold()) for c in row]
    if "text" in names and "number" in names:
        return names
    return None


@lru_cache(maxsize=1024)
def _report(number: str, title: str, published: str, director: str, phone: str) -> Report:
    n = normalize_report_number(number)
    return Report(number=n, title=clean(title) or None, published=parse_date(clean(published)),
                  director=clean(director) or None, phone=clean(phone) or None, url=report_url(n))


def _record(names: list[str | None], row: list[str], line: int) -> Recommendation | None:
    f = {name: value for name, value in zip(names, row) if name}
    if not any(f.get(k, "").strip() for k in REQUIRED):
        return None
    rtext, number = split_rec_number(clean(f.get("text")))
    report = _report(f.get("number") or "", f.get("title") or "", f.get("published") or "",
                     f.get("director") or "", f.get("phone") or "")
    topics = tuple(t for t in (clean(x) for x in re.split(r"[;|]", f.get("topics") or "")) if t)
    return Recommendation(
        report=report, agency=clean(f.get("agency")), number=number, text=rtext or None,
        status=normalize_status(f.get("status")) or clean(f.get("status")) or None,
        priority=clean(f.get("priority")).lower() in ("yes", "y", "true", "1"),
        comments=clean_block(f.get("comments")) or None, topics=topics, line=line,
    )


def parse(text: str, source: str) -> ParseResult:
    result = ParseResult(source=source, format="csv-export")
    m = AS_OF_RE.search(text[:2000])
    if m:
        result.as_of = parse_date(m.group(1))
    reader = csv.reader(io.StringIO(text, newline=""))
    names: list[str | None] | None = None
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if names is None:
                if len(row) > 20 and '"Publication Name"' in text[:4000]:
                    return _parse_flat(text, source, result)
                names = _columns(row)
                continue
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(names):
                raise ParseError(source, f"expected {len(names)} fields, found {len(row)}", line)
            rec = _record(names, row, line)
            if rec is None:
                continue
            for key in REQUIRED:
                if key == "number" and rec.report.number is None:
                    raise ParseError(source, "no GAO report number in 'Publication Number'", line)
            if not rec.agency:
                raise ParseError(source, "empty 'Agency' field", line)
            result.recommendations.append(rec)
    except csv.Error as exc:
        raise ParseError(source, f"broken CSV: {exc}", reader.line_num) from None
    if names is None:
        raise ParseError(source, "no CSV header with 'Publication Name' and 'Recommendation' found")
    return result


def _parse_flat(text: str, source: str, result: ParseResult) -> ParseResult:
    """The export with its newlines flattened to spaces: fields are read one by
    one and a record ends after as many fields as the header has."""
    result.format = "csv-export-flattened"
    i, n = text.index('"Publication Name"'), len(text)
    names: list[str | None] | None = None
    fields: list[str] = []
    cut = False
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:  # the text ends inside a quoted field
                    i, cut = n, True
                    break
                buf.append(text[j:k])
                if text[k + 1 : k + 2] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            value = "".join(buf)
        else:
            last = names is None or len(fields) == len(names) - 1  # header names are single words
            stop = re.compile(r"[,\s]" if last else r",").search(text, i)
            k = stop.start() if stop else n
            value, i = text[i:k].strip(), k
        fields.append(value)
        while i < n and text[i] in " \t":
            i += 1
        at_comma = i < n and text[i] == ","
        if at_comma:
            i += 1
        if names is None and not at_comma:
            names = _columns(fields)
            if names is None:
                raise ParseError(source, "no CSV header with 'Publication Name' and 'Recommendation' found")
            fields = []
        elif names is not None and len(fields) == len(names) and not cut:
            rec = _record(names, fields, 0)
            if rec is not None and rec.report.number and rec.agency:
                result.recommendations.append(Recommendation(**{**rec.__dict__, "line": None}))
            fields = []
    if fields or cut:
        result.cut += 1
    return result
