"""Small text helpers shared by the format parsers (pure)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime

_WS_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")

TERMINAL = ('.', '!', '?', ')', '"', '”', "'", '’', ']')


def clean(s: str | None) -> str:
    """Decode entities, fold no-break and other odd spaces, trim."""
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    return " ".join(s.split())


def clean_block(s: str | None) -> str:
    """Like clean() but keeps paragraph breaks (blank lines) inside the text."""
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    if "\n" not in s:
        return " ".join(s.split())
    paras = [_WS_RE.sub(" ", " ".join(p.split())).strip() for p in re.split(r"\n\s*\n", s)]
    return "\n\n".join(p for p in paras if p)


def keep_block(s: str | None) -> str:
    """GAO's text as written: entities decoded once, line ends as "\\n", the
    ends trimmed; the whitespace inside (line breaks, double spaces) kept."""
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    return s.replace("\r\n", "\n").replace("\r", "\n").strip()


def lines_of(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [_WS_RE.sub(" ", ln).strip() for ln in text.split("\n")]


def ends_whole(s: str) -> bool:
    """True when a text ends like a finished sentence (not cut mid-word)."""
    return s.rstrip().endswith(TERMINAL)


_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%m/%d/%Y", "%Y-%m-%d")


@lru_cache(maxsize=4096)
def parse_date(s: str | None) -> date | None:
    """'Sep 24, 2020', 'Sept. 24, 2020', 'September 24, 2020', '2020-09-24'."""
    if not s:
        return None
    s = " ".join(re.sub(r"(?<=[A-Za-z])\.", "", s).split()).replace("Sept ", "Sep ")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


# GAO's marker at the end of a recommendation's text, in every spelling it uses:
# "(Recommendation 3)", "(recommendation 1)", "(Recommendations 5)", "[Recommendation 1]",
# "(Recommendation 1.)", "(Recommendation 19-01)", "(Recommendation 9" (no closing parenthesis),
# "(Matter 4)", "(Matter for Consideration 1)", "(Matter for Congressional Consideration)".
_MARKER_RE = re.compile(
    r"[(\[]\s*(?P<word>recommendations?|recs?\.?|matters?(?:\s+for\s+(?:congressional\s+)?consideration)?)"
    r"(?:\s*(?:no\.|#)?\s*(?P<label>\d{1,4}(?:\s*[-–.]\s*\d{1,4})*)\s*\.?)?"
    r"\s*[)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)
_MARKER_SPAN = 120  # the marker ends the text: only its tail is searched


def _marker(text: str) -> re.Match | None:
    # No bracket opens inside the marker: it starts at the last "(" or "[" of the text.
    i = max(text.rfind("(", -_MARKER_SPAN), text.rfind("[", -_MARKER_SPAN))
    return _MARKER_RE.match(text, i) if i >= 0 else None


@dataclass(frozen=True)
class Marker:
    """What GAO's marker says: the text without it, the kind it names ("matter",
    "recommendation", or None without a marker), an integer number, or a label
    kept as written when it is not an integer ("19-01")."""
    text: str
    kind: str | None = None
    number: int | None = None
    label: str | None = None


def split_marker(text: str) -> Marker:
    """'... steps. (Recommendations 5)' -> Marker('... steps.', 'recommendation', 5, None)."""
    m = _marker(text)
    if not m:
        return Marker(text.strip())
    kind = "matter" if m.group("word").lower().startswith("matter") else "recommendation"
    raw = m.group("label")
    number = label = None
    if raw:
        raw = "".join(raw.split())
        if raw.isdigit():
            number = int(raw)
        else:
            label = raw
    return Marker(text[: m.start()].rstrip(), kind, number, label)


def split_rec_number(text: str) -> tuple[str, int | None]:
    """'... steps. (Recommendation 3)' -> ('... steps.', 3). Tolerates a lost ')'."""
    m = split_marker(text)
    return m.text, m.number


def has_rec_number(text: str) -> bool:
    """The text ends with GAO's marker (any spelling, with or without a number)."""
    return _marker(text) is not None
