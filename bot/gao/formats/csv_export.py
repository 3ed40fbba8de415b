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
    ParseError, ParseResult, Recommendation, Report, marker_fields, normalize_agency, normalize_report_number,
    normalize_status, report_url,
)
from ..text import clean, has_rec_number, keep_block, parse_date

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
LABELS = {v: k.title().replace("Of", "of") for k, v in COLUMNS.items()}  # for messages: 'Publication Number'
REQUIRED = ("number", "agency", "text", "status")
AS_OF_RE = re.compile(r"status as of ([A-Z][a-z]+\.? \d{1,2}, \d{4})")
PRIORITY_VALUES = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False,
                   "0": False, "": False}
# Longest plausible values of the short columns: longer means the column holds something else.
MAX_LEN = {"title": 500, "director": 300, "phone": 200, "agency": 200, "topics": 600, "published": 40}
PHONE_RE = re.compile(r"^[\d\s().,;/+-]*$")
SENTENCE_RE = re.compile(r"\b(?:should|shall|consider)\b", re.IGNORECASE)


def looks_like(text: str) -> bool:
    head = text[:4000]
    return "Download of GAO Recommendation Results" in head or bool(
        re.search(r'"?Publication Name"?\s*,\s*"?Publication\s+Number', head)
    )


def _name(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def _is_header(row: list[str]) -> bool:
    names = [_name(c) for c in row]
    return "publication name" in names or "publication number" in names or sum(n in COLUMNS for n in names) >= 3


def _columns(row: list[str]) -> list[str | None] | None:
    names = [COLUMNS.get(_name(c)) for c in row]
    if "text" in names and "number" in names:
        return names
    return None


def _header(row: list[str], source: str, line: int, notes: list[str]) -> list[str | None]:
    """Columns by their header names; refused unless GAO's required ones are there, each once."""
    names = [COLUMNS.get(_name(c)) for c in row]
    seen: set[str] = set()
    for cell, name in zip(row, names):
        if name in seen:
            raise ParseError(source, f"the header names column '{clean(cell)}' twice: not GAO's export", line)
        if name:
            seen.add(name)
    missing = [LABELS[k] for k in REQUIRED if k not in seen]
    if missing:
        raise ParseError(source, "the header lacks GAO's column" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(f"'{m}'" for m in missing) + ": not GAO's export", line)
    unknown = [clean(c) for c, n in zip(row, names) if n is None and c.strip()]
    if unknown:
        notes.append("columns not in GAO's export ignored: " + ", ".join(f"'{u}'" for u in unknown))
    return names


@lru_cache(maxsize=1024)
def _report(number: str, title: str, published: str, director: str, phone: str) -> Report:
    n = normalize_report_number(number)
    return Report(number=n, title=clean(title) or None, published=parse_date(clean(published)),
                  director=clean(director) or None, phone=clean(phone) or None, url=report_url(n))


def _record(names: list[str | None], row: list[str], line: int) -> Recommendation | None:
    f = {name: value for name, value in zip(names, row) if name}
    if not any(f.get(k, "").strip() for k in REQUIRED):
        return None
    agency = clean(f.get("agency"))
    marked = marker_fields(clean(f.get("text")), agency)
    report = _report(f.get("number") or "", f.get("title") or "", f.get("published") or "",
                     f.get("director") or "", f.get("phone") or "")
    topics = tuple(t for t in (clean(x) for x in re.split(r"[;|]", f.get("topics") or "")) if t)
    return Recommendation(
        report=report, agency=agency, status=normalize_status(f.get("status")) or clean(f.get("status")) or None,
        priority=PRIORITY_VALUES.get(clean(f.get("priority")).lower(), False),
        comments=keep_block(f.get("comments")) or None, topics=topics, line=line, **marked,
    )


def _short(value: str) -> str:
    v = clean(value)
    return v if len(v) <= 40 else v[:37] + "..."


def _check(names: list[str | None], row: list[str], source: str, line: int) -> None:
    """Each column holds what GAO puts there; else the file is not GAO's export
    (or its header labels were swapped). Raises ParseError naming the line."""
    f = {name: clean(value) for name, value in zip(names, row) if name}

    def refuse(col: str, what: str) -> None:
        raise ParseError(source, f"column '{LABELS[col]}' holds {what} (\"{_short(f[col])}\"): "
                                 "not GAO's export, or its header labels are swapped", line)

    if not normalize_report_number(f["number"]) or len(f["number"]) > 40:
        refuse("number", "no GAO report number")
    if not f["agency"]:
        raise ParseError(source, f"empty '{LABELS['agency']}' field", line)
    if not f["text"]:
        raise ParseError(source, f"empty '{LABELS['text']}' field", line)
    if normalize_status(f["status"]) is None:
        refuse("status", "no GAO status")
    if "priority" in f and f["priority"].lower() not in PRIORITY_VALUES:
        refuse("priority", "no Yes/No")
    if f.get("published") and parse_date(f["published"]) is None:
        refuse("published", "no date")
    if f.get("phone") and not PHONE_RE.match(re.sub(r"(?i)\bext\.?|x", "", f["phone"])):
        refuse("phone", "no phone number")
    if f.get("director") and re.search(r"\d{3}", f["director"]):
        refuse("director", "digits, not a name")
    for col in ("title", "agency", "topics", "director", "comments"):
        if f.get(col) and has_rec_number(f[col]) and not has_rec_number(f["text"]):
            refuse(col, "a recommendation's text")
    if SENTENCE_RE.search(f["agency"]) and len(f["agency"]) > 60:
        refuse("agency", "a recommendation's text")
    if any(len(t) > 100 or t.endswith(".") for t in re.split(r"\s*[;|]\s*", f.get("topics", "")) if t):
        refuse("topics", "a sentence, not GAO's topics")
    for col, limit in MAX_LEN.items():
        if len(f.get(col, "")) > limit:
            refuse(col, f"text longer than GAO puts there ({len(f[col])} characters)")


def _ends_in_quotes(raw: str) -> bool:
    """Whether one record's raw text ends inside a quoted field (read as the csv
    module reads: a quote opens a field only at its start; "" inside is a quote)."""
    quoted, at_start, i, n = False, True, 0, len(raw)
    while i < n:
        c = raw[i]
        if quoted:
            if c == '"':
                if raw.startswith('"', i + 1):
                    i += 2
                    continue
                quoted = False
        elif c == '"' and at_start:
            quoted = True
        at_start = not quoted and c in ",\r\n"
        i += 1
    return quoted


def _decoded_cut(text: str, names: list[str | None], rows: list[tuple[int, list[str]]]) -> bool:
    """The last record ends without a line break in an unquoted field whose value
    is a strict prefix of that column's value elsewhere: the file was cut there."""
    if not rows or text.endswith(("\n", '"')):
        return False
    last_line, last = rows[-1]
    value = last[-1]
    if not value:
        return False
    others = {r[-1] for _, r in rows[:-1] if len(r) == len(last)}
    return any(o != value and o.startswith(value) for o in others)


def parse(text: str, source: str) -> ParseResult:
    result = ParseResult(source=source, format="csv-export")
    m = AS_OF_RE.search(text[:2000])
    if m:
        result.as_of = parse_date(m.group(1))
    read = [0]  # characters the reader has taken: a row's raw text starts where the previous one ended

    def feed():
        for chunk in io.StringIO(text, newline=""):
            read[0] += len(chunk)
            yield chunk

    reader = csv.reader(feed())
    names: list[str | None] | None = None
    rows: list[tuple[int, list[str]]] = []
    start, begin, last_begin = 1, 0, 0
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            last_begin, begin = begin, read[0]
            if names is None:
                if len(row) > 20 and '"Publication Name"' in text[:4000]:
                    return _parse_flat(text, source, result)
                if _is_header(row):
                    names = _header(row, source, line, result.notes)
                continue
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(names):
                if read[0] >= len(text) and len(row) < len(names) and not text.endswith(("\n", "\r")):
                    raise ParseError(source, f"the last record has {len(row)} of {len(names)} fields: "
                                             "the file was cut", line)
                raise ParseError(source, f"expected {len(names)} fields, found {len(row)}", line)
            rows.append((line, row))
    except csv.Error as exc:
        raise ParseError(source, f"broken CSV: {exc}", reader.line_num) from None
    if names is None:
        raise ParseError(source, "no CSV header with GAO's columns ('Publication Number', 'Recommendation', ...)")
    if rows and _ends_in_quotes(text[last_begin:]):
        raise ParseError(source, "the file ends inside a quoted field: it was cut, the last record is not whole",
                         rows[-1][0])
    if _decoded_cut(text, names, rows):
        raise ParseError(source, "the last record's last field is cut short: the file was cut", rows[-1][0])
    seen: dict[tuple, int] = {}
    ids: dict[tuple, tuple[int, tuple]] = {}
    dup_lines: list[int] = []
    for line, row in rows:
        _check(names, row, source, line)
        rec = _record(names, row, line)
        if rec is None:
            continue
        whole = tuple(" ".join(c.split()) for c in row)
        if whole in seen:  # the same row twice: one record, and the summary says so
            dup_lines.append(line)
            continue
        seen[whole] = line
        if rec.ident_label is not None:
            ident = (rec.report.number, rec.kind, rec.ident_label, normalize_agency(rec.agency))
            if ident in ids:
                first = ids[ident][0]
                result.notes.append(f"line {line} repeats line {first} ({rec.report.number} {rec.kind} "
                                    f"{rec.ident_label}, {rec.agency}) with other content; the later row is kept")
            ids[ident] = (line, whole)
        result.recommendations.append(rec)
    if dup_lines:
        result.duplicates = len(dup_lines)
        shown = ", ".join(map(str, dup_lines[:5])) + (", ..." if len(dup_lines) > 5 else "")
        result.notes.append(f"{len(dup_lines)} duplicated row{'s' if len(dup_lines) > 1 else ''} "
                            f"(line {shown}) read once")
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
