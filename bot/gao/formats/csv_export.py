"""GAO's CSV export of the recommendations database (H): a preamble of five
rows, then the header ``Publication Name, Publication  Number, Date
Publication Issued, Director Name, Director Phone, Agency, Recommendation,
Status, Priority, Comments, Topics``. Fields carry ``&amp;`` entities and
newlines. One recommendation is listed once per agency it is addressed to.

Also reads the same export stored as text with its newlines flattened to
spaces (records then follow one another on one line)."""
from __future__ import annotations

import csv
import hashlib
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
_TOPIC_SPLIT_RE = re.compile(r"\s*[;|]\s*")
_EXT_RE = re.compile(r"(?i)\bext\.?|x")
_DIGITS3_RE = re.compile(r"\d{3}")


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
    for cell, name in zip(row, names, strict=True):
        if name in seen:
            raise ParseError(source, f"the header names column '{clean(cell)}' twice: not GAO's export", line)
        if name:
            seen.add(name)
    missing = [LABELS[k] for k in REQUIRED if k not in seen]
    if missing:
        raise ParseError(source, "the header lacks GAO's column" + ("s " if len(missing) > 1 else " ")
                         + ", ".join(f"'{m}'" for m in missing) + ": not GAO's export", line)
    unknown = [clean(c) for c, n in zip(row, names, strict=True) if n is None and c.strip()]
    if unknown:
        notes.append("columns not in GAO's export ignored: " + ", ".join(f"'{u}'" for u in unknown))
    return names


@lru_cache(maxsize=1024)
def _report(number: str, title: str, published: str, director: str, phone: str) -> Report:
    n = normalize_report_number(number)
    return Report(number=n, title=clean(title) or None, published=parse_date(clean(published)),
                  director=clean(director) or None, phone=clean(phone) or None, url=report_url(n))


def _fields(names: list[str | None], row: list[str]) -> dict[str, str]:
    return {name: value for name, value in zip(names, row, strict=False) if name}  # a short row has fewer cells


def _record(f: dict[str, str], line: int) -> Recommendation | None:
    if not any(f.get(k, "").strip() for k in REQUIRED):
        return None
    agency = clean(f.get("agency"))
    marked = marker_fields(clean(f.get("text")), agency)
    report = _report(f.get("number") or "", f.get("title") or "", f.get("published") or "",
                     f.get("director") or "", f.get("phone") or "")
    topics = tuple(t for t in (clean(x) for x in _TOPIC_SPLIT_RE.split(f.get("topics") or "")) if t)
    return Recommendation(
        report=report, agency=agency, status=normalize_status(f.get("status")) or clean(f.get("status")) or None,
        priority=PRIORITY_VALUES.get(clean(f.get("priority")).lower(), False),
        comments=keep_block(f.get("comments")) or None, topics=topics, line=line, **marked,
    )


def _short(value: str) -> str:
    v = clean(value)
    return v if len(v) <= 40 else v[:37] + "..."


@lru_cache(maxsize=8192)
def _problem(col: str, raw: str) -> str | None:
    """What is wrong with a short column's value, or None (values repeat: cached)."""
    v = clean(raw)
    if col == "number":
        return None if normalize_report_number(v) and len(v) <= 40 else "no GAO report number"
    if col == "status":
        return None if normalize_status(v) else "no GAO status"
    if col == "priority":
        return None if v.lower() in PRIORITY_VALUES else "no Yes/No"
    if not v:
        return None
    if col in ("title", "agency", "topics", "director") and has_rec_number(v):
        return "a recommendation's text"
    if col == "agency" and len(v) > 60 and SENTENCE_RE.search(v):
        return "a recommendation's text"
    if col == "published" and parse_date(v) is None:
        return "no date"
    if col == "phone" and not PHONE_RE.match(_EXT_RE.sub("", v)):
        return "no phone number"
    if col == "director" and _DIGITS3_RE.search(v):
        return "digits, not a name"
    if col == "topics" and any(len(t) > 100 or t.endswith(".") for t in _TOPIC_SPLIT_RE.split(v) if t):
        return "a sentence, not GAO's topics"
    if col in MAX_LEN and len(v) > MAX_LEN[col]:
        return f"text longer than GAO puts there ({len(v)} characters)"
    return None


def _check(f: dict[str, str], source: str, line: int) -> None:
    """Each column holds what GAO puts there; else the file is not GAO's export
    (or its header labels were swapped). Raises ParseError naming the line."""
    def refuse(col: str, what: str) -> None:
        raise ParseError(source, f"column '{LABELS[col]}' holds {what} (\"{_short(f[col])}\"): "
                                 "not GAO's export, or its header labels are swapped", line)

    if not f["agency"].strip():
        raise ParseError(source, f"empty '{LABELS['agency']}' field", line)
    if not f["text"].strip():
        raise ParseError(source, f"empty '{LABELS['text']}' field", line)
    marked = has_rec_number(f["text"])
    for col in ("number", "title", "published", "director", "phone", "agency", "status", "priority", "topics"):
        if col in f:
            what = _problem(col, f[col])
            if what is not None and not (what == "a recommendation's text" and marked and col != "agency"):
                refuse(col, what)
    if not marked and f.get("comments") and has_rec_number(f["comments"]):
        refuse("comments", "a recommendation's text")


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


def _cut_short(text: str, last: list[str], last_values: set[str]) -> bool:
    """The last record ends without a line break in an unquoted field whose value
    is a strict prefix of that column's value elsewhere: the file was cut there."""
    if text.endswith(("\n", '"')) or not last[-1]:
        return False
    return any(o != last[-1] and o.startswith(last[-1]) for o in last_values)


class _Records:
    """Rows checked and read one at a time (a whole export is never held as rows)."""

    def __init__(self, names: list[str | None], source: str, result: ParseResult):
        self.names, self.source, self.result = names, source, result
        self.seen: dict[bytes, int] = {}
        self.ids: dict[tuple, int] = {}
        self.dup_lines: list[int] = []
        self.last_values: set[str] = set()

    def take(self, line: int, row: list[str]) -> None:
        f = _fields(self.names, row)
        _check(f, self.source, line)
        rec = _record(f, line)
        if len(row[-1]) <= 200:  # short values (GAO's topics) for the cut check of the last row
            self.last_values.add(row[-1])
        if rec is None:
            return
        digest = hashlib.blake2b("\x1f".join(row).encode(), digest_size=16).digest()
        if digest in self.seen:  # the same row twice: one record, and the summary says so
            self.dup_lines.append(line)
            return
        self.seen[digest] = line
        if rec.ident_label is not None:
            ident = (rec.report.number, rec.kind, rec.ident_label, normalize_agency(rec.agency))
            if ident in self.ids:
                self.result.notes.append(
                    f"line {line} repeats line {self.ids[ident]} ({rec.report.number} {rec.kind} "
                    f"{rec.ident_label}, {rec.agency}) with other content; the later row is kept")
            self.ids[ident] = line
        self.result.recommendations.append(rec)

    def finish(self) -> None:
        n = len(self.dup_lines)
        if n:
            self.result.duplicates = n
            shown = ", ".join(map(str, self.dup_lines[:5])) + (", ..." if n > 5 else "")
            self.result.notes.append(f"{n} duplicated row{'s' if n > 1 else ''} (line {shown}) read once")


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
    records: _Records | None = None
    pending: tuple[int, list[str]] | None = None  # the last row is checked for a cut before it is read
    start, begin, last_begin = 1, 0, 0
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            last_begin, begin = begin, read[0]
            if names is None or records is None:  # both are set by the header
                if len(row) > 20 and '"Publication Name"' in text[:4000]:
                    return _parse_flat(text, source, result)
                if _is_header(row):
                    names = _header(row, source, line, result.notes)
                    records = _Records(names, source, result)
                continue
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(names):
                if read[0] >= len(text) and len(row) < len(names) and not text.endswith(("\n", "\r")):
                    raise ParseError(source, f"the last record has {len(row)} of {len(names)} fields: "
                                             "the file was cut", line)
                raise ParseError(source, f"expected {len(names)} fields, found {len(row)}", line)
            if pending is not None:
                records.take(*pending)
            pending = (line, row)
    except csv.Error as exc:
        raise ParseError(source, f"broken CSV: {exc}", reader.line_num) from None
    if names is None or records is None:
        raise ParseError(source, "no CSV header with GAO's columns ('Publication Number', 'Recommendation', ...)")
    if pending is not None:
        if _ends_in_quotes(text[last_begin:]):
            raise ParseError(source, "the file ends inside a quoted field: it was cut, the last record is not "
                                     "whole", pending[0])
        if _cut_short(text, pending[1], records.last_values):
            raise ParseError(source, "the last record's last field is cut short: the file was cut", pending[0])
        records.take(*pending)
    records.finish()
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
            rec = _record(_fields(names, fields), 0)
            if rec is not None and rec.report.number and rec.agency:
                result.recommendations.append(Recommendation(**{**rec.__dict__, "line": None}))
            fields = []
    if fields or cut:
        result.cut += 1
    return result
