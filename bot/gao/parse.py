"""One entry point: detect the format of a GAO page or export and parse it.

    parse(data, source) -> ParseResult   (raises ParseError, one line, naming the source)
"""
from __future__ import annotations

import re

from .formats import csv_export, fields, html, listing
from .records import ParseError, ParseResult, Recommendation, Report, normalize_report_number, report_url
from .text import clean, lines_of, parse_date, split_rec_number

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
            raise ParseError(source, f"too large ({len(data) // 1_000_000} MB; the limit is {MAX_BYTES // 1_000_000} MB)")
        if b"\x00" in data[:65536]:
            raise ParseError(source, "binary file, not a GAO page or CSV export")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    sample = text[:65536]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.01:
        raise ParseError(source, "binary file, not a GAO page or CSV export")
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
            r if r.report.url else Recommendation(**{**r.__dict__, "report": Report(**{**r.report.__dict__, "url": url})})
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
    sections = [i for i, ln in enumerate(lines) if SECTION_RE.match(ln)]
    for k, start in enumerate(sections):
        end = sections[k + 1] if k + 1 < len(sections) else len(lines)
        header = next((i for i in range(start, end) if listing.HEADER_RE.match(lines[i])), None)
        if header is None:
            continue
        reports[len(synthetic)] = report
        synthetic += [report.title or number, "1 Open Recommendations"] + lines[header:end]
    result = listing.parse(synthetic, source, complete=complete, reports=reports, fmt="report-page")
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
        if agency and body and "(Recommendation" in body:
            text, number = split_rec_number(body)
            result.recommendations.append(Recommendation(report=Report(), agency=agency, number=number,
                                                         text=text, line=i + 1))
            k += 2
        else:
            k += 1
    return result
