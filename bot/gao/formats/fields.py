"""The "Key: value" listings: the recommendations database of Oct 2020 (D:
``GAO-20-692, Sep 24, 2020`` / ``Phone:`` / ``Agency:`` / ``Status:`` /
``Comments:``) and the old format of 2016-18 (E: ``Director:``, ``Phone:``,
``Recommendation: ... (Recommendation N)``, ``Agency:``, ``Status:``,
``Comments:``)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import ParseResult, Recommendation, Report, marker_fields, normalize_report_number, normalize_status
from ..text import clean, clean_block, ends_whole, parse_date

REPORT_LINE_RE = re.compile(
    r"^(?:(?P<title>.+?)\s+)?(?P<number>GAO-\d{2}-\d{1,6}[A-Z]{0,2}),\s*(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})$"
)
KEY_RE = re.compile(r"^(Agency|Status|Comments|Recommendation|Director|Phone|Priority):\s*(.*)$")
OLD_RE = re.compile(r"\d+ publications? with a total of \d+ (?:open|priority)", re.IGNORECASE)
AS_OF_RE = re.compile(r"As of ([A-Z][a-z]+\.? \d{1,2}, \d{4}), there are")


def looks_like(text: str) -> bool:
    return bool(re.search(r"^Comments: ", text, re.M) and re.search(r"^Status: ", text, re.M)) or bool(
        OLD_RE.search(text) and re.search(r"^Recommendation: ", text, re.M)
    )


@dataclass
class _Entry:
    line: int
    report: Report
    agency: str = ""
    text: str = ""
    status: str | None = None
    priority: bool = False
    comment: list[str] = field(default_factory=list)
    in_comment: bool = False


def parse(lines: list[str], source: str, *, complete: bool = False, base_line: int = 1) -> ParseResult:
    text = "\n".join(lines)
    old = bool(OLD_RE.search(text))
    result = ParseResult(source=source, format="recdb-2016" if old else "recdb-2020")
    m = AS_OF_RE.search(text)
    if m:
        result.as_of = parse_date(m.group(1))
    report = Report()
    cur: _Entry | None = None
    done: list[_Entry] = []

    def finish(whole: bool) -> None:
        nonlocal cur
        if cur is not None:
            if whole and cur.agency and cur.status and (cur.report.number or cur.report.title):
                done.append(cur)
            elif not whole:
                result.cut += 1
        cur = None

    for i, ln in enumerate(lines):
        if not ln:
            continue
        rl = REPORT_LINE_RE.match(ln)
        if rl:
            finish(True)
            report = Report(number=normalize_report_number(rl.group("number")),
                            title=clean(rl.group("title")) or None, published=parse_date(rl.group("date")))
            continue
        if re.match(r"^including \d+ priority recommendation", ln, re.IGNORECASE):
            continue  # a count for the report; it does not say which entry
        km = KEY_RE.match(ln)
        if km:
            key, value = km.group(1), km.group(2)
            if key == "Director":
                report = Report(number=report.number, title=report.title, published=report.published,
                                director=clean(value) or None, phone=report.phone)
            elif key == "Phone":
                if cur is not None and cur.in_comment:
                    finish(True)
                report = Report(number=report.number, title=report.title, published=report.published,
                                director=report.director, phone=clean(value) or None)
            elif key == "Recommendation":
                finish(True)
                cur = _Entry(line=base_line + i, report=report, text=value)
            elif key == "Agency":
                if cur is None or cur.in_comment or cur.agency:
                    finish(True)
                    cur = _Entry(line=base_line + i, report=report)
                # "Department of Homeland Security: United States Customs and Border Protection"
                cur.agency = clean(value.split(": ")[-1])
            elif key == "Status" and cur is not None:
                cur.status = normalize_status(value) or clean(value)
            elif key == "Comments" and cur is not None:
                cur.comment = [value]
                cur.in_comment = True
            elif key == "Priority" and cur is not None:
                cur.priority = value.strip().lower() in ("yes", "true", "1")
            continue
        if cur is not None and cur.in_comment:
            if complete:
                cur.comment.append(ln)
            else:  # one line per field: a line that is no field is the next field, cut
                finish(True)
        elif cur is not None and not cur.agency and cur.text:
            cur.text += " " + ln  # recommendation text wrapped over lines

    if cur is not None:
        comment = " ".join(cur.comment).strip()
        finish(cur.in_comment and bool(comment) and (complete or ends_whole(comment)))

    for e in done:
        marked = marker_fields(clean(e.text), e.agency)
        comment = clean_block("\n".join(e.comment))
        result.recommendations.append(Recommendation(
            report=e.report, agency=e.agency, status=e.status,
            priority=e.priority, comments=comment or None, line=e.line, **marked,
        ))
    return result
