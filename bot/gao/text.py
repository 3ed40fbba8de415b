"""Small text helpers shared by the format parsers (pure)."""
from __future__ import annotations

import html
import re
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


_REC_NO_RE = re.compile(r"\(\s*Recommendation\s+(\d{1,3})\s*\)?\s*$", re.IGNORECASE)


def split_rec_number(text: str) -> tuple[str, int | None]:
    """'... steps. (Recommendation 3)' -> ('... steps.', 3). Tolerates a lost ')'."""
    m = _REC_NO_RE.search(text)
    if not m:
        return text.strip(), None
    return text[: m.start()].rstrip(), int(m.group(1))


def has_rec_number(text: str) -> bool:
    return _REC_NO_RE.search(text) is not None
