"""Promised completion dates in GAO comments (pure).

    extract(comment) -> list[Promise]

A promise is a period the agency said it would finish by ("CBP estimated that
review of the draft guidance would be complete by March 2024"); its ``due`` is
the last day of that period. Status dates ("As of March 2024", "In January
2024, CBP stated"), past events, GAO's own plans, the date of GAO's report,
statutory deadlines and start dates are not promises. Each promise carries the
date of the statement it belongs to (``stated``), when the comment gives one;
the current promise is the one from the latest statement.

Every pattern here is linear: no nested quantifiers, and context is looked up
in bounded windows, so a 1 MB comment is read in a fraction of a second.
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from . import calendar as cal

# The reader's edition. Bump it whenever any reading changes (tests/test_promise_reader_edition.py fails until
# you do): a database whose comments were read by another edition has them read again by its next import, or
# by `gaorec db reread` (storage/imports/reread.py).
READER = "2026-11-29.2"

KINDS = ("date", "month", "quarter", "fiscal quarter", "half", "fiscal half", "fiscal year",
         "calendar year", "season", "relative")

_MON = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
        r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_Y4 = r"(?:19|20)\d\d"
_FY = r"(?:fiscal\s+year\s+(?:\(FY\)\s+)?|FY\s?)"
_ORD = r"(first|second|third|fourth|1st|2nd|3rd|4th)"

# One alternation, tried left to right at each position; each branch names its groups.
_TIME = re.compile(
    r"\b(?:(?P<date>(?P<d_mon>" + _MON + r")\s(?P<d_day>\d{1,2})(?:st|nd|rd|th)?,?\s(?P<d_year>" + _Y4 + r"))"
    r"|(?P<dmy>(?P<dmy_day>\d{1,2})\s(?P<dmy_mon>" + _MON + r")\s(?P<dmy_year>" + _Y4 + r")\b)"
    r"|(?P<nd>(?P<nd_m>1[0-2]|0?[1-9])/(?P<nd_d>3[01]|[12]\d|0?[1-9])/(?P<nd_y>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<nm>(?P<nm_m>1[0-2]|0?[1-9])/(?P<nm_y>" + _Y4 + r")\b)"
    r"|(?P<fq>(?:the\s)?" + _ORD + r"\s(?:fiscal\s)?quarter\s(?:of\s)?(?:the\s)?" + _FY
    + r"(?P<fq_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<fq2>(?:Q(?P<fq2_q>[1-4])|(?P<fq2_q2>[1-4])Q|quarter\s(?P<fq2_q3>[1-4]))\s?(?:of\s)?(?:the\s)?" + _FY
    + r"(?P<fq2_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<fq3>(?:FY\s?|fiscal\syear\s)(?P<fq3_year>" + _Y4 + r"|\d\d),?\s?(?:Q(?P<fq3_q>[1-4])|(?P<fq3_o>"
    r"first|second|third|fourth|1st|2nd|3rd|4th)\s(?:fiscal\s)?quarter)\b)"
    r"|(?P<fh>(?:the\s)?(?P<fh_h>first|second)\shalf\sof\s(?:the\s)?" + _FY + r"(?P<fh_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<q>(?:the\s)?(?P<q_q>first|second|third|fourth|1st|2nd|3rd|4th)"
    r"\s(?:calendar\s)?quarter\s(?:of\s)?(?:calendar\syear\s|CY\s?)?(?P<q_year>" + _Y4 + r")\b)"
    r"|(?P<h>(?:the\s)?(?P<h_h>first|second)\shalf\sof\s(?:calendar\syear\s|CY\s?)?(?P<h_year>" + _Y4 + r")\b)"
    r"|(?P<fys>fiscal\syears\s(?:" + _Y4 + r"),?\s(?:and|or|through|to)\s(?P<fys_year>" + _Y4 + r")\b)"
    r"|(?P<fy>(?:(?P<fy_mod>early|mid|late)[\s-])?" + _FY + r"(?P<fy_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<cy>(?:calendar\syear\s|CY\s?)(?P<cy_year>" + _Y4 + r")\b)"
    r"|(?P<season>(?P<s_name>spring|summer|fall|autumn|winter)\s(?:of\s)?(?P<s_year>" + _Y4 + r")\b)"
    r"|(?P<month>(?P<m_mon>" + _MON + r")\s(?:of\s)?(?P<m_year>" + _Y4 + r")\b)"
    r"|(?P<beg>the\s(?:beginning|start)\sof\s(?:the\s)?(?:(?P<beg_fy>" + _FY + r")(?P<beg_fy_year>" + _Y4
    + r"|\d\d)|(?:calendar\syear\s|CY\s?)?(?P<beg_year>" + _Y4 + r"))\b)"
    r"|(?P<part>(?P<p_mod>early|mid|late)[\s-](?P<p_year>" + _Y4 + r")\b)"
    r"|(?P<year>(?:(?<=\bby\s)|(?<=\bin\s)|(?<=\bduring\s)|(?<=\buntil\s)|(?<=\bthrough\s)|(?<=\bend\sof\s)"
    r"|(?<=\bbefore\s))(?P<y_year>" + _Y4 + r")\b)"
    r"|(?P<rel_end>the\s(?:end|close)\sof\s(?:the\s|this\s)?(?P<rel_fiscal>fiscal\s|calendar\s)?year\b(?!\s?(?:\(FY\)\s)?\d))"
    r"|(?P<rel_later>later\sthis\s(?P<rel_later_fiscal>fiscal\s)?year\b)"
    r"|(?P<rel_within>(?:within|in)\s(?:the\snext\s)?(?P<rel_n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|thirty|sixty|ninety)\s(?:calendar\s)?(?P<rel_unit>months?|years?|days?|weeks?)\b)"
    r"|(?P<mony>(?:(?<=\bin\s)|(?<=\bby\s)|(?<=\buntil\s)|(?<=\bbefore\s)|(?<=\bthrough\s))(?P<mony_mon>January|February|"
    r"March|April|May|June|July|August|September|October|November|December)\b(?![\s,]+\d)))",
    re.IGNORECASE,
)
def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``\\b(?:A|B|...)``."""
    body, out, depth, i, start = pattern[5:-1], [], 0, 0, 0
    assert pattern.startswith(r"\b(?:") and pattern.endswith(")")
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i = body.index("]", i + 2)  # no "]" first in a class here
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(body[start:i])
            start = i + 1
        i += 1
    out.append(body[start:])
    return out


# The first letter each branch can match (ignoring case); a try at a word is made with only the branches its
# first character can start, in their order, and the others behind one guard that fails at once (they keep
# their group names, so every group can still be asked for). The same first match, the same groups.
_BRANCH_FIRST = {
    "date": "jfmasond", "dmy": "0123456789", "nd": "0123456789", "nm": "0123456789", "fq": "tfs1234",
    "fq2": "q1234", "fq3": "f", "fh": "tfs", "q": "tfs1234", "h": "tfs", "fys": "f", "fy": "emlf", "cy": "c",
    "season": "sfaw", "month": "jfmasond", "beg": "t", "part": "eml", "year": "12", "rel_end": "t", "rel_later": "l",
    "rel_within": "wi", "mony": "jfmasond"}


@functools.cache
def _split() -> tuple[list[str], list[str]]:
    """The names and the top-level branches of _TIME, in order."""
    parts = _branches(_TIME.pattern)
    names = [m.group(1) for b in parts if (m := re.match(r"\(\?P<(\w+)>", b))]  # all match: asserted below
    assert sorted(names) == sorted(_BRANCH_FIRST) and r"\b(?:" + "|".join(parts) + ")" == _TIME.pattern
    return names, parts


def _time_at(c: str) -> re.Pattern:
    """The pattern tried at a word whose first character is ``c``: the branches it cannot start fail at once.
    Compiled at its first use (all of them at import would cost every gaorec process ~0.2 s); any other first
    character (no ASCII letter or digit) is tried with the whole pattern."""
    pattern = _TIME_AT.get(c)
    if pattern is None:
        low = c.lower()
        if low not in _FIRSTS or not c.isascii():
            pattern = _TIME
        elif low in _TIME_AT:
            pattern = _TIME_AT[low]
        else:
            names, parts = _split()
            can = [b for n, b in zip(names, parts, strict=True) if low in _BRANCH_FIRST[n]]
            cannot = [b for n, b in zip(names, parts, strict=True) if low not in _BRANCH_FIRST[n]]
            pattern = re.compile(r"\b(?:" + "|".join(can) + "|(?!)(?:" + "|".join(cannot) + "))", _TIME.flags)
        _TIME_AT[c] = pattern
    return pattern


_FIRSTS = frozenset("".join(_BRANCH_FIRST.values()))
_TIME_AT: dict[str, re.Pattern] = {}  # first character -> its pattern, filled by _time_at

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "thirty": 30, "sixty": 60, "ninety": 90}

# Words of the agency's intent or expectation, before the period in the same sentence.
_CUE = re.compile(  # case-sensitive: "Hiring Plan" is a name, "plans to" a cue
    r"\b(?:will|would|shall|plans?|planned|planning|expects?|expected|expecting|expectation|anticipates?|"
    r"anticipated|anticipating|estimates?|estimated|estimating|intends?|intended|intending|targets?|targeted|"
    r"scheduled|slated|projects?|projected|aims?|goal|on\strack|on\sschedule|needs?\suntil|needed\suntil|should|timeline|timeframe|time\sframe|"
    r"committed|commits|to\sbe\s(?:completed|complete|finalized|issued|implemented)|completion\sdate|due)\b",
)
# GAO as the subject of the cue: "We are monitoring ... and plan to follow up in ...", "GAO will ..."
_GAO_SUBJECT = re.compile(r"\b(?:[Ww]e|GAO)\b"
                          r"(?:(?!\b(?:said|stated|told|noted|reported|that|which|officials)\b)[^.]){0,100}$")
_START_BEFORE = re.compile(
    r"\b(?:as\sof|since|beginning(?:\sin)?|starting(?:\sin)?|began\sin|begun\sin|from|dated|effective|between|"
    r"after|following|ended\sin|ending\sin)\s+(?:the\s(?:end|beginning|start|close)\sof\s)?$",
    re.IGNORECASE)
_REPORT_AFTER = re.compile(
    r"^\s*(?:recommendations?|reports?|testimony|letter|response|memo(?:randum)?|comments|update|correspondence|"
    r"priority\srecommendation\sletter|review|audit)\b", re.IGNORECASE)
_STATEMENT_AFTER = re.compile(r"^\s*(?:letter|response|comments|update|correspondence|memo(?:randum)?)\b",
                              re.IGNORECASE)
_OPENER = re.compile(r"(?:^|[,;:]\s|\b(?:and|but|however|then)\s)(?:In|in|As\sof|as\sof|On|on|Since|since|Through|"
                     r"By|by)\s+(?:late\s|early\s|mid-)?$")
_STATUTE = re.compile(r"\b(?:act|law|statute|statutory|legislation|enacted|mandate[sd]?|requires?|required|"
                      r"requirement|deadline|congress)\b", re.IGNORECASE)
_PAST_RIGHT_BEFORE = re.compile(
    r"\b(?:was|were|had\sbeen|has\sbeen|have\sbeen)\s+(?:\w+\s+){0,3}(?:in|on|by|at|during)\s+"
    r"(?:the\s(?:end|beginning)\sof\s)?$", re.IGNORECASE)
_FUTURE_NEAR = re.compile(r"\b(?:will|would|shall|plans?|planned|expects?|expected|anticipates?|anticipated|"
                          r"estimated|slated|scheduled|intends?|on\strack|target(?:ed)?)\b", re.IGNORECASE)

WINDOW = 320  # characters of context looked at before a period

# Every time expression holds a year or the word year/month(s) (the anchors),
# and starts with one of a few words. The big pattern is tried only at those
# words, in a short stretch before each anchor: 20x faster than scanning.
_ANCHORS = (r"\d\d(?:\d\d)*|\d/\d|[Yy]ear|[Mm]onth|[Dd]ays?\b|[Ww]eeks?\b|\b(?:January|February|March|April|May|June|"
            r"July|August|September|October|November|December)\b")  # cheap: the pattern itself decides
# Pairs of digits in one run make one anchor ("2025", not "20" then "25"): its stretch starts where the first
# pair's did and ends where the last pair's did, and the pattern is tried at the same words in the same order.
# A stretch that ends inside a run of digits differs from the longer one only in the digit word it cuts, which
# starts no time expression either way ("2025" of "20251": a year needs a word boundary after its four digits;
# "FY20" of "FY2025" is a start word as "FY2025" is).
# The same pattern, written to start with one character class: re then skips the characters no anchor starts
# with in C, and after it each alternative starts with the next character (so re skips the alternatives that
# cannot match at once) and looks back at the one it needs before it: 3x faster over a megabyte. The same
# alternatives in the same order (the months, which exclude each other, grouped by first letter), so the same
# matches (tests/test_promises.py compares the two).
_ANCHOR = re.compile(
    r"[\dYyMmDdWwJFASOND](?:\d(?<=\d\d)(?:\d\d)*|/(?<=\d/)\d|e(?<=[Yy]e)ar|o(?<=[Mm]o)nth|a(?<=[Dd]a)ys?\b"
    r"|e(?<=[Ww]e)eks?\b|(?:a(?<=\bJa)nuary|u(?<=\bJu)(?:ne|ly)|e(?<=\bFe)bruary|a(?<=\bMa)(?:rch|y)|p(?<=\bAp)ril"
    r"|u(?<=\bAu)gust|e(?<=\bSe)ptember|c(?<=\bOc)tober|o(?<=\bNo)vember|e(?<=\bDe)cember)\b)")
_WORD = re.compile(r"(?<![\w])\w+")
_STARTS = frozenset(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october "
    "nov november dec december the first second third fourth 1st 2nd 3rd 4th q1 q2 q3 q4 1q 2q 3q 4q fiscal early "
    "mid late calendar spring summer fall autumn winter later within in quarter".split())
_REACH = 60
# How far past a word's first character the start-word pattern looks: "in the next eighteen" and the boundary
# after it. A word that starts at least this far before a scan's end is a start word in the scan just when it
# is one in the whole sentence ("fy" and "cy" take any word: cut or not, it is one).
_START_SPAN = 21
# the longest lead-in before an anchor: "the fourth quarter of the fiscal year (FY) "
_DMY_NEXT = re.compile(r" (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")


def _starts_time(word: str) -> bool:
    w = word.lower()
    return (w in _STARTS or w[:2] in ("fy", "cy") or (w.isdigit() and len(w) == 4 and w[:2] in ("19", "20"))
            or (w.isdigit() and len(w) <= 2))


# The words a time expression can start with, found by one pattern (no Python loop over every word)
_START_AT = re.compile(
    r"(?<!\w)(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|the(?=\s(?:first|second|third|fourth|1st|2nd|3rd|4th|end|close|beginning|start)\b)|"
    r"first|second|third|fourth|1st|2nd|3rd|4th|q[1-4]|[1-4]q|quarter(?=\s[1-4]\b)|fiscal(?=\syears?\b)|"
    r"early|mid|late|calendar(?=\syear)|spring|summer|fall|autumn|winter|later(?=\sthis)|within|"
    r"in(?=\s(?:the\snext\s)?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|"
    r"thirty|sixty|ninety)\b)|fy\w*|cy\w*|(?:19|20)\d\d|"
    r"\d{1,2}(?=/|\s(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)))(?!\w)", re.IGNORECASE)


# The same start words, found 3x faster in the lower-cased sentence by a case-sensitive pattern. Exact when
# lower-casing changes no character the case-insensitive pattern could match differently: every character
# outside ASCII is caseless, and none is "ı" or "ſ" (which re's IGNORECASE matches to "i" and "s").
assert _START_AT.pattern == _START_AT.pattern.lower()
_START_LOW = re.compile(_START_AT.pattern)


def _lowered(sentence: str) -> tuple[str, re.Pattern]:
    """The text and pattern to find start words with."""
    if sentence.isascii():
        return sentence.lower(), _START_LOW
    if all(c.isascii() or (c == c.lower() and c not in "ıſ") for c in set(sentence)):
        return sentence.lower(), _START_LOW
    return sentence, _START_AT


def _times(sentence: str):
    """The time expressions of a sentence, left to right, not overlapping."""
    done = 0  # end of the last match
    tried = -1  # the last start the pattern was tried at (its answer does not depend on the anchor)
    settled = 0  # before this, every start word has been tried (those still to come are no start words)
    text, starts = _lowered(sentence)
    pattern_at, search = _TIME_AT.get, starts.search  # a loop of searches: cheaper than finditer's iterator
    for a in _ANCHOR.finditer(sentence):
        hi = a.end()
        if hi <= done:
            continue
        lo = max(done, tried + 1, a.start() - _REACH, settled)
        # the first time expression starting at a start word in [lo, hi); a match may end before this anchor:
        # then the words after it up to the anchor are tried too
        while lo < hi:
            m = None
            w = search(text, lo, hi)
            while w is not None:
                tried = w.start()
                m = (pattern_at(sentence[tried]) or _time_at(sentence[tried])).match(sentence, tried)
                if m:
                    break
                w = search(text, w.end(), hi)
            if m is None:
                break
            done = m.end()
            yield m
            lo = max(done, tried + 1)
        # [lo, hi) is scanned (or lies in a match): a word starting _START_SPAN or more before hi is a start word
        # in any later scan just when it was in this one, and then it was tried
        settled = hi - _START_SPAN


@dataclass(frozen=True)
class Promise:
    due: date
    phrase: str
    sentence: str
    kind: str
    stated: date | None = None
    confidence: float = 0.9
    current: bool = False
    start: int = 0  # offset of the phrase in the comment
    why: str = ""  # one line: the clue that made this period a promise

    def to_json(self) -> dict:
        return {"due": self.due.isoformat(), "phrase": self.phrase, "sentence": self.sentence,
                "kind": self.kind, "stated": self.stated.isoformat() if self.stated else None,
                "current": self.current, "confidence": self.confidence, "why": self.why}


# The roles a time expression can play (docs/promises.md, section 2); only "deadline" is a promise.
ROLES = ("deadline", "statement", "past", "gao", "report", "statutory", "start", "recurrence", "reporting",
         "lower bound", "negated", "name", "no intent", "unplaced", "unsure")


@dataclass(frozen=True)
class Seen:
    """A time expression the reader saw and did not keep as a promise, with its role and why."""
    phrase: str
    sentence: str
    role: str
    why: str
    start: int = 0
    end: date | None = None  # the period's last day (statement dates and periods too vague to keep)

    def to_json(self) -> dict:
        return {"phrase": self.phrase, "role": self.role, "why": self.why, "sentence": self.sentence,
                "period_end": self.end.isoformat() if self.end else None}


class _Period(NamedTuple):
    due: date
    first: date  # the first day of the period (a statement made "in March 2024" -> Mar 1)
    kind: str
    confidence: float


def _year(s: str) -> int:
    return cal.full_year(int(s))


@lru_cache(maxsize=256)
def _month(s: str) -> int:
    return cal.MONTHS[s.rstrip(".").lower()[:4] if s.lower().startswith("sept") else s.rstrip(".").lower()[:3]]


def period_of(m: re.Match, stated: date | None, stated_exact: bool = False, year_hint: int | None = None
              ) -> _Period | None:
    """The period a time expression names; None when it cannot be placed.

    ``stated`` is the date of the statement the expression belongs to (its
    first day when only a month is known, ``stated_exact`` when the day is);
    relative periods count from it. ``year_hint`` is a year the sentence names
    ("For 2023, ... in May")."""
    g = m  # m[name] is m.group(name)
    kind = m.lastgroup  # the branch that matched: its group closes last
    try:
        if kind == "date":
            d = date(int(g["d_year"]), _month(g["d_mon"]), int(g["d_day"]))
            return _Period(d, d, "date", 0.95)
        if kind == "dmy":
            d = date(int(g["dmy_year"]), _month(g["dmy_mon"]), int(g["dmy_day"]))
            return _Period(d, d, "date", 0.95)
        if kind == "nd":
            d = date(_year(g["nd_y"]), int(g["nd_m"]), int(g["nd_d"]))
            return _Period(d, d, "date", 0.9)
        if kind == "nm":
            y, mo = int(g["nm_y"]), int(g["nm_m"])
            return _Period(cal.month_end(y, mo), date(y, mo, 1), "month", 0.85)
        if kind in ("fq", "fq2", "fq3"):
            if kind == "fq":
                o = re.search(_ORD, m.group(0), re.I)
                assert o is not None  # the fq alternative holds an ordinal
                q = cal.ORDINALS[o.group(1).lower()]
                y = _year(g["fq_year"])
            elif kind == "fq2":
                q, y = int(g["fq2_q"] or g["fq2_q2"] or g["fq2_q3"]), _year(g["fq2_year"])
            else:
                q = int(g["fq3_q"]) if g["fq3_q"] else cal.ORDINALS[g["fq3_o"].lower()]
                y = _year(g["fq3_year"])
            end = cal.fiscal_quarter_end(y, q)
            return _Period(end, date(end.year, end.month - 2, 1), "fiscal quarter", 0.9)
        if kind == "fh":
            h = 1 if g["fh_h"].lower() == "first" else 2
            end = cal.fiscal_half_end(_year(g["fh_year"]), h)
            return _Period(end, _first_of_months_back(end, 6), "fiscal half", 0.85)
        if kind == "q":
            end = cal.quarter_end(_year(g["q_year"]), cal.ORDINALS[g["q_q"].lower()])
            return _Period(end, _first_of_months_back(end, 3), "quarter", 0.9)
        if kind == "h":
            end = cal.half_end(_year(g["h_year"]), 1 if g["h_h"].lower() == "first" else 2)
            return _Period(end, _first_of_months_back(end, 6), "half", 0.85)
        if kind == "fys":
            y = _year(g["fys_year"])
            return _Period(cal.fiscal_year_end(y), cal.fiscal_year_start(y), "fiscal year", 0.8)
        if kind == "fy":
            y = _year(g["fy_year"])
            mod = (g["fy_mod"] or "").lower()
            end = {"early": date(y, 1, 31), "mid": date(y, 5, 31)}.get(mod, cal.fiscal_year_end(y))
            return _Period(end, cal.fiscal_year_start(y), "fiscal year", 0.6 if mod else 0.9)
        if kind == "cy":
            y = _year(g["cy_year"])
            return _Period(date(y, 12, 31), date(y, 1, 1), "calendar year", 0.9)
        if kind == "season":
            end = cal.season_end(g["s_name"], int(g["s_year"]))
            return _Period(end, _first_of_months_back(end, 3), "season", 0.85)
        if kind == "month":
            y, mo = int(g["m_year"]), _month(g["m_mon"])
            return _Period(cal.month_end(y, mo), date(y, mo, 1), "month", 0.95)
        if kind == "beg":  # the beginning of a year: its first third, as "early" (docs/promises.md)
            if g["beg_fy"]:
                y = _year(g["beg_fy_year"])
                return _Period(date(y, 1, 31), cal.fiscal_year_start(y), "fiscal year", 0.6)
            y = int(g["beg_year"])
            return _Period(date(y, 4, 30), date(y, 1, 1), "calendar year", 0.6)
        if kind == "part":
            y = int(g["p_year"])
            end = {"early": date(y, 4, 30), "mid": date(y, 8, 31)}.get(g["p_mod"].lower(), date(y, 12, 31))
            return _Period(end, date(y, 1, 1), "calendar year", 0.6)
        if kind == "year":
            y = int(g["y_year"])
            return _Period(date(y, 12, 31), date(y, 1, 1), "calendar year", 0.75)
        if kind == "mony":
            mo = _month(g["mony_mon"])
            if year_hint is not None:
                y = year_hint
            elif stated is not None:
                y = stated.year if mo >= stated.month else stated.year + 1
            else:
                return None
            return _Period(cal.month_end(y, mo), date(y, mo, 1), "month", 0.7)
        if stated is None:
            return None  # relative periods need the date of their statement
        if kind == "rel_end":
            if (g["rel_fiscal"] or "").lower().startswith("fiscal"):
                y = cal.fiscal_year_of(stated)
                return _Period(cal.fiscal_year_end(y), cal.fiscal_year_start(y), "relative", 0.75)
            return _Period(date(stated.year, 12, 31), date(stated.year, 1, 1), "relative", 0.75)
        if kind == "rel_later":
            if g["rel_later_fiscal"]:
                y = cal.fiscal_year_of(stated)
                return _Period(cal.fiscal_year_end(y), stated, "relative", 0.7)
            return _Period(date(stated.year, 12, 31), stated, "relative", 0.7)
        if kind == "rel_within":
            n = g["rel_n"].lower()
            n = int(n) if n.isdigit() else _NUMBERS[n]
            unit = g["rel_unit"].lower()
            if unit.startswith(("day", "week")):
                days = n * 7 if unit.startswith("week") else n
                if days > 730:
                    return None
                base = stated if stated_exact else cal.month_end(stated.year, stated.month)
                return _Period(base + timedelta(days=days), stated, "relative", 0.65)
            months = n * 12 if unit.startswith("year") else n
            if months > 60:
                return None
            return _Period(cal.add_months(stated, months), stated, "relative", 0.65)
    except (ValueError, KeyError):
        return None  # "February 30, 2024" and the like name no day
    return None


def _first_of_months_back(end: date, months: int) -> date:
    d = cal.add_months(end, -(months - 1))
    return d.replace(day=1)


# -- sentences ----------------------------------------------------------------

_ABBREV = frozenset(
    "u.s us u.s.c usc no nos pub l dec jan feb mar apr jun jul aug sep sept oct nov e.g i.e etc mr mrs ms dr st "
    "inc co corp vs approx gen sec secs fig p pp vol al jr sr dept gov univ ltd assn div ch art para cf".split())
_BOUNDARY = re.compile(r"[.!?][\"”’')\]]*\s+")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs. Abbreviations ("U.S.", "19 U.S.C.", "No.") do not end a sentence."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + 1
        word_start = text.rfind(" ", start, m.start()) + 1
        word = text[word_start:m.start()].lstrip("(\"“").lower()
        nxt = text[m.end():m.end() + 1]
        if word in _ABBREV or (len(word) == 1 and word.isalpha()) or (nxt and not (nxt.isupper() or nxt in "\"“(")):
            continue
        out.append((start, text[start:end].strip()))
        start = m.end()
    if start < len(text) and text[start:].strip():
        out.append((start, text[start:].strip()))
    return out


# -- extraction ---------------------------------------------------------------
#
# A time expression's role comes from the structure around it, in this order:
# what it names (a statute's or a budget's name, GAO's report), whether it
# opens its clause (then the verb after it decides: a reporting verb makes it
# the statement's date, an intent verb a deadline, a past verb a past event),
# the preposition and words right before it (as of, beginning in, no earlier
# than, each), and finally the intent verb governing it: who its subject is
# (agency or GAO), whether it is negated, and what stands between the verb and
# the period (a start, a report back to GAO, a past event, a new clause).

_BLANKS = re.compile(r"[ \t]{2,}|\t")


def normalize(comment: str) -> str:
    """GAO's quirks: entities, no-break spaces, en dashes, "?" where "§" was lost."""
    import html

    s = html.unescape(comment) if "&" in comment else comment
    s = s.replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ")
    s = s.replace("–", "-").replace("—", "-")
    if "  " not in s and "\t" not in s:
        return s  # nothing for _BLANKS to replace (a quick look: most comments)
    return _BLANKS.sub(" ", s)  # a run of spaces and tabs becomes one space (a lone space is left as it is)


_REPORTING = (r"(?:stated|said|says|state|told|tells|noted|notes|reported|reports|indicated|indicates|informed|agreed|"
              r"concurred|responded|explained|described|confirmed|wrote|commented|clarified|acknowledged|asserted|"
              r"shared|mentioned|disagreed|non-?concurred|believed|believes|provided|submitted|sent|claimed|"
              r"maintained|reiterated|reaffirmed|communicated|updated\s+us|met\s+with\s+us|"
              # revising one's own estimate is saying a new date: the period before it dates that statement
              r"(?:revised|updated)\s+(?:its|their|the)\s+(?:estimate|schedule|timeline|time\s?frame|"
              r"completion\s+date|target\s+date|plan))")
_REPORTING_VERB = re.compile(r"\b" + _REPORTING + r"\b")
_INTENT_AFTER = re.compile(
    r"\b(?:will|would|shall|plans?|planned|intends?|intended|expects?|expected|anticipates?|anticipated|"
    r"estimates?|estimated|aims?|targets?|targeted|is\s+scheduled|are\s+scheduled|is\s+slated|are\s+slated|"
    r"is\s+on\s+track|are\s+on\s+track|needs?\s+until|is\s+to\s+be|are\s+to\s+be)\b")
_PAST_VERB = re.compile(
    r"\b(?:issued|completed|published|began|begun|started|finished|developed|established|implemented|released|"
    r"passed|conducted|held|launched|approved|signed|awarded|received|hired|created|put|made|took|finalized|"
    r"enacted|adopted|formed|initiated|discontinued|ended|closed|terminated|designated|grew|rose|fell|were|was|"
    r"had|did|occurred|filled|revised|drafted|deployed|awarded|obligated|spent|transferred|collected|"
    r"determined|identified|reviewed|assessed|updated|modified|changed|posted|distributed|trained)\b")
_PASSIVE_FUTURE = re.compile(r"\b(?:be|being)\s+$")
_FRONT = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|but|however|then|while|whereas|that)\s+)"
    r"(?P<prep>[Ii]n|[Oo]n|[Aa]s\s+of|[Ss]ince|[Tt]hrough|[Bb]y|[Dd]uring|[Ss]ometime\s+in|[Bb]eginning\s+in|"
    r"[Ss]tarting\s+in|[Bb]efore|[Uu]ntil|[Aa]t)?\s*(?:the\s+(?:end|close)\s+of\s+)?(?:the\s+)?(?:late\s|early\s|mid-|mid\s)?$")
# what each of _FRONT's openers holds (a cheap first look: re skips to these letters in C)
_FRONT_OPENS = re.compile(r"[,;:]|and|but|however|then|while|whereas|that")
_SUBJECT_GAO = re.compile(r"^[\s,]*(?:[Ww]e\b|GAO\b|[Oo]ur\s+(?:team|staff|office))")
_START = re.compile(r"\b(?:begin|begins|beginning|began|start|starts|starting|started|initiate|initiates|"
                    r"initiating|commence|commences|commencing|kick\s+off|kicks\s+off|phase\s+in)\b", re.IGNORECASE)
_FINISH = re.compile(r"\b(?:finish|complet|end\b|ends\b|ending\b|conclud|issu|implement|finaliz|publish|releas|"
                     r"deliver|done|close|retire|replace|achiev|submit|approv|adopt|deploy)", re.IGNORECASE)
_REPORT_BACK = re.compile(
    r"\b(?:provid\w*|send\w*|sent|submit\w*|giv\w*|report\w*|brief\w*|updat\w*|notify\w*|inform\w*)\b"
    r"(?:\s+\w+){0,5}?\s+(?:to\s+)?(?:GAO|us|the\s+committees?|congressional\s+committees|Congress\s+on\s+(?:its|their)"
    r"\s+progress)\b|\breport\w*\s+(?:to\s+(?:the\s+)?\w+\s+)?on\s+(?:its|their)\s+progress\b"
    r"|\bprovid\w*\s+(?:(?:us|GAO)\s+)?(?:with\s+)?(?:(?:additional|further|supporting|more)\s+"
    r"(?:information|documentation|evidence|details)|documentation|an?\s+(?:status|update|progress\s+report|"
    r"briefing)\b(?:\s+(?:update|report))?(?:\s+(?:of|on)\s+(?:its|their|the)\b)?)\b")
_RECURRING = re.compile(r"\b(?:each|every|annually|quarterly|monthly|semiannually|biannually|yearly|per\s+year)\b",
                        re.IGNORECASE)
_LOWER_BEFORE = re.compile(r"\b(?:no|not)\s+earlier\s+than\s+$|\bnot\s+before\s+$|\bafter\s+$|\bfollowing\s+$",
                           re.IGNORECASE)
_LOWER_AFTER = re.compile(r"^\s*(?:at\s+the\s+earliest|or\s+later)\b", re.IGNORECASE)
# "would not finalize the plan before June 2026": a negated verb in the same clause, then "before" the period
_NOT_THEN_BEFORE = re.compile(r"\b(?:not|never|n't)\s(?:(?!\b(?:but|however|and|or|while)\b)[^.;:,])*\bbefore\s+$",
                              re.IGNORECASE)
_NAME_AFTER = re.compile(
    r"^\s*(?:National\s+Defense|NDAA\b|Act\b|[Bb]udget|[Aa]ppropriations?\b|[Dd]ata\b|[Ss]trategic\s+[Pp]lan|"
    r"[Ss]chool\s+[Yy]ear|[Ss]upplement\b|[Pp]erformance\s+(?:[Pp]lan|[Rr]eport)|[Aa]nnual\s+[Pp]erformance|"
    r"[Ff]unds?\b|[Ff]unding\b|[Rr]equest\b|[Ss]ingle\s+[Aa]udit|[Cc]ensus\b|[Ss]urvey\s+data|[Aa]gency\s+[Ff]inancial|"
    r"[Ff]inancial\s+[Ss]tatements?|[Aa]udit\b|[Cc]ohort\b|[Ss]ession\b|[Ff]ilings?\b|[Tt]ax\s+[Yy]ear|[Rr]ule\b)")
_NAME_BEFORE = re.compile(r"\bAct\s+of\s+$|\b(?:19|20)\d\d\s?-\s?$")
_RANGE_AFTER = re.compile(r"^\s?-\s?(?:19|20)?\d\d\b")
_REPORT_DATE_BEFORE = re.compile(r"\b(?:GAO's|GAO’s|our)\s+$")
_GAO_BY = re.compile(r"\b(?:recommended|reported|found|issued|made)\s+by\s+(?:GAO|us)\s+(?:in|on)\s+$")
# what an agency sends: dated, it dates a statement ("in its June 2024 update", "a plan sent to us in")
_SENT = r"(?:letter|response|memo(?:randum)?|update|correspondence|action\s+plan|plan|email|e-mail|documentation)"
_STATEMENT_BEFORE = re.compile(
    r"\b" + _REPORTING + r"\s+(?:to\s+us\s+|us\s+|to\s+GAO\s+|GAO\s+|that\s+)?(?:in|on|during|as\s+of)\s+"
    r"(?:late\s|early\s|mid-)?$"
    r"|\b" + _SENT + r"\s+"
    r"(?:(?:it\s+|they\s+)?(?:provided|sent|submitted|received|shared|gave|given)\s+)?(?:to\s+us\s+|to\s+GAO\s+|us\s+)?"
    r"(?:in|on|dated)\s+$"
    r"|\b(?:officials?|staff|representatives|management|leadership|spokespersons?)\s+(?:in|on)\s+$")
_REVISION = re.compile(
    r"\b(?:extended|extends|revised|revises|pushed\s+back|pushes\s+back|postponed|postpones|moved|moves|"
    r"rescheduled|reschedules|changed|delayed|delays)\b[^.;]{0,80}?\b(?:date|deadline|timeline|time\s?frame|release|"
    r"completion|schedule|target|milestone|estimate|plans?)\b[^.;]{0,40}?\bto\s+(?:the\s+end\s+of\s+)?$")
# "the rollout was pushed back to March 2027", "delayed until June 2026": the guideline's revised deadline, with
# no noun between the verb and the period
_REVISED_TO = re.compile(r"\b(?:pushed\s+back|pushes\s+back|moved\s+back|postponed|postpones|delayed|delays|"
                         r"rescheduled|extended|extends)\s+(?:(?:it|them)\s+)?to\s+(?:the\s+end\s+of\s+)?$")
# "complete this update in 2025", "finalize its action plan in June 2025": the letter, update or plan is the work
# still to be done (the verb's plain form, after "to" or "will"; "including issuing a plan in November 2021" is a
# step taken), not what dates a statement
_WORK_ON_NOUN = re.compile(
    r"\b(?:complete|finish|finalize|issue|publish|release|implement|develop|revise|draft|update)\s+"
    r"(?:(?:the|this|these|its|their|an?)\s+)?(?:[\w-]+\s+){0,2}?" + _SENT + r"\s+(?:in|on)\s+$")
# "plans" as a noun: the documents, sent or kept ("their spend plans to OBPP"), not an intent ("plans to issue")
_NOUN_PLANS = re.compile(r"plans?\s+to\s+(?![a-z])")
# "In January 2024, officials estimated that the bureau would …": the period dates the estimate, whose own
# period follows
_THAT_AFTER = re.compile(r"\s+that\b")
_WEAK_CUE = re.compile(r"^(?:should|goal|timeline|timeframe|time\sframe|due|on\strack)$")
_DATED = re.compile(r"\bdated\s+$", re.IGNORECASE)
_AS_OF = re.compile(r"\bas\s+of\s+(?:the\s+end\s+of\s+)?$", re.IGNORECASE)
_STOP = re.compile(r"[;.]")
_YEAR_HINT = re.compile(r"\b[Ff]or\s+(?:calendar\s+year\s+)?((?:19|20)\d\d)\b")


class _Role(NamedTuple):
    role: str
    why: str
    weight: float = 1.0  # multiplies the period's own confidence (deadlines only)


def _last(text: str, n: int) -> str:
    """The last n characters of text or fewer, starting at a word (a cut word would fake a match)."""
    if len(text) <= n:
        return text
    cut = len(text) - n
    while cut < len(text) and text[cut - 1].isalnum():
        cut += 1
    return text[cut:]


@lru_cache(maxsize=4096)  # the same phrases and words come back in every comment
def _q(text: str) -> str:
    return "‘" + " ".join(text.split())[:40] + "’"


def _clause_start(sentence: str, pos: int) -> int:
    """Where the clause holding ``pos`` starts: after the last ';' or ':' before it (commas do not end a clause)."""
    lo = max(0, pos - WINDOW)  # bounded: a 1 MB run-on sentence must not make this quadratic
    return max(sentence.rfind(";", lo, pos), sentence.rfind(":", lo, pos), lo - 1) + 1


_VERB_AFTER = re.compile(f"(?P<reporting>{_REPORTING_VERB.pattern})|(?P<intent>{_INTENT_AFTER.pattern})"
                         f"|(?P<past>{_PAST_VERB.pattern})")


def _first_verb_after(post: str):
    """The first reporting, intent or past verb after a fronted period, up to the clause's end."""
    stop = _STOP.search(post)
    span = post[:stop.start()] if stop else post
    span = span[:160]
    h = _VERB_AFTER.search(span)
    if h is None:
        return None, None, span
    kind = h.lastgroup
    if kind == "past" and _PASSIVE_FUTURE.search(span[:h.start()]):
        return "intent", h, span
    return kind, h, span


def _either(*patterns: re.Pattern) -> re.Pattern:
    """One pattern that matches where any of these does (a cheap first look; each is then asked in order)."""
    return re.compile("|".join(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
                               for p in patterns))


_POST_ANY = _either(_NAME_AFTER, _RANGE_AFTER, _STATEMENT_AFTER, _REPORT_AFTER, _LOWER_AFTER,
                    re.compile(r"^\s*(?:each|every|annually|quarterly|monthly|semiannually|biannually|yearly|per\s+year)\b",
                               re.IGNORECASE))
_TAIL_ANY = _either(_NAME_BEFORE, _REPORT_DATE_BEFORE, _GAO_BY, _DATED, _AS_OF, _LOWER_BEFORE)
# Compiled once (were inline re.search calls: each paid for a look-up in re's cache)
_NEG_FRONT = re.compile(r"\b(?:not|no\s+longer|never)\b")
_OF_EVENT = re.compile(r"\bof\s+(?:the\s)?\w+")
_GAO_OPENS = re.compile(r"^\s*(?:[Ww]e|GAO)\b")
_REVISED_WORD = re.compile(r"\w+(?:\s+back)?")
_OTHER_CLAUSE = re.compile(r"[;]|\b(?:but|however)\b")
_NEG_AFTER_CUE = re.compile(r"\b(?:not|no\s+longer|never|n't)\b")
_NEG_BEFORE_CUE = re.compile(r"\b(?:not|no\s+longer|never|n't)\s+(?:\w+\s+)?$")
_PLAN_WORD = re.compile(r"\b(?:plans?|planned|expects?|anticipates?|estimated|intends?)\b", re.I)
_TO_BE_DONE = re.compile(r"\bto\s+be\s+\w+\s*$|\bbe\s+\w+ed\s+(?:by|in)\s+$")
_BEFORE_END = re.compile(r"\bbefore\s+$", re.I)
_RELATIVE_WORD = re.compile(r"\b(?:that|which|who|and)\b")


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"  # what re's \w is


# Cheap first looks before a pattern search: a pattern can only match where the words it needs are there.
# _low(text) holds every letter a case-insensitive pattern could match, lower-cased: besides A-Z, re's
# IGNORECASE matches "i" to "İ" and "ı", "s" to "ſ" and "k" to the Kelvin sign (folded here first).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _low(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


# the words _TAIL_ANY's patterns end with (before the spaces up to the date); "of" needs "act" or "as",
# "in" and "on" need "by"
_TAIL_ENDS = ("-", "gao's", "gao’s", "our", "dated", "than", "before", "after", "following")
_RECURRING_WORDS = re.compile("each|every|annually|quarterly|monthly|yearly|per")  # on _low() text
_STATEMENT_ENDS = ("in", "on", "during", "of", "late", "early", "mid-", "dated")
_START_ENDS = ("of", "since", "beginning", "in", "starting", "from", "dated", "effective", "between", "after",
               "following")
# a word each alternative of the pattern holds (case as in the pattern; _low() text for case-insensitive ones)
_STATEMENT_WORDS = re.compile(
    "stat|said|says|told|tells|note|report|indicat|inform|agree|concurred|respon|explained|described|confirmed|"
    "wrote|commented|clarified|acknowledged|asserted|shared|mentioned|believe|provided|submitted|sent|claimed|"
    "maintained|reiterat|reaffirm|communicat|update|met|letter|memo|correspondence|plan|mail|documentation|"
    "official|staff|"
    "representatives|"
    "management|leadership|spokesperson")
_START_BEFORE_WORDS = re.compile("as|since|beg|start|from|dated|effective|between|after|following|end")
_REVISION_WORDS = re.compile("extend|revise|push|postpone|move|reschedul|change|delay")
_FRONT_ENDS = (",", ";", ":", "and", "but", "however", "then", "while", "whereas", "in", "on", "of", "since",
               "through", "by", "during", "before", "until", "at", "the", "late", "early", "mid-", "mid")
_PAST_AT_ENDS = ("in", "on", "by", "at", "during", "of")
_START_WORDS = re.compile("begin|began|start|initiat|commenc|kick|phase")
_STATUTE_WORDS = re.compile("act|law|statut|legislation|enacted|mandate|require|deadline|congress")


class _Hit:
    """A match found in the whole sentence, placed as if found in a window of it that starts at ``offset``."""
    __slots__ = ("_m", "_offset")

    def __init__(self, m: re.Match, offset: int):
        self._m, self._offset = m, offset

    def start(self) -> int:
        return self._m.start() - self._offset

    def end(self) -> int:
        return self._m.end() - self._offset

    def group(self, *names):
        return self._m.group(*names)


class _Words:
    """Word patterns matched once over a long sentence (a run-on megabyte holds thousands of dates whose
    look-back windows overlap), then looked up per window. Short sentences search each window as before, and
    so does a long one until the windows searched for a pattern add up to an eighth of the sentence (a run-on
    sentence that repeats itself asks for few windows: its roles are remembered)."""
    LONG = 2000

    def __init__(self, sentence: str):
        self.sentence = sentence
        self.found: dict[re.Pattern, tuple[list[int], list[re.Match]]] = {}
        self.searched: dict[re.Pattern, int] = {}  # characters of windows searched so far, per pattern

    def last(self, pattern: re.Pattern, window: str, start: int):
        """The last match of ``pattern.finditer(window)``, ``window`` being ``sentence[start:]`` up to a date.

        Only for patterns whose matches are words or word sequences starting and ending with a word character
        between \b's, no tail of one a match itself: then the sentence's matches inside the window are the
        window's own; where the window starts inside a word, a match there (in the window's eyes, the cut word
        is a word) comes first and the sentence's matches count from its end."""
        s = self.sentence
        if len(s) < self.LONG or (pattern not in self.found and self._search_window(pattern, window)):
            last = None
            for last in pattern.finditer(window):  # noqa: B007 - the loop keeps the last match
                pass
            return last
        first = None
        lo = start
        if 0 < start < len(s) and _is_word(s[start - 1]) and _is_word(s[start]):
            first = pattern.match(window)
            if first is not None:
                lo = start + first.end()
        got = self.found.get(pattern)
        if got is None:
            ms = list(pattern.finditer(s))
            got = self.found[pattern] = ([x.end() for x in ms], ms)
        ends, ms = got
        i = bisect_right(ends, start + len(window)) - 1
        if i < 0 or ms[i].start() < lo:
            return first
        return _Hit(ms[i], start)

    def _search_window(self, pattern: re.Pattern, window: str) -> bool:
        """Whether to search this window itself (cheaper than matching the whole sentence, so far)."""
        n = self.searched.get(pattern, 0) + len(window)
        self.searched[pattern] = n
        return n <= len(self.sentence) // 8


def _role(sentence: str, m: re.Match, times_after: bool, cs: int | None = None, words: _Words | None = None,
          seen: dict | None = None) -> _Role:
    """The role of one time expression in its sentence (docs/promises.md, section 2).

    It depends on the words before the period in its clause (``pre``, at most WINDOW characters), the 200
    characters after it, the period itself and ``times_after`` alone: ``seen`` remembers roles by these, for
    a long sentence that repeats itself (a run-on table of the same few phrases)."""
    if cs is None:
        cs = _clause_start(sentence, m.start())
    pre = _last(sentence[cs:m.start()], WINDOW)
    post = sentence[m.end():m.end() + 200]
    if seen is None:
        return _role_in(sentence, m, pre, post, times_after, words)
    key = (pre, post, m.group(0), m.group("rel_within"), times_after)
    role = seen.get(key)
    if role is None:
        role = _role_in(sentence, m, pre, post, times_after, words)
        if len(seen) < _SEEN_MAX:
            seen[key] = role
    return role


_SEEN_MAX = 4096  # roles remembered in one sentence (a bound on memory, not on what is read)


def _role_in(sentence: str, m: re.Match, pre: str, post: str, times_after: bool, words: _Words | None) -> _Role:
    """_role once its context is cut out. ``words`` answers as a search of ``pre`` would (see _Words.last)."""
    phrase = m.group(0)
    tail = _last(pre, 60)
    low_tail = _low(tail)
    low_end = low_tail.rstrip()  # the patterns that end at the date end with a word and spaces
    q = _q(phrase)

    # What the period names (one cheap look first: most periods have none of these around them)
    if not (_POST_ANY.match(post)
            or ((low_end.endswith(_TAIL_ENDS) or (low_end.endswith("of") and ("act" in low_tail or "as" in low_tail))
                 or (low_end.endswith(("in", "on")) and "by" in tail)) and _TAIL_ANY.search(tail))
            or (_RECURRING_WORDS.search(low_tail) and _RECURRING.search(_last(tail, 30)))):
        pass
    elif _NAME_AFTER.match(post) or _NAME_BEFORE.search(tail) or _RANGE_AFTER.match(post):
        return _Role("name", f"{q} is part of a name or a data period ({_q(post[:20].strip() or _last(tail, 12))})")
    elif _REPORT_DATE_BEFORE.search(tail):
        return _Role("report", f"{q} dates GAO's report or recommendation")
    elif _GAO_BY.search(tail):
        return _Role("gao", f"{q} is when GAO made or reported the recommendation")
    elif _STATEMENT_AFTER.match(post) or _DATED.search(tail):
        return _Role("statement", f"{q} dates a letter, response or update")
    elif _REPORT_AFTER.match(post):
        return _Role("report", f"{q} dates GAO's report or recommendation")
    elif _AS_OF.search(tail):
        return _Role("statement", f"‘as of’ {q} is a status date")
    elif _LOWER_BEFORE.search(tail) or _LOWER_AFTER.match(post):
        return _Role("lower bound", f"{q} is a lower bound (not before it)")
    elif _RECURRING.search(_last(tail, 30)) or _RECURRING.match(post.lstrip()[:10]):
        return _Role("recurrence", f"{q} recurs ({_q((_last(tail, 30) + ' ' + post[:10]).strip())})")

    if low_end.endswith("before") and _NOT_THEN_BEFORE.search(_last(pre, 100)):
        return _Role("lower bound", f"{q} follows a negated verb and ‘before’: a lower bound (not before it)")

    # A period that opens its clause: the verb after it decides
    front = None
    if not low_end or low_end.endswith(_FRONT_ENDS):
        at = max(0, len(pre) - 50)
        if at == 0 or _FRONT_OPENS.search(pre, at):  # "^" is only at 0
            front = _FRONT.search(pre, at)
    if front:
        prep = (front.group("prep") or "").lower()
        if prep.startswith(("beginning", "starting")):
            return _Role("start", f"{q} is when work begins ({_q(prep)})")
        if prep == "since":
            return _Role("past", f"‘since’ {q} points back to a past event")
        said = _REPORTING_VERB.search(_last(pre[:front.start() + 1], 30))
        if said and prep in ("in", "on", "during") and not _INTENT_AFTER.search(pre, said.end()):
            return _Role("statement", f"{q} is set off after {_q(said.group(0))}: when it was said")
        kind, verb, span = _first_verb_after(post)
        subject = span[:verb.start()] if verb is not None else span
        if kind == "reporting":
            return _Role("statement", f"{q} opens the clause and {_q(verb.group(0))} reports what was said then")
        if kind == "past":
            return _Role("past", f"{q} opens the clause and the past {_q(verb.group(0))} follows")
        if kind == "intent" and prep:
            if prep in ("in", "on", "during") and _THAT_AFTER.match(span, verb.end()):
                return _Role("statement", f"{q} opens the clause and {_q(verb.group(0))} that … follows: when "
                                          f"the expectation was stated")
            if _SUBJECT_GAO.search(subject):
                return _Role("gao", f"{q} opens a clause whose subject is GAO ({_q(subject)})")
            if times_after:
                return _Role("statement", f"{q} opens the clause and a later period is the one intended: "
                                          f"{q} is when it was said")
            if _NEG_FRONT.search(span[:verb.end() + 20]):
                return _Role("negated", f"{q} opens a negated clause")
            if prep == "before":
                return _Role("no intent", f"‘before’ {q} opens the clause")
            return _Role("deadline", f"{q} opens the clause and the agency's {_q(verb.group(0))} follows", 0.92)
        if prep in ("in", "on", "during") and post.lstrip().startswith(","):
            return _Role("statement", f"{q} opens the clause: the date of what follows")
    if low_end.endswith(_STATEMENT_ENDS) and _STATEMENT_WORDS.search(tail) and _STATEMENT_BEFORE.search(tail) \
            and not _WORK_ON_NOUN.search(tail):
        return _Role("statement", f"{q} is when something was said or sent ({_q(_last(tail, 25))})")
    if low_end.endswith(_START_ENDS) and _START_BEFORE_WORDS.search(low_tail) and _START_BEFORE.search(tail):
        return _Role("start", f"{q} is a starting point ({_q(_last(tail, 20))})")
    if m.group("rel_within") and _OF_EVENT.search(post[:20]) \
            and not m.group("rel_within").lower().startswith("in "):
        return _Role("no intent", f"{q} counts from an event the comment does not date")

    # An intent verb governs it
    words = words or _Words(sentence)
    at = m.start() - len(pre)  # where pre starts in the sentence
    cue = words.last(_CUE, pre, at)
    while cue is not None and _NOUN_PLANS.match(pre, cue.start()):  # "submitted their plans to OBPP in …"
        cue = words.last(_CUE, pre[:cue.start()], at)
    revision = _REVISION.search(pre, max(0, len(pre) - 180)) \
        if low_end.endswith(("to", "of")) and _REVISION_WORDS.search(pre) else None
    bare = None  # "pushed back to": no noun names what moved, so the owner is asked before any reminder
    if revision is None and low_end.endswith("to") and _REVISION_WORDS.search(pre):
        revision = bare = _REVISED_TO.search(pre, max(0, len(pre) - 60))
    low_near = _low(_last(pre, 160))
    may_statute = _STATUTE_WORDS.search(low_near) is not None
    if cue is None and revision is None:
        if _GAO_OPENS.search(pre):
            return _Role("gao", f"{q} is in a clause whose subject is GAO")
        statute = _STATUTE.search(_last(pre, 160)) if may_statute else None
        if statute:
            return _Role("statutory", f"{q} is a deadline set by law ({_q(statute.group(0))})")
        past = words.last(_PAST_VERB, pre, at)
        if past is not None:
            return _Role("past", f"{q} follows the past {_q(past.group(0))} and no intent verb")
        return _Role("no intent", f"no agency intent or estimate governs {q}")
    if cue is None or (revision is not None and revision.start() > cue.start()):
        assert revision is not None  # both None returned above
        word = _REVISED_WORD.match(revision.group(0))
        assert word is not None  # a revision starts with its verb
        return _Role("deadline", f"the date was {_q(word.group(0))} to {q}", 0.8 if bare else 0.9)
    before_cue = _last(pre[:cue.start()], 120)
    if ("GAO" in before_cue or "we" in before_cue or "We" in before_cue) and _GAO_SUBJECT.search(before_cue):
        return _Role("gao", f"GAO's own plan: {_q(cue.group(0))} has GAO (we) as its subject")
    between = pre[cue.end():]
    low_between = _low(between)
    if low_end.endswith(_PAST_AT_ENDS) and ("was" in low_between or "were" in low_between or "been" in low_between) \
            and _PAST_RIGHT_BEFORE.search(_last(between, 80)) and not _FUTURE_NEAR.search(_last(between, 80)):
        return _Role("past", f"a past event stands between {_q(cue.group(0))} and {q}")
    past = words.last(_PAST_VERB, between, at + cue.end())
    if past is not None and not _PASSIVE_FUTURE.search(between[:past.start()]) \
            and not _FUTURE_NEAR.search(between[past.end():]) and not _FINISH.search(between[past.end():]) \
            and _RELATIVE_WORD.search(between[:past.start()]):
        return _Role("past", f"{q} belongs to the past {_q(past.group(0))}, not to {_q(cue.group(0))}")
    if (";" in between or "but" in between or "however" in between) and _OTHER_CLAUSE.search(between) \
            and not _FUTURE_NEAR.search(between):
        return _Role("no intent", f"{q} is in another clause than {_q(cue.group(0))}")
    if (("no" in pre or "never" in pre or "n't" in pre)
            and (_NEG_AFTER_CUE.search(pre[cue.start():]) or _NEG_BEFORE_CUE.search(_last(pre[:cue.start()], 25)))):
        return _Role("negated", f"{_q(cue.group(0))} is negated before {q}")
    near = _last(pre, 160)
    statute = _STATUTE.search(near) if may_statute else None
    if statute and not _PLAN_WORD.search(near):
        return _Role("statutory", f"{q} is a deadline set by law ({_q(statute.group(0))})")
    start = None
    if _START_WORDS.search(low_between):
        for start in _START.finditer(between):  # noqa: B007 - the loop keeps the last match
            pass
    if start is not None and not _FINISH.search(between[start.end():]):
        return _Role("start", f"{q} is when {_q(start.group(0))} happens, not the end")
    report_back = (_REPORT_BACK.search(between)
                   if any(w in between for w in ("GAO", "us", "ommittee", "Congress", "progress", "ocumentation",
                                                 "nformation", "vidence", "etails", "update", "briefing")) else None)
    if report_back:
        return _Role("reporting", f"{q} is for reporting back ({_q(report_back.group(0))}), not for finishing")
    if phrase.lower().startswith(("within", "in ")) and m.group("rel_within") is None:
        return _Role("no intent", f"{q} is not a period")
    weight = 0.85 if _WEAK_CUE.match(cue.group(0)) else 1.0
    if "be" in pre and _TO_BE_DONE.search(pre):
        weight *= 0.97
    return _Role("deadline", f"the agency's {_q(cue.group(0))} governs {q}", weight)


@dataclass(frozen=True)
class Reading:
    """What a comment says: its promises (one marked current), the dates of its
    statements, and every other time expression seen with why it is not a promise."""
    promises: list[Promise]
    statements: list[date]
    rejected: list[Seen] = field(default_factory=list)

    @property
    def latest_statement(self) -> date | None:
        return max(self.statements) if self.statements else None


def _roles(sentence: str) -> list[tuple[re.Match, _Role]]:
    """Every time expression of a sentence with its role."""
    matches = list(_times(sentence))
    clause = [_clause_start(sentence, m.start()) for m in matches]
    words = _Words(sentence)
    seen: dict | None = {} if len(sentence) >= _Words.LONG else None
    out = []
    for i, m in enumerate(matches):
        # another period later in the same clause (clause starts only grow, so the next one tells)
        later = i + 1 < len(matches) and clause[i + 1] == clause[i] and matches[i + 1].start() - m.end() < WINDOW
        out.append((m, _role(sentence, m, later, clause[i], words, seen)))
    return out


def read(comment: str | None) -> Reading:
    """Promises, statement dates and the rejected time expressions of a comment, in one pass."""
    if not comment or not _ANCHOR.search(comment):
        return Reading([], [], [])  # no year, month or "year": nothing to find
    text = normalize(comment)
    found: list[Promise] = []
    rejected: list[Seen] = []
    statements: list[date] = []
    stated: date | None = None
    stated_exact = False
    # A sentence's time expressions and their roles depend on its words alone: a sentence repeated in the
    # same comment (boilerplate) is analysed once. Dates that need the statement are placed every time.
    analysed: dict[str, tuple[list[tuple[re.Match, _Role]], int | None]] = {}
    for offset, sentence in sentences(text):
        known = analysed.get(sentence)
        if known is None:
            roles = _roles(sentence)
            # the year a sentence names ("For 2023, ... in May") places a month without a year, and only that
            hint = _YEAR_HINT.search(sentence) if any(m.group("mony") for m, _ in roles) else None
            known = roles, (int(hint.group(1)) if hint else None)
            if len(sentence) <= 2000:
                analysed[sentence] = known
        roles, year_hint = known
        if not roles:
            continue
        pending: list[tuple[re.Match, _Role]] = []
        sentence_stated, sentence_exact = stated, stated_exact
        for m, role in roles:
            if role.role == "deadline":
                pending.append((m, role))
                continue
            p = period_of(m, None, year_hint=year_hint) if role.role == "statement" else None
            if role.role == "statement" and p is not None:
                sentence_stated, sentence_exact = p.first, p.kind == "date"
                statements.append(p.first)
            rejected.append(Seen(m.group(0).strip(), sentence, role.role, role.why, offset + m.start(),
                                 p.due if p else None))
        for m, role in pending:  # placed once the sentence's statement date is known
            p = period_of(m, sentence_stated, sentence_exact, year_hint)
            phrase = m.group(0).strip()
            if p is None:
                rejected.append(Seen(phrase, sentence, "unplaced",
                                     f"{_q(phrase)} counts from a statement date the comment does not give",
                                     offset + m.start()))
                continue
            confidence = round(p.confidence * role.weight, 2)
            if confidence < 0.5:
                rejected.append(Seen(phrase, sentence, "unsure", f"{role.why}, but too vague to remind on "
                                     f"(confidence {confidence})", offset + m.start(), p.due))
                continue
            due = p.due
            if _BEFORE_END.search(_last(sentence[max(0, m.start() - 11):m.start()], 10)) \
                    and not phrase.lower().startswith("the end"):
                due = p.first - timedelta(days=1)  # "before June 2026": the day before June
            found.append(Promise(due=due, phrase=phrase, sentence=sentence, kind=p.kind, stated=sentence_stated,
                                 confidence=confidence, start=offset + m.start(), why=role.why))
        stated, stated_exact = sentence_stated, sentence_exact
    return Reading(mark_current(found), statements, rejected)


def _read_chunk(comments: list[str | None]) -> list[Reading]:
    return [read(c) for c in comments]


PARALLEL_FROM = 20_000  # comments; below this a second process costs more than it saves


def read_many(comments: list[str | None]) -> list[Reading]:
    """read() for many comments; large batches use every core (the 100k-record import)."""
    import os

    workers = min(os.cpu_count() or 1, 8)
    if len(comments) < PARALLEL_FROM or workers < 2:
        return _read_chunk(comments)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # This process reads one share while workers read the others.
    size = -(-len(comments) // workers)
    chunks = [comments[i:i + size] for i in range(0, len(comments), size)]
    with ProcessPoolExecutor(len(chunks) - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_read_chunk, c) for c in chunks[1:]]
        mine = _read_chunk(chunks[0])
        return mine + [r for f in futures for r in f.result()]


def extract(comment: str | None) -> list[Promise]:
    """Every promise in a comment, in order; exactly one is ``current`` when any is found."""
    return read(comment).promises


def mark_current(promises: list[Promise]) -> list[Promise]:
    """The current promise: from the latest statement; within it, the latest due date."""
    if not promises:
        return []
    best = max(range(len(promises)), key=lambda i: (promises[i].stated or date.min, promises[i].due, i))
    return [p if p.current == (i == best) else replace(p, current=(i == best)) for i, p in enumerate(promises)]


def current(promises: list[Promise]) -> Promise | None:
    return next((p for p in promises if p.current), None)


def latest_statement(comment: str | None) -> date | None:
    """The date of the latest statement a comment reports ("As of March 2024", "In January 2024, CBP stated")."""
    return read(comment).latest_statement


# -- phrases (the inverse, for tests and documentation) -----------------------

def phrase_for(kind: str, due: date) -> str:
    """A phrase GAO could write that names the period ending on ``due``."""
    if kind == "date":
        return f"{cal.MONTH_NAMES[due.month]} {due.day}, {due.year}"
    if kind == "month":
        return f"{cal.MONTH_NAMES[due.month]} {due.year}"
    if kind == "quarter":
        return f"the {cal.ORDINAL_WORDS[due.month // 3]} quarter of calendar year {due.year}"
    if kind == "fiscal quarter":
        q = 1 if due.month == 12 else due.month // 3 + 1
        fy = due.year + 1 if due.month == 12 else due.year
        return f"the {cal.ORDINAL_WORDS[q]} quarter of fiscal year {fy}"
    if kind == "half":
        return f"the {'first' if due.month == 6 else 'second'} half of {due.year}"
    if kind == "fiscal half":
        return f"the {'first' if due.month == 3 else 'second'} half of fiscal year {due.year}"
    if kind == "fiscal year":
        return f"the end of fiscal year {due.year}"
    if kind == "calendar year":
        return f"the end of calendar year {due.year}"
    if kind == "season":
        name = {5: "spring", 8: "summer", 11: "fall", 2: "winter"}[due.month]
        return f"{name} {due.year - 1 if name == 'winter' else due.year}"
    raise ValueError(f"no phrase for kind {kind!r}")
