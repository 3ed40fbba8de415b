"""The one record type every GAO format parses into (pure: no Slack, no DB)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .text import split_marker

STATUSES = (
    "Open",
    "Open – Partially Addressed",
    "Resolved",  # IG recommendations: management decided on the action, final action pending (still open)
    "Closed – Implemented",
    "Closed – Not Implemented",
)
OPEN_STATUSES = frozenset(STATUSES[:3])

_STATUS_RE = re.compile(
    r"^(open|closed)(?:\s*(?:--|[–—-])\s*(partially addressed|implemented|not implemented))?$",
    re.IGNORECASE,
)


@lru_cache(maxsize=256)
def normalize_status(raw: str | None) -> str | None:
    """Map GAO's spellings ("Open--Partially Addressed", "Open – Partially
    Addressed", "closed-implemented") to one canonical status, or None."""
    if not raw:
        return None
    m = _STATUS_RE.match(" ".join(raw.split()))
    if not m:
        return None
    head = m.group(1).capitalize()
    if not m.group(2):
        return head
    return f"{head} – {m.group(2).title()}"


def is_status_line(line: str) -> bool:
    return _STATUS_RE.match(" ".join(line.split())) is not None


_REPORT_NO_RE = re.compile(r"\bGAO[-‐–]?(\d{2})[-‐–](\d{1,6})([A-Z]{0,2})\b", re.IGNORECASE)


def normalize_report_number(raw: str | None) -> str | None:
    """'gao-23-105255' / 'GAO‐23‐105255' -> 'GAO-23-105255'."""
    if not raw:
        return None
    m = _REPORT_NO_RE.search(raw)
    if not m:
        return None
    return f"GAO-{m.group(1)}-{m.group(2)}{m.group(3).upper()}"


def normalize_title(title: str | None) -> str | None:
    """Identity form of a report title: case, punctuation and spacing folded."""
    if not title:
        return None
    t = re.sub(r"[^\w]+", " ", title.casefold()).strip()
    return t or None


def normalize_agency(agency: str | None) -> str:
    if not agency:
        return ""
    return " ".join(agency.replace("&amp;", "&").casefold().split())


def report_url(number: str | None) -> str | None:
    """gao.gov's page of a GAO report; None for anything else (an IG report has no page there)."""
    return f"https://www.gao.gov/products/{number.lower()}" if number and number.upper().startswith("GAO-") else None


@dataclass(frozen=True)
class Report:
    number: str | None = None
    title: str | None = None
    published: date | None = None
    url: str | None = None
    director: str | None = None
    phone: str | None = None


KINDS = ("recommendation", "matter")  # matters for Congress are numbered apart from recommendations


def kind_of(marker_kind: str | None, agency: str | None, matter_section: bool = False) -> str:
    """"matter" when GAO's marker says so ("(Matter 4)"), the entry sits under
    "Matters for Congressional Consideration", or it is addressed to Congress."""
    if marker_kind == "matter" or matter_section or normalize_agency(agency) == "congress":
        return "matter"
    return "recommendation"


def marker_fields(raw_text: str, agency: str | None, matter_section: bool = False) -> dict:
    """The text without GAO's marker, and what the marker says: kind, number, label."""
    m = split_marker(raw_text)
    return {"text": m.text or None, "kind": kind_of(m.kind, agency, matter_section), "number": m.number,
            "label": m.label}


@dataclass(frozen=True)
class Recommendation:
    report: Report
    agency: str
    number: int | None = None
    text: str | None = None
    status: str | None = None
    priority: bool = False
    comments: str | None = None
    comments_cut: bool = False  # GAO itself shortened the comment (listings)
    topics: tuple[str, ...] = ()
    line: int | None = None  # where the entry starts in its source, when it has lines
    issuer: str = "gao"  # "gao" or "oig" (an Inspector General's recommendation, from a mapped sheet)
    target_due: date | None = None  # a target date the sheet states (a promise of kind "target")
    questioned_costs: float | None = None
    funds_for_better_use: float | None = None
    kind: str = "recommendation"  # or "matter" (for Congress): numbered separately
    label: str | None = None  # GAO's label when it is not an integer ("19-01"), as written

    @property
    def ident_label(self) -> str | None:
        """The number or label that, with the kind, names the entry within its report."""
        return str(self.number) if self.number is not None else self.label


@dataclass
class ParseResult:
    source: str
    format: str
    recommendations: list[Recommendation] = field(default_factory=list)
    cut: int = 0  # entries cut off at the end of the input (not whole, not returned)
    notes: list[str] = field(default_factory=list)
    as_of: date | None = None
    duplicates: int = 0  # rows that repeat an earlier row exactly (read once)


class ParseError(ValueError):
    """A source that cannot be imported. str() is one line naming the source."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.message = message
        self.line = line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
