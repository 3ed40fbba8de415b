"""One entry point: detect the format of a GAO page or export and parse it.

    parse(data, source) -> ParseResult   (raises ParseError, one line, naming the source)
"""
from __future__ import annotations

import re

from .formats import csv_export, fields, html, listing
from .records import (
    ParseError, ParseResult, Recommendation, Report, marker_fields, normalize_report_number, report_url,
)
from .text import clean, has_rec_number, lines_of, parse_date

URL_HEADER_RE = re.compile(r"\AURL: (\S+)\n\n")
REPORT_HEAD_RE = re.compile(
    r"^(GAO-\d{2}-\d{1,6}[A-Z]{0,2})\s+Published:\s*([A-Z][a-z]+\.? \d{1,2}, \d{4})", re.MULTILINE)
SECTION_RE = re.compile(r"^(Recommendations for Executive Action|Matters? for Congressional Consideration)$")
ERROR_TEXT_RE = re.compile(
    r"\b(403 Forbidden|Access Denied|Request Rejected|Page Not Found|404 Not Found|Service Unavailable|"
    r"Internal Server Error|You don't have permission)\b", re.IGNORECASE)
MAX_BYTES = 200 * 1024 * 1024


def decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise ParseError(source, f"too large ({len(data) // 1_000_000} MB; "
                                     f"the limit is {MAX_BYTES // 1_000_000} MB)")
        if b"\x00" in data[:65536]:
            raise ParseError(source, "binary file, not a GAO page or CSV export")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _windows_1252(data, source, exc)
    sample = text[:65536]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.01:
        raise ParseError(source, "binary file, not a GAO page or CSV export")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# A character of two to four bytes in UTF-8: a file holding one is UTF-8, not Windows-1252.
_UTF8_MULTIBYTE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def _windows_1252(data: bytes, source: str, exc: UnicodeDecodeError) -> str:
    """Text that is not UTF-8 is read as Windows-1252 only when the whole file
    is: no UTF-8 character anywhere in it and every byte defined there. A file
    mixing the two would be stored garbled ("GÃ³mez"), so it is refused."""
    line = data.count(b"\n", 0, exc.start) + 1
    byte = data[exc.start]
    if _UTF8_MULTIBYTE_RE.search(data):
        raise ParseError(source, f"byte 0x{byte:02X} is not UTF-8, yet the rest of the file is UTF-8 (mixed "
                                 "encodings): save the file as UTF-8 and import it again", line)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        raise ParseError(source, f"byte 0x{data[bad.start]:02X} is neither UTF-8 nor Windows-1252: "
                                 "save the file as UTF-8 and import it again", line) from None


def parse(data: bytes | str, source: str = "<input>") -> ParseResult:
    """Detect the format and parse. Entries cut off at the end of the input are
    counted in ``cut`` and not returned."""
    text = decode(data, source)
    url = None
    m = URL_HEADER_RE.match(text)
    if m:  # a stored copy: "URL: <url>", a blank line, the page text
        url, text = m.group(1), text[m.end():]
    if not text.strip():
        raise ParseError(source, "empty file")
    if csv_export.looks_like(text):
        result = csv_export.parse(text, source)
    elif html.looks_like(text):
        result = _parse_html(text, source)
    else:
        result = _parse_text(lines_of(text), source, complete=False)
    if url and result.format.startswith("report-page"):
        result.recommendations = [
            r if r.report.url
            else Recommendation(**{**r.__dict__, "report": Report(**{**r.report.__dict__, "url": url})})
            for r in result.recommendations
        ]
    return result


def _parse_html(markup: str, source: str) -> ParseResult:
    soup = html.soup_of(markup)
    result = html.parse_structured(soup, source)
    if result is None:
        result = _parse_text(html.render_text(soup).split("\n"), source, complete=True, html_page=True)
    if not result.recommendations:
        err = html.is_error_page(soup)
        if err:
            raise ParseError(source, f"an error page, not GAO content (title: {err!r}); nothing imported")
    return result


def _parse_text(lines: list[str], source: str, *, complete: bool, html_page: bool = False) -> ParseResult:
    text = "\n".join(lines)
    if fields.looks_like(text):
        result = fields.parse(lines, source, complete=complete)
    elif REPORT_HEAD_RE.search(text):
        result = _parse_report_page(lines, source, complete=complete)
    elif listing.looks_like(text):
        result = listing.parse(lines, source, complete=complete)
    elif _looks_like_topic_table(lines):
        result = _parse_topic_table(lines, source)
    else:
        if len(text) < 5000 and ERROR_TEXT_RE.search(text):
            raise ParseError(source, "an error page, not GAO content; nothing imported")
        raise ParseError(
            source, "unknown format: not a GAO agency page, report page, recommendations listing or CSV export"
                    + ("; another spreadsheet (an IG tracker?) imports with --mapping FILE.toml (docs/reports.md)"
                       if source.lower().endswith(".csv") else ""))
    if html_page:
        result.format += "-html"
    return result


def _parse_report_page(lines: list[str], source: str, *, complete: bool) -> ParseResult:
    """A report (product) page: title, ``GAO-20-536 Published: ...``, then the
    recommendation tables under "Recommendations for Executive Action" and
    "Matters for Congressional Consideration"."""
    text = "\n".join(lines)
    m = REPORT_HEAD_RE.search(text)
    assert m is not None  # _parse_text came here because it matched
    head_line = text[: m.start()].count("\n")
    j = head_line - 1
    while j >= 0 and not lines[j]:
        j -= 1
    number = normalize_report_number(m.group(1))
    report = Report(number=number, title=clean(lines[j]) if j >= 0 else None,
                    published=parse_date(m.group(2)), url=report_url(number))
    # Each section becomes one group for the listing parser.
    synthetic: list[str] = []
    reports: dict[int, Report] = {}
    matters: set[int] = set()
    sections = [i for i, ln in enumerate(lines) if SECTION_RE.match(ln)]
    for k, start in enumerate(sections):
        end = sections[k + 1] if k + 1 < len(sections) else len(lines)
        header = next((i for i in range(start, end) if listing.HEADER_RE.match(lines[i])), None)
        if header is None:
            continue
        reports[len(synthetic)] = report
        if lines[start].startswith("Matter"):
            matters.add(len(synthetic))
        synthetic += [report.title or number or "", "1 Open Recommendations"] + lines[header:end]
    result = listing.parse(synthetic, source, complete=complete, reports=reports, fmt="report-page",
                           matter_groups=frozenset(matters))
    return result


def _looks_like_topic_table(lines: list[str]) -> bool:
    piped = [ln for ln in lines if ln.endswith("|")]
    return len(piped) >= 2 and any(ln.rstrip(" |").endswith(")") and "(Recommendation" in ln for ln in piped)


def _parse_topic_table(lines: list[str], source: str) -> ParseResult:
    """Rows of a topic page's recommendation table, cells ending in ``|``:
    agency, then text with ``(Recommendation N)``. No report, status or comment."""
    result = ParseResult(source=source, format="topic-table")
    cells = [(i, clean(ln.rstrip("|"))) for i, ln in enumerate(lines) if ln.endswith("|")]
    k = 0
    while k + 1 < len(cells):
        (i, agency), (_, body) = cells[k], cells[k + 1]
        if agency and body and has_rec_number(body):
            result.recommendations.append(Recommendation(report=Report(), agency=agency, line=i + 1,
                                                         **marker_fields(body, agency)))
            k += 2
        else:
            k += 1
    return result
