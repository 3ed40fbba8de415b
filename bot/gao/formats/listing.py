"""GAO's grouped pages as text: agency pages (A) and the recommendations
database listings of 2021-24 (B, C), the way a browser copy renders them.

A group is a report title, an optional ``Show`` line, ``K Open
Recommendations``, an optional ``P Priority`` line and a column header; then
entries: agency and recommendation text (``... (Recommendation N)``), a status
line (absent in one agency-page variant) and the comment. Priority entries put
the agency on its own line followed by ``Priority Rec.``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import ParseResult, Recommendation, Report, is_status_line, marker_fields, normalize_status
from ..text import clean, clean_block, ends_whole, has_rec_number, parse_date

COUNT_RE = re.compile(r"^(\d[\d,]*) Open (?:Priority )?Recommendations?$", re.IGNORECASE)
PRIORITY_COUNT_RE = re.compile(r"^\d+ Priority$", re.IGNORECASE)
HEADER_RE = re.compile(
    r"^Agency(?: Affected)?(?: Sort (?:ascending|descending))? Recommendation(?: Sort (?:ascending|descending))?"
    r" Status(?: Sort (?:ascending|descending))?$",
    re.IGNORECASE,
)
AS_OF_RE = re.compile(r"^As of ([A-Z][a-z]+\.? \d{1,2}, \d{4}), there are", re.MULTILINE)
TOTAL_RE = re.compile(r"^Open Recommendations \((\d[\d,]*) total\)$", re.IGNORECASE)

# Words a recommendation's text starts with, right after the agency cell.
STARTERS = frozenset(
    """The To In Based As After Given Once When Consistent For Because With Within Until
    Congress Prior Before If Using Building Following Moving Beginning Recognizing Where While
    Upon Each Either Both At On By Through Having Absent Unless Regardless Starting All Any An A
    Should Whether Going Considering Subject Recommendation DOD DHS Secretary Commissioner
    Administrator Director""".split()
)
AGENCY_WORD_RE = re.compile(r"^(?:[A-Z][\w.'’&/-]*|of|and|for|the|on|in|&|de|\(\w+\)|U\.S\.|-|–)$")
PRIORITY_MARKERS = ("Priority Rec.", "This is a priority recommendation.")
NOISE = frozenset({"Show", "Hide", "Download CSV", "Download XLS", "Download CSV Download XLS"})


def split_agency(line: str, known: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """'Department of Defense The Secretary ...' -> ('Department of Defense', 'The Secretary ...')."""
    for agency in known:
        if agency and line.startswith(agency + " ") and len(line) > len(agency) + 10:
            rest = line[len(agency) + 1 :]
            if rest[:1].isupper():
                return agency, rest
    words = line.split(" ")
    for i in range(1, min(len(words), 16)):
        if words[i] in STARTERS and i < len(words) - 2:
            head = words[:i]
            if head[0][:1].isupper() and all(AGENCY_WORD_RE.match(w) for w in head):
                if head[-1] in ("of", "and", "for", "the", "on", "&", "de"):
                    continue
                return " ".join(head), " ".join(words[i:])
        if not AGENCY_WORD_RE.match(words[i]):
            return None
    return None


@dataclass
class _Entry:
    agency: str
    line: int
    priority: bool = False
    text: list[str] = field(default_factory=list)
    status: str | None = None
    in_comment: bool = False
    comment: list[str] = field(default_factory=list)
    closed: bool = False  # a blank line ended the comment's paragraph
    matter: bool = False  # in a group of matters for Congressional consideration


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i]:
        i += 1
    return i


def looks_like(text: str) -> bool:
    lines = text.split("\n")
    return any(COUNT_RE.match(ln.strip()) for ln in lines) and any(
        HEADER_RE.match(ln.strip()) for ln in lines
    )


def parse(lines: list[str], source: str, *, complete: bool = False, base_line: int = 1,
          reports: dict[int, Report] | None = None, fmt: str | None = None,
          matter_groups: frozenset[int] = frozenset()) -> ParseResult:
    """Parse text lines; ``complete`` says the text is known to be whole (the
    last entry cannot have been cut), as for a page rendered from HTML;
    ``matter_groups``: the title lines of groups that are matters for Congress."""
    text = "\n".join(lines)
    listing = bool(re.search(r"^(?:Recommendations Database|\d[\d,]* - \d[\d,]* of )", text, re.M))
    fmt = fmt or ("recdb-listing" if listing else "agency-page")
    result = ParseResult(source=source, format=fmt)
    m = AS_OF_RE.search(text)
    if m:
        result.as_of = parse_date(m.group(1))

    # The page's own agency (agency pages): the line before "Jump To:" / the total.
    known: list[str] = []
    for i, ln in enumerate(lines):
        if TOTAL_RE.match(ln) or ln == "Jump To:":
            j = i - 1
            while j >= 0 and (not lines[j] or lines[j] == "Jump To:"):
                j -= 1
            if j >= 0 and lines[j] not in ("Skip to main content",) and len(lines[j]) < 120:
                known.append(lines[j])
            break

    # Group starts: index of the count line -> title index.
    titles: dict[int, int] = {}
    for i, ln in enumerate(lines):
        if COUNT_RE.match(ln):
            j = i - 1
            while j >= 0 and (not lines[j] or lines[j] == "Show"):
                j -= 1
            if j >= 0:
                titles[j] = i
    title_at = set(titles)

    entries: list[tuple[Report, _Entry]] = []
    report: Report | None = None
    in_matters = False
    cur: _Entry | None = None
    default_status = "Open" if fmt == "agency-page" else None
    has_status_lines = any(is_status_line(ln) for ln in lines)

    def finish(whole: bool) -> None:
        nonlocal cur
        if cur is not None and report is not None:
            if whole:
                entries.append((report, cur))
            else:
                result.cut += 1
        cur = None

    def starts_entry(i: int) -> tuple[str, str, bool] | None:
        ln = lines[i]
        j = _next_nonblank(lines, i + 1)
        if j < len(lines) and lines[j] == PRIORITY_MARKERS[0] and len(ln) < 150:
            return ln, "", True
        split = split_agency(ln, tuple(known))
        if not split:
            return None
        agency, rest = split
        if cur is None or has_rec_number(rest) or agency in known:
            return agency, rest, False
        if j >= len(lines) or is_status_line(lines[j]):  # a status follows, or the input ends
            return agency, rest, False
        return None

    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        if i in title_at:
            finish(True)
            title = clean(ln)
            report = (reports or {}).get(i) or Report(title=title)
            in_matters = i in matter_groups
            i = titles[i] + 1
            continue
        if report is None or not ln:
            if cur is not None and cur.in_comment and cur.comment and cur.comment[-1] != "":
                if complete:
                    cur.comment.append("")
                else:
                    cur.closed = True  # one paragraph; what follows is a (cut) next group
            i += 1
            continue
        if HEADER_RE.match(ln) or PRIORITY_COUNT_RE.match(ln) or ln in NOISE:
            i += 1
            continue
        if cur is None or cur.in_comment:
            start = starts_entry(i)
            if start:
                finish(True)
                agency, rest, prio = start
                cur = _Entry(agency=clean(agency), line=base_line + i, priority=prio, matter=in_matters)
                if prio:
                    i = _next_nonblank(lines, i + 1) + 1
                    while i < n and (lines[i] in PRIORITY_MARKERS or not lines[i]):
                        i += 1
                    continue
                cur.text.append(rest)
                if not has_status_lines and has_rec_number(rest):
                    cur.status, cur.in_comment = default_status, True
                i += 1
                continue
            if cur is None or cur.closed:
                i += 1
                continue
            cur.comment.append(ln)
            i += 1
            continue
        # in the recommendation text
        if is_status_line(ln):
            cur.status = normalize_status(ln)
            cur.in_comment = True
        elif not has_status_lines and cur.text and has_rec_number(cur.text[-1]):
            cur.status, cur.in_comment = default_status, True
            cur.comment.append(ln)
        else:
            cur.text.append(ln)
        i += 1

    if cur is not None:
        comment = "\n".join(cur.comment).strip()
        finish(cur.in_comment and bool(comment) and (complete or cur.closed or ends_whole(comment)))

    for rep, e in entries:
        marked = marker_fields(" ".join(t for t in e.text if t), e.agency, matter_section=e.matter)
        text = marked.pop("text")
        comment = clean_block("\n".join(e.comment))
        cut = fmt == "recdb-listing" and len(comment) >= 450 and not ends_whole(comment)
        result.recommendations.append(
            Recommendation(
                report=rep, agency=e.agency, text=clean(text) or None,
                status=e.status or default_status, priority=e.priority,
                comments=comment or None, comments_cut=cut, line=e.line, **marked,
            )
        )
    return result
