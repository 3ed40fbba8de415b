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

import re
from dataclasses import dataclass, replace
from datetime import date

from . import calendar as cal

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
    r"|(?P<fq>(?:the\s)?" + _ORD + r"\s(?:fiscal\s)?quarter\s(?:of\s)?(?:the\s)?" + _FY + r"(?P<fq_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<fq2>(?:Q(?P<fq2_q>[1-4])|(?P<fq2_q2>[1-4])Q)\s?(?:of\s)?FY\s?(?P<fq2_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<fq3>FY\s?(?P<fq3_year>" + _Y4 + r"|\d\d)\s?Q(?P<fq3_q>[1-4])\b)"
    r"|(?P<fh>(?:the\s)?(?P<fh_h>first|second)\shalf\sof\s(?:the\s)?" + _FY + r"(?P<fh_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<q>(?:the\s)?" + r"(?P<q_q>first|second|third|fourth|1st|2nd|3rd|4th)" + r"\s(?:calendar\s)?quarter\s(?:of\s)?(?:calendar\syear\s|CY\s?)?(?P<q_year>" + _Y4 + r")\b)"
    r"|(?P<h>(?:the\s)?(?P<h_h>first|second)\shalf\sof\s(?:calendar\syear\s|CY\s?)?(?P<h_year>" + _Y4 + r")\b)"
    r"|(?P<fys>fiscal\syears\s(?:" + _Y4 + r"),?\s(?:and|or|through|to)\s(?P<fys_year>" + _Y4 + r")\b)"
    r"|(?P<fy>(?:(?P<fy_mod>early|mid|late)[\s-])?" + _FY + r"(?P<fy_year>" + _Y4 + r"|\d\d)\b)"
    r"|(?P<cy>(?:calendar\syear\s|CY\s?)(?P<cy_year>" + _Y4 + r")\b)"
    r"|(?P<season>(?P<s_name>spring|summer|fall|autumn|winter)\s(?:of\s)?(?P<s_year>" + _Y4 + r")\b)"
    r"|(?P<month>(?P<m_mon>" + _MON + r")\s(?:of\s)?(?P<m_year>" + _Y4 + r")\b)"
    r"|(?P<part>(?P<p_mod>early|mid|late)[\s-](?P<p_year>" + _Y4 + r")\b)"
    r"|(?P<year>(?:(?<=\bby\s)|(?<=\bin\s)|(?<=\bduring\s)|(?<=\buntil\s)|(?<=\bthrough\s)|(?<=\bend\sof\s)"
    r"|(?<=\bbefore\s))(?P<y_year>" + _Y4 + r")\b)"
    r"|(?P<rel_end>the\s(?:end|close)\sof\s(?:the\s|this\s)?(?P<rel_fiscal>fiscal\s|calendar\s)?year\b(?!\s?(?:\(FY\)\s)?\d))"
    r"|(?P<rel_later>later\sthis\s(?P<rel_later_fiscal>fiscal\s)?year\b)"
    r"|(?P<rel_within>(?:within|in)\s(?:the\snext\s)?(?P<rel_n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen)\s(?P<rel_unit>months?|years?)\b))",
    re.IGNORECASE,
)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18}

# Words of the agency's intent or expectation, before the period in the same sentence.
_CUE = re.compile(  # case-sensitive: "Hiring Plan" is a name, "plans to" a cue
    r"\b(?:will|would|shall|plans?|planned|planning|expects?|expected|expecting|expectation|anticipates?|"
    r"anticipated|anticipating|estimates?|estimated|estimating|intends?|intended|intending|targets?|targeted|"
    r"scheduled|slated|projects?|projected|aims?|goal|on\strack|should|timeline|timeframe|time\sframe|"
    r"committed|commits|to\sbe\s(?:completed|complete|finalized|issued|implemented)|completion\sdate|due)\b",
)
# GAO as the subject of the cue: "We are monitoring ... and plan to follow up in ...", "GAO will ..."
_GAO_SUBJECT = re.compile(r"\b(?:[Ww]e|GAO)\b(?:(?!\b(?:said|stated|told|noted|reported|that|which|officials)\b)[^.]){0,100}$")
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
_ANCHOR = re.compile(r"\d\d|[Yy]ear|[Mm]onth")  # cheap on purpose: the pattern itself decides
_WORD = re.compile(r"(?<![\w])\w+")
_STARTS = frozenset(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october "
    "nov november dec december the first second third fourth 1st 2nd 3rd 4th q1 q2 q3 q4 1q 2q 3q 4q fiscal early "
    "mid late calendar spring summer fall autumn winter later within in".split())
_REACH = 52  # the longest lead-in before an anchor: "the fourth quarter of the fiscal year (FY) "


def _starts_time(word: str) -> bool:
    w = word.lower()
    return w in _STARTS or w[:2] in ("fy", "cy") or (w.isdigit() and len(w) == 4 and w[:2] in ("19", "20"))


def _times(sentence: str):
    """The time expressions of a sentence, left to right, not overlapping."""
    done = 0  # end of the last match
    for a in _ANCHOR.finditer(sentence):
        if a.end() <= done:
            continue
        for w in _WORD.finditer(sentence, max(done, a.start() - _REACH), a.end()):
            if w.start() < done or not _starts_time(w.group()):
                continue
            m = _TIME.match(sentence, w.start())
            if m:
                done = m.end()
                yield m


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

    def to_json(self) -> dict:
        return {"due": self.due.isoformat(), "phrase": self.phrase, "sentence": self.sentence,
                "kind": self.kind, "stated": self.stated.isoformat() if self.stated else None,
                "current": self.current, "confidence": self.confidence}


@dataclass(frozen=True)
class _Period:
    due: date
    first: date  # the first day of the period (a statement made "in March 2024" -> Mar 1)
    kind: str
    confidence: float


def _year(s: str) -> int:
    return cal.full_year(int(s))


def _month(s: str) -> int:
    return cal.MONTHS[s.rstrip(".").lower()[:4] if s.lower().startswith("sept") else s.rstrip(".").lower()[:3]]


def period_of(m: re.Match, stated: date | None) -> _Period | None:
    """The period a time expression names; None when it cannot be placed."""
    g = m.groupdict()
    try:
        if g["date"]:
            d = date(int(g["d_year"]), _month(g["d_mon"]), int(g["d_day"]))
            return _Period(d, d, "date", 0.95)
        if g["fq"] or g["fq2"] or g["fq3"]:
            if g["fq"]:
                q = cal.ORDINALS[re.search(_ORD, m.group(0), re.I).group(1).lower()]
                y = _year(g["fq_year"])
            elif g["fq2"]:
                q, y = int(g["fq2_q"] or g["fq2_q2"]), _year(g["fq2_year"])
            else:
                q, y = int(g["fq3_q"]), _year(g["fq3_year"])
            end = cal.fiscal_quarter_end(y, q)
            return _Period(end, date(end.year, end.month - 2, 1), "fiscal quarter", 0.9)
        if g["fh"]:
            h = 1 if g["fh_h"].lower() == "first" else 2
            end = cal.fiscal_half_end(_year(g["fh_year"]), h)
            return _Period(end, _first_of_months_back(end, 6), "fiscal half", 0.85)
        if g["q"]:
            end = cal.quarter_end(_year(g["q_year"]), cal.ORDINALS[g["q_q"].lower()])
            return _Period(end, _first_of_months_back(end, 3), "quarter", 0.9)
        if g["h"]:
            end = cal.half_end(_year(g["h_year"]), 1 if g["h_h"].lower() == "first" else 2)
            return _Period(end, _first_of_months_back(end, 6), "half", 0.85)
        if g["fys"]:
            y = _year(g["fys_year"])
            return _Period(cal.fiscal_year_end(y), cal.fiscal_year_start(y), "fiscal year", 0.8)
        if g["fy"]:
            y = _year(g["fy_year"])
            mod = (g["fy_mod"] or "").lower()
            end = {"early": date(y - 1, 12, 31), "mid": date(y, 5, 31)}.get(mod, cal.fiscal_year_end(y))
            return _Period(end, cal.fiscal_year_start(y), "fiscal year", 0.6 if mod else 0.9)
        if g["cy"]:
            y = _year(g["cy_year"])
            return _Period(date(y, 12, 31), date(y, 1, 1), "calendar year", 0.9)
        if g["season"]:
            end = cal.season_end(g["s_name"], int(g["s_year"]))
            return _Period(end, _first_of_months_back(end, 3), "season", 0.85)
        if g["month"]:
            y, mo = int(g["m_year"]), _month(g["m_mon"])
            return _Period(cal.month_end(y, mo), date(y, mo, 1), "month", 0.95)
        if g["part"]:
            y = int(g["p_year"])
            end = {"early": date(y, 4, 30), "mid": date(y, 8, 31)}.get(g["p_mod"].lower(), date(y, 12, 31))
            return _Period(end, date(y, 1, 1), "calendar year", 0.6)
        if g["year"]:
            y = int(g["y_year"])
            return _Period(date(y, 12, 31), date(y, 1, 1), "calendar year", 0.75)
        if stated is None:
            return None  # relative periods need the date of their statement
        if g["rel_end"]:
            if (g["rel_fiscal"] or "").lower().startswith("fiscal"):
                y = cal.fiscal_year_of(stated)
                return _Period(cal.fiscal_year_end(y), cal.fiscal_year_start(y), "relative", 0.75)
            return _Period(date(stated.year, 12, 31), date(stated.year, 1, 1), "relative", 0.75)
        if g["rel_later"]:
            if g["rel_later_fiscal"]:
                y = cal.fiscal_year_of(stated)
                return _Period(cal.fiscal_year_end(y), stated, "relative", 0.7)
            return _Period(date(stated.year, 12, 31), stated, "relative", 0.7)
        if g["rel_within"]:
            n = g["rel_n"].lower()
            n = int(n) if n.isdigit() else _NUMBERS[n]
            months = n * 12 if g["rel_unit"].lower().startswith("year") else n
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

def normalize(comment: str) -> str:
    """GAO's quirks: entities, no-break spaces, en dashes, "?" where "§" was lost."""
    import html

    s = html.unescape(comment) if "&" in comment else comment
    s = s.replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ")
    s = re.sub(r"[–—]", "-", s)
    return re.sub(r"[ \t]+", " ", s)


def _classify(sentence: str, m: re.Match) -> str:
    """'statement', 'promise' or 'other' for one time expression in its sentence."""
    pre = sentence[max(0, m.start() - WINDOW):m.start()]
    post = sentence[m.end():m.end() + 60]
    phrase = m.group(0)
    tail = pre[-60:]
    if _STATEMENT_AFTER.match(post) or re.search(r"\bdated\s+$", tail, re.I):
        return "statement"
    if _OPENER.search(tail) and post.lstrip().startswith(","):
        if not re.search(r"\b[Bb]y\s+$", tail):
            return "statement"
    if re.search(r"\bas\s+of\s+$", tail, re.I):
        return "statement"
    if post.lstrip().startswith(",") and not _CUE.search(pre) and re.search(
            r"\b(?:officials?|staff|representatives|management|leadership|spokespersons?)\s+(?:in|on)\s+$", tail):
        return "statement"  # "According to Coast Guard officials in June 2023, the agency ..."
    if _REPORT_AFTER.match(post):
        return "other"
    if _START_BEFORE.search(tail):
        return "other"
    if m.group("rel_within") and re.search(r"\bof\s+(?:the\s)?\w+", post[:20]) and not m.group("rel_within").lower().startswith("in "):
        return "other"  # "within 1 year of the primary completion date": anchored to an unknown event
    cue = None
    for c in _CUE.finditer(pre):
        cue = c
    if cue is None:
        return "other"
    before_cue = pre[max(0, cue.start() - 120):cue.start()]
    if _GAO_SUBJECT.search(before_cue):
        return "other"  # GAO's own plans: "we will follow up in ..."
    between = pre[cue.end():]
    # a past event closer to the period than the cue: "... completed its design in the 4th quarter of 2025"
    if _PAST_RIGHT_BEFORE.search(between[-80:]) and not _FUTURE_NEAR.search(between[-80:]):
        return "other"
    if re.search(r"[;]|\b(?:but|however)\b", between) and not _FUTURE_NEAR.search(between):
        return "other"
    if re.search(r"\b(?:not|no\s+longer|never|n't)\b", pre[cue.start():]):
        return "other"  # "they would not continue the pilot in 2023"
    if _STATUTE.search(pre[-160:]) and not re.search(r"\b(?:plans?|planned|expects?|anticipates?|estimated|intends?)\b",
                                                     pre[-160:], re.I):
        return "other"  # statutory deadlines: "the act requires ... by ..."
    if phrase.lower().startswith(("within", "in ")) and m.group("rel_within") is None:
        return "other"
    return "promise"


@dataclass(frozen=True)
class Reading:
    """What a comment says: its promises (one marked current) and the dates of its statements."""
    promises: list[Promise]
    statements: list[date]

    @property
    def latest_statement(self) -> date | None:
        return max(self.statements) if self.statements else None


def read(comment: str | None) -> Reading:
    """Promises and statement dates of a comment, in one pass."""
    if not comment or not _ANCHOR.search(comment):
        return Reading([], [])  # no year, month or "year": nothing to find
    text = normalize(comment)
    found: list[Promise] = []
    statements: list[date] = []
    stated: date | None = None
    for offset, sentence in sentences(text):
        pending: list[re.Match] = []
        sentence_stated = stated
        for m in _times(sentence):
            kind = _classify(sentence, m)
            if kind == "statement":
                p = period_of(m, None)
                if p is not None:
                    sentence_stated = p.first
                    statements.append(p.first)
            elif kind == "promise":
                pending.append(m)  # placed once the sentence's statement date is known
        for m in pending:
            p = period_of(m, sentence_stated)
            if p is None or p.confidence < 0.5:
                continue
            found.append(Promise(due=p.due, phrase=m.group(0).strip(), sentence=sentence, kind=p.kind,
                                 stated=sentence_stated, confidence=p.confidence, start=offset + m.start()))
        stated = sentence_stated
    return Reading(mark_current(found), statements)


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
    return [replace(p, current=(i == best)) for i, p in enumerate(promises)]


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
