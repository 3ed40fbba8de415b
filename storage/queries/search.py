"""What a search query means, and the SQL that finds it (SQLite FTS5 or
PostgreSQL tsvector behind one interface).

A query is words and filters:

- words match word forms ("tariff" finds "Tariffs": FTS5's ``porter``
  tokenizer, PostgreSQL's ``english`` configuration) and, from three letters
  on, prefixes ("cyber" finds "cybersecurity"); a word that matches exactly
  scores for both its exact form and its prefix, so exact matches rank first.
  Numbers ("232") and hyphenated words ("OPS-306") match exactly.
- a report-number fragment ("20-692", "GAO-20-69") or the start of one with
  GAO's prefix ("GAO-2", "GAO-24", "GAO-24-") matches report numbers that
  start with it;
- filters: ``agency:CBP`` (a name fragment, an acronym or a known
  abbreviation), ``status:partial`` (a fragment of the status), ``priority``,
  ``overdue``, ``owner:@dana`` (the assigned owner or an ownership rule's).

Every word reaches the database quoted ("" inside for FTS5, only word
characters for tsquery): no user input is ever FTS or tsquery syntax."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, column, func, select, table, text
from sqlalchemy.orm import Session

from bot import people

from ..models import Assignment, Recommendation, Report

MAX_TERMS = 32
MIN_PREFIX = 3
WORD_RE = re.compile(r"\w+(?:[-'’.]\w+)*")
NUMBER_FRAGMENT_RE = re.compile(r"(?i)^(?:gao[-‐–]?)?(\d{2})[-‐–](\d{1,6}[a-z]{0,2})$")
# the start of a report number, written with GAO's prefix: "GAO-2", "GAO-24", "GAO-24-" (without the prefix, "24"
# is a number in the text and "24-1" the fragment above)
NUMBER_START_RE = re.compile(r"(?i)^gao[-‐–](\d{1,2})(?:([-‐–])(\d{0,6}[a-z]{0,2}))?$")
FILTER_RE = re.compile(r"(?i)^(agency|status|owner):(.+)$")
FLAGS = {"priority": "priority", "priority:yes": "priority", "is:priority": "priority",
         "overdue": "overdue", "is:overdue": "overdue"}
# Acronyms people type for agencies whose names do not spell them.
ABBREVIATIONS = {
    "cbp": "customs and border protection", "ice": "immigration and customs enforcement",
    "uscis": "citizenship and immigration", "tsa": "transportation security", "fema": "emergency management",
    "dhs": "homeland security", "dod": "defense", "irs": "internal revenue", "hhs": "health and human services",
    "cms": "medicare", "va": "veterans affairs", "ssa": "social security", "epa": "environmental protection",
    "faa": "aviation administration", "nasa": "aeronautics and space", "opm": "personnel management",
    "omb": "management and budget", "gsa": "general services", "doe": "department of energy",
    "dot": "department of transportation", "hud": "housing and urban", "usda": "agriculture",
    "doj": "justice", "dol": "department of labor", "sba": "small business", "fbi": "federal bureau of investigation",
    "state": "department of state", "treasury": "treasury", "usps": "postal service", "nih": "national institutes",
    "cdc": "disease control", "fda": "food and drug", "noaa": "oceanic and atmospheric",
}
_SMALL = {"and", "of", "the", "for", "on", "in", "&", "&amp;"}


@dataclass
class Query:
    terms: list[str] = field(default_factory=list)  # words and hyphenated phrases, as typed
    agencies: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # report-number prefixes, "GAO-20-692"
    priority: bool = False
    overdue: bool = False

    @property
    def has_filters(self) -> bool:
        return bool(self.agencies or self.statuses or self.owners or self.numbers or self.priority or self.overdue)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.has_filters


def parse(query: str) -> Query:
    """Split a query into words and filters (never raises)."""
    out = Query()
    for token in " ".join((query or "").split())[:500].split(" "):
        if not token:
            continue
        low = token.lower()
        if low in FLAGS:
            setattr(out, FLAGS[low], True)
            continue
        m = FILTER_RE.match(token)
        if m and m.group(2).strip(":"):
            {"agency": out.agencies, "status": out.statuses, "owner": out.owners}[m.group(1).lower()].append(
                m.group(2))
            continue
        m = NUMBER_FRAGMENT_RE.match(token.strip(".,;:()"))
        if m:
            out.numbers.append(f"GAO-{m.group(1)}-{m.group(2).upper()}")
            continue
        m = NUMBER_START_RE.match(token.strip(".,;:()"))
        if m:
            year, dash, rest = m.group(1), m.group(2), m.group(3) or ""
            out.numbers.append(f"GAO-{year}" + ("-" + rest.upper() if dash and len(year) == 2 else ""))
            continue
        out.terms += WORD_RE.findall(token)
    out.terms = out.terms[:MAX_TERMS]
    return out


def _prefixable(term: str) -> bool:
    """Whole alphabetic words of three letters or more also match as prefixes."""
    return len(term) >= MIN_PREFIX and term.isalpha()


def fts5_match(terms: list[str], *, rank: bool = True) -> str | None:
    """An FTS5 MATCH expression: every term required; each quoted ("" inside); a word of three letters or more
    as ``("word" OR "word"*)`` so its exact form scores twice (rank=False: ``"word"*`` alone, the same rows,
    read faster, for counting and filtering)."""
    parts = []
    for t in terms[:MAX_TERMS]:
        quoted = '"' + t.replace('"', '""') + '"'
        if _prefixable(t):
            parts.append(f"({quoted} OR {quoted}*)" if rank else f"{quoted}*")
        else:
            parts.append(quoted)
    return " AND ".join(parts) or None


def pg_tsquery(terms: list[str]) -> str | None:
    """A to_tsquery('english', ...) text built only from word characters: each word quoted, ``'w' | 'w':*`` for
    words of three letters or more, hyphenated words as phrases (<->); all terms required."""
    parts = []
    for t in terms[:MAX_TERMS]:
        pieces = [p for p in re.split(r"\W+", t) if p]
        if not pieces:
            continue
        if len(pieces) == 1 and _prefixable(pieces[0]):
            parts.append(f"('{pieces[0]}' | '{pieces[0]}':*)")
        else:
            parts.append("(" + " <-> ".join(f"'{p}'" for p in pieces) + ")")
    return " & ".join(parts) or None


# -- filters --------------------------------------------------------------------

def _acronyms(name: str) -> set[str]:
    out = set()
    for part in re.split(r"[:,;()]", name):
        words = [w for w in re.findall(r"[A-Za-z&]+", part) if w.lower() not in _SMALL]
        if len(words) >= 2:
            acr = "".join(w[0] for w in words).lower()
            out.add(acr)
            if acr.startswith("us"):
                out.add(acr[2:])  # "United States Customs and Border Protection" is CBP
    return out


def agency_names(session: Session, value: str) -> list[str]:
    """The stored agency names a filter value means: a fragment of the name, its acronym, or a known
    abbreviation."""
    v = " ".join(value.replace("_", " ").split()).casefold().strip("\"'")
    if not v:
        return []
    known = ABBREVIATIONS.get(v)
    names = [a for a in session.scalars(select(Recommendation.agency).distinct()) if a]
    out = []
    for name in names:
        low = name.casefold()
        if (known and known in low) or v in _acronyms(name) or (
                len(v) >= 3 and not v.isupper() and v in low
                and (len(v) > 4 or re.search(rf"\b{re.escape(v)}", low))):
            out.append(name)
    return out


def _owner_ids(session: Session, value: str, rules: list[dict]) -> list[str]:
    """An owner id ("who" token, bot/people.py), else the known owners whose id holds the value."""
    owner = people.owner_id(value)
    if owner:
        return [owner]
    name = value.lstrip("@").casefold()
    if not name:
        return []
    known = (set(session.scalars(select(Assignment.owner).distinct()))
             | {r.get("owner") for r in rules if r.get("owner")})
    return sorted(o for o in known if o and name in o.casefold())


def owner_where(session: Session, owners: list[str], rules: list[dict]):
    """Assigned to one of these owners, or unassigned and given to one of them by an ownership rule."""
    where = Recommendation.id.in_(select(Assignment.recommendation_id).where(Assignment.owner.in_(owners or [""])))
    unassigned = Recommendation.id.not_in(select(Assignment.recommendation_id))
    for rule in rules:
        if rule.get("owner") not in owners:
            continue
        if rule.get("agency"):
            where = where | (unassigned & (func.lower(Recommendation.agency) == rule["agency"].casefold()))
        elif rule.get("query"):
            where = where | (unassigned & matching(session, parse(rule["query"]), rules=[]))
    return where


def filters_where(session: Session, q: Query, *, as_of: date | None = None, rules: list[dict] | None = None):
    """The filters as one WHERE clause on recommendations (joined with reports when a number is named), or None."""
    rules = rules or []
    where = None

    def add(clause):
        nonlocal where
        where = clause if where is None else where & clause

    for value in q.agencies:
        add(Recommendation.agency.in_(agency_names(session, value) or [""]))
    for value in q.statuses:
        add(func.lower(Recommendation.status).contains(value.casefold().replace("_", " "), autoescape=True))
    for value in q.owners:
        add(owner_where(session, _owner_ids(session, value, rules), rules))
    for number in q.numbers:
        starts: ColumnElement[bool]
        if session.get_bind().dialect.name == "sqlite":  # a range the index answers (LIKE would scan)
            starts = (Report.number >= number) & (Report.number < number + "\uffff")
        else:
            starts = Report.number.startswith(number, autoescape=True)
        add(Recommendation.report_id.in_(select(Report.id).where(starts)))
    if q.priority:
        add(Recommendation.priority.is_(True))
    if q.overdue:
        from ..repo import _overdue_where

        add(_overdue_where(as_of or date.today()))
    return where


# -- finding ---------------------------------------------------------------------

_FTS = table("recommendations_fts", column("rowid"))
_PG = table("recommendation_search", column("recommendation_id"), column("document"))
BM25 = "bm25(recommendations_fts, 10.0, 8.0, 4.0, 2.0, 2.0, 1.0)"


def _text_match(session: Session, terms: list[str], joined: bool):
    """(select of matching ids, rank order, newest-first order) or None when no term is searchable. Without
    filters (joined=False) SQLite reads the FTS table alone; newest first is its rowid order (no sort)."""
    if session.get_bind().dialect.name == "sqlite":
        match = fts5_match(terms, rank=False)
        if match is None:
            return None

        def base(m):
            where = text("recommendations_fts MATCH :fq").bindparams(fq=m)
            if joined:
                return select(Recommendation.id).select_from(
                    Recommendation.__table__.join(_FTS, _FTS.c.rowid == Recommendation.id)).where(where)
            return select(_FTS.c.rowid).where(where)
        return base(match), text(BM25), _FTS.c.rowid.desc(), base(fts5_match(terms))
    tsq = pg_tsquery(terms)
    if tsq is None:
        return None
    pg_base = (select(Recommendation.id).select_from(
        Recommendation.__table__.join(_PG, _PG.c.recommendation_id == Recommendation.id))
        .where(text("recommendation_search.document @@ to_tsquery('english', :tq)").bindparams(tq=tsq)))
    rank = text("ts_rank(recommendation_search.document, to_tsquery('english', :tq)) DESC").bindparams(tq=tsq)
    return pg_base, rank, Recommendation.id.desc(), pg_base


def find_ids(session: Session, q: Query, limit: int, offset: int, *, count_cap: int, rank_cap: int,
             as_of: date | None = None, rules: list[dict] | None = None) -> tuple[list[int], int]:
    """A page of matching ids, best first, and the total (counted up to count_cap + 1). Words rank by bm25 /
    ts_rank (up to rank_cap matches; beyond, newest first); filters alone list priority first, then by due date."""
    where = filters_where(session, q, as_of=as_of, rules=rules)
    if q.terms and where is None and session.get_bind().dialect.name == "sqlite":
        return _words_only(session, q.terms, limit, offset, count_cap=count_cap, rank_cap=rank_cap)
    if q.terms:
        found = _text_match(session, q.terms, joined=where is not None)
        if found is None:
            return [], 0
        base, rank, newest_first, ranked = found
        tie = _FTS.c.rowid if session.get_bind().dialect.name == "sqlite" and where is None else Recommendation.id
    else:
        if where is None:
            return [], 0
        base, rank, newest_first, tie = select(Recommendation.id), None, Recommendation.id.desc(), Recommendation.id
        ranked = base
    if where is not None:
        base, ranked = base.where(where), ranked.where(where)
    if rank is None:  # filters alone: the count unordered (the planner may use any index), then the page
        total = session.scalar(select(func.count()).select_from(base.limit(count_cap + 1).subquery())) or 0
        order = (Recommendation.priority.desc(), Recommendation.current_due.is_(None), Recommendation.current_due,
                 Recommendation.id)
        return list(session.execute(base.order_by(*order).limit(limit).offset(offset)).scalars()), total
    # words: up to count_cap + 1 matches in the index's own order (newest first, no sort): the count, and the
    # page when there are too many to rank
    newest = session.execute(base.order_by(newest_first).limit(count_cap + 1)).scalars().all()
    total = len(newest)
    if total > rank_cap:
        return list(newest[offset:offset + limit]), total
    return list(session.execute(ranked.order_by(rank, tie).limit(limit).offset(offset)).scalars()), total


# Words alone on SQLite (most queries): the FTS table read by statements built once.
_NEWEST_SQL = "SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
_RANKED = text(f"SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH :fq ORDER BY {BM25}, rowid "
               "LIMIT :n OFFSET :o")


def _words_only(session: Session, terms: list[str], limit: int, offset: int, *, count_cap: int,
                rank_cap: int) -> tuple[list[int], int]:
    """find_ids for words without filters on SQLite: the same ids and total as the general path."""
    match = fts5_match(terms, rank=False)
    if match is None:
        return [], 0
    conn = session.connection()
    # up to 1,001 plain integers: read by the driver itself (SQLAlchemy's row handling costs ~2 ms for them)
    raw = conn.connection.driver_connection  # the sqlite3 connection
    assert raw is not None
    newest = [r[0] for r in raw.execute(_NEWEST_SQL, (match, count_cap + 1))]
    total = len(newest)
    if total > rank_cap or not total:
        return newest[offset:offset + limit], total
    return list(conn.execute(_RANKED, {"fq": fts5_match(terms), "n": limit, "o": offset}).scalars()), total


def matching(session: Session, q: Query, *, as_of: date | None = None, rules: list[dict] | None = None):
    """A WHERE clause: recommendations matching the query's words and filters (any number of them)."""
    where = filters_where(session, q, as_of=as_of, rules=rules)
    if q.terms:
        if session.get_bind().dialect.name == "sqlite":
            match = fts5_match(q.terms, rank=False)
            ids = match and text("SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH :fq"
                                 ).bindparams(fq=match)
        else:
            tsq = pg_tsquery(q.terms)
            ids = tsq and text("SELECT recommendation_id FROM recommendation_search "
                               "WHERE document @@ to_tsquery('english', :tq)").bindparams(tq=tsq)
        clause = Recommendation.id.in_(ids) if ids is not None else Recommendation.id == -1
        where = clause if where is None else where & clause
    return Recommendation.id == -1 if where is None else where
