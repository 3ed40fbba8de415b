"""Queries and the import upsert. Full-text search (SQLite FTS5 or PostgreSQL
tsvector) sits behind one ``search()``.

Import rules: one transaction; identity is report + recommendation number
(+ agency where GAO lists one recommendation under several agencies); a
report known only by title merges with the numbered one when a later import
brings the number; nothing is ever deleted; a cut comment never replaces the
full one it is a prefix of; every change of status or comments is a status
event; promises are re-extracted and a moved due date is a slip.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Table, bindparam, case, delete, func, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from bot.gao import effective as ge
from bot.gao import promises as gp
from bot.gao.calendar import local_day
from bot.gao.targets import with_target
from bot.gao.records import (
    OPEN_STATUSES, ParseResult, normalize_agency, normalize_report_number, normalize_title, report_url,
)
from bot.gao.records import Recommendation as ParsedRec

from .db import Database
from .queries import corrections
from .queries import overdue as overdue_rule
from .types import as_utc, iso_z, utc
from .types import utcnow as utcnow  # repo.utcnow(): aware UTC now (kept for callers of the old name)
from .models import (
    Assignment, AuditEvent, ImportRun, ProcessedEvent, Promise, Recommendation, Report, Slip, StatusEvent, Subscription,
)

KEY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/1/i/l/o: keys are read aloud and typed
KEY_RE = re.compile(r"^[2-9a-hjkmnp-z]{5,8}$")


class ImportRefused(ValueError):
    """The import would store nothing (zero recommendations); the database is unchanged."""


# -- views -------------------------------------------------------------------

@dataclass
class RecView:
    id: int
    key: str
    report_number: str | None
    report_title: str | None
    report_published: date | None
    rec_number: int | None
    agency: str
    status: str | None
    priority: bool
    text: str | None
    comments: str | None
    comments_cut: bool
    url: str | None
    topics: list[str]
    first_seen: datetime
    last_changed: datetime | None
    current_due: date | None
    status_date: date | None
    promises: list[gp.Promise] = field(default_factory=list)
    slips: list[dict] = field(default_factory=list)
    status_events: list[dict] = field(default_factory=list)
    owner: str | None = None  # Slack user id, or "subteam:S…" for a user group
    owner_source: str | None = None  # "assigned", "rule" or None (bot/services/owners.py resolves it)
    owner_rule: str | None = None  # which rule gave the owner ("rule 1: agency …")
    acknowledged: dict | None = None  # the latest acknowledgement {by, at, note} (bot/services/cards.py)
    snoozed_until: datetime | None = None  # a snooze in force (aware UTC)
    snoozed_by: str | None = None
    snooze_reason: str | None = None
    last_reminded: datetime | None = None  # the latest reminder post (aware UTC)
    listed: bool = True  # the latest complete snapshot listed it (GAO lists only open recommendations)
    last_listed: date | None = None  # as-of of the last snapshot that listed it
    outcome: str | None = None  # implemented / not-implemented / open: an owner's word once GAO stopped listing it
    as_of: date | None = None  # the GAO snapshot its status and comment come from
    issuer: str = "gao"  # "gao" or "oig"
    target_due: date | None = None
    questioned_costs: float | None = None
    funds_for_better_use: float | None = None
    justification: str | None = None
    decision: ge.Decision | None = None  # the owner's latest word on the promise (it holds while the comment does)
    kind: str = "recommendation"  # or "matter" (for Congress)
    rec_label: str | None = None  # GAO's label when not an integer ("19-01")

    @property
    def current_promise(self) -> gp.Promise | None:
        return gp.current(self.promises)

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_tracked(self) -> bool:
        """Open and still listed by GAO (or said to be still open once GAO stopped listing it)."""
        return overdue_rule.tracked(self.status, self.listed, self.outcome)

    def days_overdue(self, as_of: date) -> int | None:
        """Days since the current promise passed without a status change, or None (the one rule:
        storage/queries/overdue.py)."""
        return overdue_rule.days_overdue(status=self.status, listed=self.listed, outcome=self.outcome,
                                         current_due=self.current_due, status_date=self.status_date, as_of=as_of)


_VIEW_COLUMNS = (
    Recommendation.id, Recommendation.key, Report.number, Report.title, Report.published, Recommendation.number,
    Recommendation.agency, Recommendation.status, Recommendation.priority, Recommendation.text,
    Recommendation.comments, Recommendation.comments_cut, Report.url, Recommendation.topics,
    Recommendation.first_seen, Recommendation.last_changed, Recommendation.current_due, Recommendation.status_date,
    Recommendation.listed, Recommendation.last_listed, Recommendation.outcome, Recommendation.as_of,
    Recommendation.issuer, Recommendation.target_due, Recommendation.questioned_costs,
    Recommendation.funds_for_better_use, Recommendation.justification,
    Recommendation.kind, Recommendation.label,
)


def _view(r) -> RecView:
    return RecView(id=r[0], key=r[1], report_number=r[2], report_title=r[3], report_published=r[4], rec_number=r[5],
                   agency=r[6], status=r[7], priority=bool(r[8]), text=r[9], comments=r[10], comments_cut=bool(r[11]),
                   url=r[12] or report_url(r[2]), topics=[t for t in (r[13] or "").split("; ") if t],
                   first_seen=r[14], last_changed=r[15], current_due=r[16], status_date=r[17],
                   listed=r[18] is not False, last_listed=r[19], outcome=r[20], as_of=r[21], issuer=r[22] or "gao",
                   target_due=r[23], questioned_costs=r[24], funds_for_better_use=r[25], justification=r[26],
                   kind=r[27] or "recommendation", rec_label=r[28])


# Statements built once (Core, no ORM identity map): a request executes them with its ids, and SQLAlchemy's
# compiled cache finds them at once. Building a select costs about a millisecond; executing one ~0.1 ms.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_P, _S, _A, _E = Promise.__table__.c, Slip.__table__.c, Assignment.__table__.c, StatusEvent.__table__.c
_VIEWS_FROM = select(*_VIEW_COLUMNS).join(Report, Report.id == Recommendation.report_id)
_VIEWS_BY_IDS = _VIEWS_FROM.where(Recommendation.id.in_(_IDS))
_VIEW_BY_KEY = _VIEWS_FROM.where(Recommendation.key == bindparam("key"))
_PROMISES = (select(_P.recommendation_id, _P.due, _P.phrase, _P.sentence, _P.kind, _P.stated, _P.confidence,
                    _P.current, _P.why).where(_P.recommendation_id.in_(_IDS))
          .order_by(_P.recommendation_id, _P.position))
_SLIPS = (select(_S.recommendation_id, _S.old_due, _S.new_due, _S.observed_at).where(_S.recommendation_id.in_(_IDS))
          .order_by(_S.id))
_OWNERS = select(_A.recommendation_id, _A.owner).where(_A.recommendation_id.in_(_IDS))
_EVENTS = (select(_E.recommendation_id, _E.observed_at, _E.old_status, _E.new_status, _E.old_comments,
                  _E.new_comments, _E.as_of, _E.kind).where(_E.recommendation_id.in_(_IDS)).order_by(_E.id))


def _views(session: Session, where, order=None, limit: int | None = None, *, detail: bool = False,
           offset: int = 0) -> list[RecView]:
    q = _VIEWS_FROM.where(where)
    if order is not None:
        q = q.order_by(*order) if isinstance(order, (list, tuple)) else q.order_by(order)
    if limit:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    views = [_view(r) for r in session.connection().execute(q)]
    _attach(session, views, detail=detail)
    return views


def _views_by_ids(session: Session, ids: Collection[int]) -> list[RecView]:
    """These recommendations, in this order (ids not found are left out), with what lists and cards need."""
    if not ids:
        return []
    conn = session.connection()
    by_id: dict[int, RecView] = {}
    for chunk in _chunks(list(ids), 500):
        by_id.update((r[0], _view(r)) for r in conn.execute(_VIEWS_BY_IDS, {"ids": chunk}))
    views = [by_id[i] for i in ids if i in by_id]
    _attach(session, views, detail=False)
    return views


def _attach(session: Session, views: list[RecView], *, detail: bool) -> None:
    if not views:
        return
    conn = session.connection()
    by_id = {v.id: v for v in views}
    ids = list(by_id)
    decisions = corrections.any_exist(session)
    for chunk in _chunks(ids, 500):
        params = {"ids": chunk}
        for rec_id, due, phrase, sentence, kind, stated, confidence, current, why in conn.execute(_PROMISES, params):
            by_id[rec_id].promises.append(gp.Promise(
                due=due, phrase=phrase, sentence=sentence, kind=kind, stated=stated, confidence=confidence,
                current=current, why=why or ""))
        for rec_id, decision in (corrections.latest(session, chunk) if decisions else {}).items():
            by_id[rec_id].decision = decision
        for rec_id, old_due, new_due, observed_at in conn.execute(_SLIPS, params):
            by_id[rec_id].slips.append({
                "old_due": old_due.isoformat(), "new_due": new_due.isoformat() if new_due else None,
                "observed_at": iso_z(observed_at)})
        for rec_id, owner in conn.execute(_OWNERS, params):
            by_id[rec_id].owner = owner
            by_id[rec_id].owner_source = "assigned"
        for rec_id in chunk:  # the owner's word, if it holds, makes the current promise
            v = by_id[rec_id]
            # a SourcedPromise stands in for the Promise it wraps (its fields through __getattr__)
            v.promises = cast(list[gp.Promise], list(ge.effective(v.promises, v.decision, v.comments)))
        if detail:
            for rec_id, observed_at, old_status, new_status, old_comments, new_comments, as_of, kind in conn.execute(
                    _EVENTS, params):
                by_id[rec_id].status_events.append({
                    "observed_at": iso_z(observed_at), "old_status": old_status, "new_status": new_status,
                    "old_comments": old_comments, "new_comments": new_comments,
                    "as_of": as_of.isoformat() if as_of else None, "kind": kind or "change"})
            for v in by_id.values():  # in their true order: by the snapshot each comes from
                v.status_events.sort(key=lambda e: e["as_of"] or (e["observed_at"] or "")[:10])


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


# -- reads -------------------------------------------------------------------

def get(session: Session, key: str) -> RecView | None:
    row = session.connection().execute(_VIEW_BY_KEY, {"key": key.strip().lower()}).first()
    if row is None:
        return None
    views = [_view(row)]
    _attach(session, views, detail=True)
    return views[0]


def by_report(session: Session, number: str, limit: int = 50) -> list[RecView]:
    return _views(session, Report.number == number, order=(Recommendation.number, Recommendation.id), limit=limit)


def exact_report_number(q: str) -> str | None:
    """'GAO-23-105255' (the whole query, any case or dash) -> the normalized number; anything else None."""
    return normalize_report_number(q) if re.fullmatch(r"(?i)gao[-‐–]?\d{2}[-‐–]\d{1,6}[a-z]{0,2}", q) else None


def fts_query(query: str) -> str | None:
    """A user's words as an FTS5 query that cannot raise a syntax error: each
    term quoted ("" inside), all terms required."""
    terms = re.findall(r"\w+(?:[-'’.]\w+)*", query)
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms[:32])


_COUNT_BY_NUMBER = (select(func.count()).select_from(Recommendation).join(Report)
                    .where(Report.number == bindparam("number")))


def search(session: Session, query: str, limit: int = 20, offset: int = 0, *, as_of: date | None = None,
           rules: list[dict] | None = None) -> tuple[list[RecView], int]:
    """Words (word forms, prefixes) ranked by bm25 / ts_rank, and filters (storage.queries.search); a key or
    report number is looked up exactly. Returns (page, total)."""
    q = " ".join(query.split())[:500]
    if not q:
        return [], 0
    if KEY_RE.match(q.lower()):
        v = get(session, q)
        if v is not None:
            return [v], 1
    number = exact_report_number(q)
    if number:
        total = session.connection().execute(_COUNT_BY_NUMBER, {"number": number}).scalar() or 0
        if total:
            views = _views(session, Report.number == number, order=(Recommendation.number, Recommendation.id),
                           limit=limit + offset)
            return views[offset:], total
    ids, total = _fts_ids(session, q, limit, offset, as_of=as_of, rules=rules)
    if not ids:
        return [], total
    return _views_by_ids(session, ids), total


COUNT_CAP = 1000  # totals above this are reported as COUNT_CAP + 1 ("more than 1,000")
RANK_CAP = 1000  # more matches than this: newest first instead of bm25 (ranking costs a few µs per match)


def format_total(total: int) -> str:
    return f"more than {COUNT_CAP:,}" if total > COUNT_CAP else f"{total:,}"


def _fts_ids(session: Session, q: str, limit: int, offset: int, *, as_of: date | None = None,
             rules: list[dict] | None = None) -> tuple[list[int], int]:
    from .queries import search as sq

    return sq.find_ids(session, sq.parse(q), limit, offset, count_cap=COUNT_CAP, rank_cap=RANK_CAP, as_of=as_of,
                       rules=rules)


def _overdue_where(as_of: date):
    return overdue_rule.overdue_where(as_of)


def _page(session: Session, where, order, limit: int | None, offset: int, query: str | None) -> list[RecView]:
    """A page of records: ids first from recommendations alone (index order, no join), then the page loaded."""
    if query:
        where = where & _matching(session, query)
    q = select(Recommendation.id).where(where).order_by(*order)
    if query:  # a report-number query names reports.number
        q = q.join(Report, Report.id == Recommendation.report_id)
    if limit:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    return _views_by_ids(session, list(session.scalars(q)))


def _count(session: Session, where, query: str | None) -> int:
    q = select(func.count()).select_from(Recommendation)
    if query:
        q = q.join(Report, Report.id == Recommendation.report_id)
        where = where & _matching(session, query)
    return session.scalar(q.where(where)) or 0


_AS_OF = bindparam("as_of", type_=Date)
def _overdue_page(status):
    """The page of overdue, read in the order of ix_recommendations_overdue_order (priority first, then due date,
    then id), which holds the whole rule, only until the page is full: no sort of every candidate."""
    return (select(Recommendation.id).where(overdue_rule.overdue_where(_AS_OF, status=status))
            .order_by(Recommendation.priority.desc(), Recommendation.current_due, Recommendation.id)
            .limit(bindparam("n")).offset(bindparam("o")))


# SQLite without statistics needs the status hidden from its planner (see passed_where); PostgreSQL, which has
# statistics, misjudges how many rows coalesce(status, '') keeps and would sort them all at deep pages.
_OVERDUE_PAGE = _overdue_page(Recommendation.status)
_OVERDUE_PAGE_SQLITE = _overdue_page(func.coalesce(Recommendation.status, ""))


def overdue(session: Session, as_of: date, query: str | None = None, limit: int | None = None,
            offset: int = 0) -> list[RecView]:
    """Open recommendations whose current promise passed before ``as_of`` with
    no status change since; priority first, then most overdue."""
    if not query and limit:
        page = _OVERDUE_PAGE_SQLITE if session.get_bind().dialect.name == "sqlite" else _OVERDUE_PAGE
        return _views_by_ids(session, [r[0] for r in session.connection().execute(
            page, {"as_of": as_of, "n": limit, "o": offset})])
    return _page(session, _overdue_where(as_of),
                 (Recommendation.priority.desc(), Recommendation.current_due, Recommendation.id), limit, offset, query)


def count_overdue(session: Session, as_of: date, query: str | None = None) -> int:
    return _count(session, _overdue_where(as_of), query)


def _unlisted_passed_where(as_of: date):
    return overdue_rule.unlisted_passed_where(as_of)


def _overdue_counts(as_of, query_where=None):
    """Both counts in one pass over what the overdue index finds (status open, promise passed). Each count tests
    only the rest of its rule (the WHERE holds the shared part): SQLite evaluates each test on every one of the
    ~24,000 index entries at 100k, and the full rules twice over cost 3x as much."""
    where = overdue_rule.open_and_passed_where(as_of)
    q = select(func.count(case((overdue_rule.unchanged_since_due_where() & overdue_rule.still_listed_where(), 1))),
               func.count(case((overdue_rule.unlisted_where(), 1))))
    if query_where is None:
        return q.select_from(Recommendation).where(where)
    return (q.select_from(Recommendation).join(Report, Report.id == Recommendation.report_id)
            .where(where & query_where))


_OVERDUE_COUNTS = _overdue_counts(_AS_OF)


def overdue_counts(session: Session, as_of: date, query: str | None = None) -> tuple[int, int]:
    """(count_overdue, count_unlisted_passed), read together."""
    if query:
        row = session.connection().execute(_overdue_counts(as_of, _matching(session, query))).one()
    else:
        row = session.connection().execute(_OVERDUE_COUNTS, {"as_of": as_of}).one()
    return row[0] or 0, row[1] or 0


def count_unlisted_passed(session: Session, as_of: date, query: str | None = None) -> int:
    """What would be overdue if GAO still listed it: said beside the overdue list, never counted in it."""
    return _count(session, _unlisted_passed_where(as_of), query)


def _matching(session: Session, query: str, *, as_of: date | None = None, rules: list[dict] | None = None):
    """A WHERE clause: recommendations matching a query (key, report number, or words and filters), any number."""
    from .queries import search as sq

    q = " ".join(query.split())[:500]
    if KEY_RE.match(q.lower()) and get(session, q) is not None:
        return Recommendation.key == q.lower()
    number = exact_report_number(q)
    if number:
        return Report.number == number
    return sq.matching(session, sq.parse(q), as_of=as_of, rules=rules)


def _due_where(start: date | BindParameter[date], end: date | BindParameter[date]):
    return (overdue_rule.tracked_where() & (Recommendation.current_due >= start)
            & (Recommendation.current_due <= end))


_START, _END = bindparam("start", type_=Date), bindparam("end", type_=Date)
_DUE_PAGE = (select(Recommendation.id).where(_due_where(_START, _END)).order_by(Recommendation.current_due,
                                                                             Recommendation.id)
             .limit(bindparam("n")).offset(bindparam("o")))
_DUE_COUNT = select(func.count()).select_from(Recommendation).where(_due_where(_START, _END))


def due_between(session: Session, start: date, end: date, query: str | None = None,
                limit: int | None = None, offset: int = 0) -> list[RecView]:
    if not query and limit:
        return _views_by_ids(session, session.connection().execute(
            _DUE_PAGE, {"start": start, "end": end, "n": limit, "o": offset}).scalars().all())
    return _page(session, _due_where(start, end), (Recommendation.current_due, Recommendation.id), limit, offset,
                 query)


def count_due(session: Session, start: date, end: date, query: str | None = None) -> int:
    if not query:
        return session.connection().execute(_DUE_COUNT, {"start": start, "end": end}).scalar() or 0
    return _count(session, _due_where(start, end), query)


def stats(session: Session, as_of: date) -> dict:
    by_status = dict(session.execute(select(Recommendation.status, func.count()).group_by(Recommendation.status)).all())
    return {
        "recommendations": sum(by_status.values()),
        "reports": session.scalar(select(func.count()).select_from(Report)) or 0,
        "by_status": {str(k): v for k, v in sorted(by_status.items(), key=lambda kv: str(kv[0]))},
        "priority": session.scalar(select(func.count()).select_from(Recommendation)
                                   .where(Recommendation.priority.is_(True))) or 0,
        "with_promise": session.scalar(select(func.count()).select_from(Recommendation)
                                       .where(Recommendation.current_due.is_not(None))) or 0,
        "overdue": count_overdue(session, as_of),
        "not_listed": session.scalar(select(func.count()).select_from(Recommendation).where(
            Recommendation.status.in_(OPEN_STATUSES), Recommendation.listed.is_(False))) or 0,
        "status_events": session.scalar(select(func.count()).select_from(StatusEvent)) or 0,
        "imports": session.scalar(select(func.count()).select_from(ImportRun)) or 0,
        "last_import": iso_z(session.scalar(select(func.max(ImportRun.started_at)))),
    }


# -- import ------------------------------------------------------------------

@dataclass
class SourceSummary:
    source: str
    format: str
    recommendations: int
    cut: int
    notes: list[str] = field(default_factory=list)
    duplicates: int = 0  # rows repeating an earlier row of the same source exactly (read once)
    as_of: date | None = None  # the snapshot's date: GAO's own, else --as-of, else the day of the import


@dataclass
class ImportSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    status_events: int = 0
    slips: int = 0
    import_id: int | None = None
    sources: list[SourceSummary] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for benchmarks
    threads_closed: int = 0  # reminder threads closed because GAO's record changed
    older: int = 0  # entries from a snapshot older than what their record already reflects: history only
    unlisted_keys: list[str] = field(default_factory=list)  # open, and no longer listed by a complete import
    relisted_keys: list[str] = field(default_factory=list)  # not listed before, listed again now
    notes_posted: int = 0  # reminder threads told that GAO no longer lists their recommendation

    def to_json(self) -> dict:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "status_events": self.status_events, "slips": self.slips, "import_id": self.import_id,
                "older": self.older, "unlisted": len(self.unlisted_keys), "relisted": len(self.relisted_keys),
                "sources": [{**s.__dict__, "as_of": s.as_of.isoformat() if s.as_of else None} for s in self.sources],
                "changed_keys": self.changed_keys, "unlisted_keys": self.unlisted_keys,
                "relisted_keys": self.relisted_keys}


_FIELDS = ("agency", "text", "status", "priority", "comments", "comments_cut", "topics", "issuer", "target_due",
           "questioned_costs", "funds_for_better_use")
_BOOKKEEPING = ("as_of", "listed", "last_listed", "outcome")  # not GAO's content: never "changed" by themselves


def _norm_space(s: str | None) -> str:
    return " ".join((s or "").split())


def _keep_longer(old: str | None, new: str | None) -> bool:
    """True when ``new`` is a cut of ``old`` (a strict prefix of it, spacing aside)."""
    if not old or not new:
        return False
    o, n = _norm_space(old), _norm_space(new)
    return len(n) < len(o) and o.startswith(n)


def _merge_older(cur: dict, rec: ParsedRec) -> dict:
    """An entry from a snapshot older than what the record reflects: it fills what is missing, never
    replaces status, comment or priority."""
    out = dict(cur)
    if rec.agency and not cur.get("agency"):
        out["agency"] = rec.agency
    if rec.text and not cur.get("text"):
        out["text"] = rec.text
    if rec.topics and not cur.get("topics"):
        out["topics"] = "; ".join(rec.topics)
    return out


def _differs(cur: dict, rec: ParsedRec) -> bool:
    """The entry says something else than the record about status or comment (a cut comment says nothing else)."""
    if rec.status and rec.status != cur.get("status"):
        return True
    if rec.comments is None or _keep_longer(cur.get("comments"), rec.comments):
        return False
    return _norm_space(rec.comments) != _norm_space(cur.get("comments"))


def _merge(cur: dict, rec: ParsedRec, authoritative_priority: bool) -> dict:
    out = dict(cur)
    if rec.agency and not cur.get("agency"):
        out["agency"] = rec.agency
    if rec.text and not _keep_longer(cur.get("text"), rec.text):
        out["text"] = rec.text
    if rec.status:
        out["status"] = rec.status
    if rec.comments is not None:
        if not _keep_longer(cur.get("comments"), rec.comments):
            out["comments"], out["comments_cut"] = rec.comments, rec.comments_cut
    out["priority"] = rec.priority if authoritative_priority else bool(cur.get("priority") or rec.priority)
    if rec.topics:
        out["topics"] = "; ".join(rec.topics)
    out["issuer"] = rec.issuer if rec.issuer != "gao" else cur.get("issuer") or "gao"
    for f in ("target_due", "questioned_costs", "funds_for_better_use"):  # only mapped sheets state these
        if getattr(rec, f) is not None:
            out[f] = getattr(rec, f)
    return out


def _make_key(seed: str, taken: set[str]) -> str:
    """A short key derived from the record's identity at creation, then never changed."""
    digest = hashlib.blake2b(seed.encode(), digest_size=20).digest()
    for length in (5, 6, 7, 8):
        for start in range(0, 12, 2):
            n = int.from_bytes(digest[start:start + 8], "big")
            chars = []
            for _ in range(length):
                n, r = divmod(n, 31)
                chars.append(KEY_ALPHABET[r])
            k = "".join(chars)
            if k not in taken and not k.isalpha() and not k.isdigit():
                taken.add(k)
                return k
    raise RuntimeError("no free key")  # pragma: no cover - 31^8 keys


def local_date(dt: datetime | None, tz: ZoneInfo) -> date | None:
    """The day an instant is in ``tz`` (the one rule: bot/gao/calendar.py: local_day)."""
    return local_day(as_utc(dt), tz) if dt is not None else None


def status_date_of(latest_statement: date | None, last_changed: datetime | None, tz: ZoneInfo) -> date | None:
    """The later of the latest statement in the comment and the last change gaorec observed."""
    dates = [d for d in (latest_statement, local_date(last_changed, tz)) if d is not None]
    return max(dates) if dates else None


def rec_ident(kind: str, number: int | None, label: str | None, agency_norm: str) -> str | None:
    """The identity of a numbered entry within its report: "3|agency" (unchanged
    since the first version), "19-01|agency", "matter 4|congress"; None when
    GAO gave it no number or label."""
    lab = str(number) if number is not None else label
    if lab is None:
        return None
    return f"matter {lab}|{agency_norm}" if kind == "matter" else f"{lab}|{agency_norm}"


def import_results(db: Database, results: list[ParseResult], *, now: datetime | None = None,
                   tz: ZoneInfo | str = "America/New_York",
                   progress: Callable[[int], None] | None = None, as_of: date | None = None,
                   complete: bool | Collection[str] = False, force: bool = False) -> ImportSummary:
    """Upsert parsed sources in one transaction. Raises ImportRefused (database
    unchanged) when no recommendation can be stored, or when a complete import
    would make more than a quarter of an agency's listed open recommendations
    "not listed" at once (unless ``force``).

    Every source is a snapshot with a date (``as_of`` given, else GAO's own, else
    the day of the import). Snapshots are applied oldest first; an entry older
    than what its record reflects changes no status or comment and is kept as a
    status event ("older"). ``complete``: the sources together list every open
    recommendation of each agency they name (or: the sources so named); the open
    ones of those agencies that no source lists become not listed."""
    now = utc(now)
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    today = local_date(now, tz)
    summary = ImportSummary()
    records: list[tuple[ParsedRec, bool, date | None, int]] = []
    for n_src, res in enumerate(results):
        notes = list(res.notes)
        placed = [r for r in res.recommendations if r.report.number or normalize_title(r.report.title)]
        if len(placed) < len(res.recommendations):
            notes.append(f"{len(res.recommendations) - len(placed)} without a report number or title, not stored")
        if res.cut:
            notes.append(f"{res.cut} cut off at the end of the input, not stored")
        snap = as_of or res.as_of or today
        summary.sources.append(SourceSummary(res.source, res.format, len(placed), res.cut, notes, as_of=snap,
                                             duplicates=res.duplicates))
        # an undated source is what GAO shows at the moment of import: never older than what is stored
        records += [(r, res.format.startswith("csv"), snap if as_of or res.as_of else None, n_src) for r in placed]
    records.sort(key=lambda t: t[2] or date.max)  # oldest snapshot first, so the newest has the last word (stable)
    if not records:
        why = "; ".join(f"{s.source}: {', '.join(s.notes) or 'no recommendations found'}" for s in summary.sources)
        raise ImportRefused(f"nothing imported: no whole recommendation to store ({why})")

    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now_ = time.perf_counter()
        summary.timings[stage] = summary.timings.get(stage, 0.0) + now_ - clock[0]
        clock[0] = now_

    with db.write() as s:
        conn = s.connection()
        # Reports
        reports: dict[int, dict] = {}
        by_number: dict[str, int] = {}
        by_title: dict[str, list[int]] = defaultdict(list)
        for row in conn.execute(select(Report.id, Report.number, Report.title, Report.title_norm, Report.published,
                                       Report.url, Report.director, Report.phone)).mappings():
            reports[row["id"]] = dict(row)
            if row["number"]:
                by_number[row["number"]] = row["id"]
            if row["title_norm"]:
                by_title[row["title_norm"]].append(row["id"])
        report_updates: dict[int, dict] = {}
        renumbered: set[int] = set()
        new_reports: list[dict] = []

        def resolve_report(r) -> int:
            tn = normalize_title(r.title)
            rid = by_number.get(r.number) if r.number else None
            if rid is None and tn:
                candidates = by_title.get(tn, [])
                if r.number:
                    unnumbered = [c for c in candidates if not reports[c]["number"]]
                    rid = unnumbered[0] if unnumbered else None
                    if rid is not None:  # the number arrives for a report known by title: merge
                        reports[rid]["number"] = r.number
                        by_number[r.number] = rid
                        renumbered.add(rid)
                elif candidates:
                    rid = max(candidates, key=lambda c: (reports[c]["published"] or date.min, c))
            if rid is None:  # inserted in bulk below; a negative id stands in until then
                values = {"number": r.number, "title": r.title, "title_norm": tn, "published": r.published,
                          "url": r.url or report_url(r.number), "director": r.director, "phone": r.phone}
                rid = -(len(new_reports) + 1)
                new_reports.append(values)
                reports[rid] = {"id": rid, **values, "_row": values}
                if r.number:
                    by_number[r.number] = rid
                if tn:
                    by_title[tn].append(rid)
                return rid
            cur = reports[rid]
            dirty = rid in renumbered
            for k, v in (("title", r.title), ("published", r.published), ("url", r.url or report_url(r.number)),
                         ("director", r.director), ("phone", r.phone)):
                if v and not cur.get(k):
                    cur[k] = v
                    dirty = True
                    if k == "title":
                        cur["title_norm"] = normalize_title(v)
            if dirty and rid > 0:
                report_updates[rid] = cur
            elif dirty:  # a report new in this import: its row is inserted with what we know by then
                cur["_row"].update({k: cur[k] for k in cur["_row"]})
            return rid

        lap("load")
        # Recommendations
        existing: dict[tuple[int, str], dict] = {}
        by_num: dict[tuple[int, str, str | None], list[tuple[int, str]]] = defaultdict(list)
        taken: set[str] = set()
        for row in conn.execute(select(
                Recommendation.id, Recommendation.key, Recommendation.report_id, Recommendation.ident,
                Recommendation.number, Recommendation.kind, Recommendation.label,
                *(getattr(Recommendation, f) for f in _FIELDS), Recommendation.last_changed,
                Recommendation.current_due, *(getattr(Recommendation, f) for f in _BOOKKEEPING))).mappings():
            d = dict(row)
            existing[(d["report_id"], d["ident"])] = d
            taken.add(d["key"])
            lab = str(d["number"]) if d["number"] is not None else d["label"]
            if lab is not None:
                by_num[(d["report_id"], d["kind"] or "recommendation", lab)].append((d["report_id"], d["ident"]))
        originals = {k: dict(v) for k, v in existing.items()}
        touched: dict[tuple[int, str], dict] = {}
        fresh: dict[tuple[int, str], dict] = {}
        # unnumbered entries: their ordinal within (source, report, agency); a copy of an entry keeps its ordinal
        ordinals: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)
        listed: dict[tuple[int, str, str | None], set[str]] = defaultdict(set)
        resolved = []
        for rec, authoritative, snap, n_src in records:
            resolved.append((resolve_report(rec.report), rec, (authoritative, snap, n_src)))
        if new_reports:
            ids: list[int] = []
            for chunk in _chunks(new_reports, 2000):
                ids += conn.execute(insert(Report).returning(Report.id, sort_by_parameter_order=True),
                                    chunk).scalars().all()
            real = {-(i + 1): rid for i, rid in enumerate(ids)}
            for tmp, rid in real.items():
                report_row = reports.pop(tmp)
                report_row.pop("_row")
                reports[rid] = {**report_row, "id": rid}
            resolved = [(real.get(rid, rid), rec, a) for rid, rec, a in resolved]
        for rid, rec, _ in resolved:
            if rec.ident_label is not None:
                listed[(rid, rec.kind, rec.ident_label)].add(normalize_agency(rec.agency))
        older_events: list[tuple[str, ParsedRec, date]] = []
        for n, (rid, rec, (authoritative, snap, n_src)) in enumerate(resolved):
            an = normalize_agency(rec.agency)
            ident = rec_ident(rec.kind, rec.number, rec.label, an)
            if ident is not None:
                num = (rid, rec.kind, rec.ident_label)
                if (rid, ident) not in existing and (rid, ident) not in fresh and len(listed[num]) == 1:
                    same = by_num.get(num, [])
                    if len(same) == 1:  # one agency here, one there: GAO named the agency differently
                        ident = same[0][1]
            else:
                seen = ordinals[(n_src, rid, an)]
                ident = f"-|{an}|{seen.setdefault(_norm_space(rec.text).casefold(), len(seen) + 1)}"
            k = (rid, ident)
            if k in existing:
                cur = existing[k]
            elif k in fresh:
                cur = fresh[k]
            else:
                rep = reports[rid]
                seed = f"{rep['number'] or rep['title_norm']}|{ident}"
                cur = {"report_id": rid, "ident": ident, "number": rec.number, "kind": rec.kind, "label": rec.label,
                       "agency": rec.agency, "text": None,
                       "status": None, "priority": False, "comments": None, "comments_cut": False, "topics": None,
                       "issuer": "gao", "target_due": None, "questioned_costs": None, "funds_for_better_use": None,
                       "key": _make_key(seed, taken), "first_seen": now, "last_changed": None, "current_due": None,
                       "as_of": None, "listed": True, "last_listed": None, "outcome": None}
            dated = snap is not None
            if snap is None:
                snap = max(d for d in (today, cur["as_of"]) if d is not None)
            if dated and cur["as_of"] is not None and snap < cur["as_of"]:  # an older snapshot: history only
                merged = _merge_older(cur, rec)
                summary.older += 1
                if _differs(cur, rec):
                    older_events.append((merged["key"], rec, snap))
            else:
                merged = _merge(cur, rec, authoritative)
                merged["as_of"] = snap
                if not cur["listed"]:  # listed again by a snapshot no older than the one that stopped listing it
                    merged["listed"], merged["outcome"] = True, None
            merged["last_listed"] = max(d for d in (cur["last_listed"], snap) if d is not None)
            if k in existing:
                touched[k] = existing[k] = merged
            else:
                fresh[k] = merged
            if progress is not None and n % 1000 == 999:
                progress(1000)
        if progress is not None:
            progress(len(resolved) % 1000)
        whole = {i for i, r in enumerate(results) if complete is True or (complete and r.source in complete)}
        unlisted = _unlist(originals, existing, touched, resolved, results, whole, summary, force) if whole else []

        for rid, cur in report_updates.items():
            conn.execute(update(Report).where(Report.id == rid).values(
                number=cur["number"], title=cur["title"], title_norm=cur["title_norm"], published=cur["published"],
                url=cur["url"], director=cur["director"], phone=cur["phone"]))

        run_id = conn.execute(insert(ImportRun).values(
            started_at=now, sources="\n".join(r.source for r in results),
            formats=", ".join(sorted({r.format for r in results}))[:300], new=0, changed=0, unchanged=0,
        ).returning(ImportRun.id)).scalar_one()
        summary.import_id = run_id

        lap("match")
        # What changed; status events
        new_rows = list(fresh.values())
        changed_rows, events = [], _older_events(conn, older_events, existing, run_id, now)
        for k, cur in touched.items():
            old = originals[k]
            relisted = not old["listed"] and cur["listed"]
            if relisted:
                summary.relisted_keys.append(cur["key"])
            if all(old[f] == cur[f] for f in _FIELDS):
                if relisted:
                    events.append(_event(cur, old, run_id, now, "relisted"))
                continue
            if old["status"] != cur["status"] or _norm_space(old["comments"]) != _norm_space(cur["comments"]):
                cur["last_changed"] = now
                reopened = old["status"] is not None and old["status"] not in OPEN_STATUSES \
                    and cur["status"] in OPEN_STATUSES
                events.append(_event(cur, old, run_id, now,
                                     "relisted" if relisted else "reopened" if reopened else "change"))
            elif relisted:
                events.append(_event(cur, old, run_id, now, "relisted"))
            if old["target_due"] != cur["target_due"]:
                cur["_reread"] = True  # the stated target moved: the current promise (and a slip) with it
            changed_rows.append(cur)
        events += [_event(cur, cur, run_id, now, "unlisted") for cur in unlisted]
        summary.unlisted_keys = [cur["key"] for cur in unlisted]
        evented = [c for c in changed_rows if c["last_changed"] == now or c.get("_reread")]

        # Promises: read before writing, so the overdue columns go in with the rows
        reread = new_rows + evented
        readings = gp.read_many([r["comments"] for r in reread])
        decisions = (corrections.latest(s, [r["id"] for r in reread if "id" in r])  # owners' words (rare)
                     if corrections.any_exist(s) else {})
        slip_rows = []
        readings = [replace(rd, promises=with_target(rd.promises, r.get("target_due")))
                    for r, rd in zip(reread, readings, strict=True)]
        for r, reading in zip(reread, readings, strict=True):
            cur_p = gp.current(reading.promises)
            new_due = cur_p.due if cur_p else None
            if r.get("id") in decisions:  # a correction holds while GAO's comment is unchanged
                new_due = ge.effective_due(reading.promises, decisions[r["id"]], r["comments"])
            if "id" in r and r.get("current_due") is not None and r["current_due"] != new_due:
                slip_rows.append({"recommendation_id": r["id"], "old_due": r["current_due"], "new_due": new_due,
                                  "observed_at": now})
            r["current_due"] = new_due
            r["status_date"] = status_date_of(reading.latest_statement, r.get("last_changed"), tz)
        lap("promises")

        # Inserts (ids looked up by key afterwards: plain executemany is several times faster than RETURNING)
        cols = ("key", "report_id", "ident", "number", "kind", "label", *_FIELDS, "first_seen", "last_changed",
                "current_due", "status_date", *_BOOKKEEPING)
        for chunk in _chunks(new_rows, 5000):
            conn.execute(insert(Recommendation), [{k: r[k] for k in cols} for r in chunk])
        by_key = {r["key"]: r for r in new_rows}
        for chunk in _chunks(list(by_key), 5000):
            for rid, key in conn.execute(select(Recommendation.id, Recommendation.key)
                                         .where(Recommendation.key.in_(chunk))):
                by_key[key]["id"] = rid
        summary.new = len(new_rows)
        summary.new_keys = [r["key"] for r in new_rows]
        lap("insert")

        for cur in changed_rows:
            values = {f: cur[f] for f in _FIELDS}
            if cur["last_changed"] == now:
                values.update(last_changed=now, current_due=cur["current_due"], status_date=cur["status_date"])
            elif cur.get("_reread"):
                values.update(current_due=cur["current_due"], status_date=cur["status_date"])
            conn.execute(update(Recommendation).where(Recommendation.id == cur["id"]).values(**values))
        # snapshot dates and listing, grouped: a newer export of the same content moves them all at once
        groups: dict[tuple, list[int]] = defaultdict(list)
        for cur in [*touched.values(), *unlisted]:
            old = originals[(cur["report_id"], cur["ident"])]
            if any(old[f] != cur[f] for f in _BOOKKEEPING):
                groups[tuple(cur[f] for f in _BOOKKEEPING)].append(cur["id"])
        for bookkeeping, ids in groups.items():
            for chunk in _chunks(sorted(set(ids)), 500):
                conn.execute(update(Recommendation).where(Recommendation.id.in_(chunk))
                             .values(**dict(zip(_BOOKKEEPING, bookkeeping, strict=True))))
        if events:
            conn.execute(insert(StatusEvent), events)
            import json as _json

            conn.execute(insert(AuditEvent), [{
                "at": now, "actor": "gao", "action": "status", "recommendation_id": e["recommendation_id"],
                "channel_id": None, "detail": _json.dumps(
                    {"old_status": e["old_status"], "new_status": e["new_status"], "import": run_id,
                     **({"event": e["kind"], "as_of": e["as_of"].isoformat() if e["as_of"] else None}
                        if e["kind"] != "change" else {})}, sort_keys=True)} for e in events])
        summary.changed = len(changed_rows)
        summary.changed_keys = [c["key"] for c in changed_rows]
        summary.unchanged = len(touched) - len(changed_rows)
        summary.status_events = len(events)
        for chunk in _chunks([c["id"] for c in evented], 500):
            conn.execute(delete(Promise).where(Promise.recommendation_id.in_(chunk)))
        promise_rows = [{"recommendation_id": r["id"], "position": i, "due": p.due, "phrase": p.phrase[:200],
                         "sentence": p.sentence, "kind": p.kind, "stated": p.stated, "confidence": p.confidence,
                         "current": p.current, "why": p.why}
                        for r, reading in zip(reread, readings, strict=True) for i, p in enumerate(reading.promises)]
        for chunk in _chunks(promise_rows, 5000):
            conn.execute(insert(Promise), chunk)
        if slip_rows:
            conn.execute(insert(Slip), slip_rows)
        summary.slips = len(slip_rows)
        lap("update")

        # Full-text index
        fts_rows = new_rows + changed_rows
        if renumbered or report_updates:
            fts_ids = {r["id"] for r in fts_rows}
            fts_rows += [v for (rid, _), v in existing.items()
                         if rid in report_updates and v["id"] not in fts_ids]
        _index(conn, fts_rows, reports)

        lap("fts")
        conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
            new=summary.new, changed=summary.changed, unchanged=summary.unchanged))
    lap("commit")
    return summary


def _event(cur: dict, old: dict, run_id: int, now: datetime, kind: str) -> dict:
    return {"recommendation_id": cur["id"], "import_id": run_id, "observed_at": now, "old_status": old["status"],
            "new_status": cur["status"], "old_comments": old["comments"], "new_comments": cur["comments"],
            "as_of": cur["as_of"], "kind": kind}


def _older_events(conn, older: list[tuple[str, ParsedRec, date]], existing: dict, run_id: int,
                  now: datetime) -> list[dict]:
    """Status events for entries of snapshots older than their records: what GAO said then, at its date;
    once per snapshot and text (re-importing the same old file adds nothing)."""
    if not older:
        return []
    id_of = {v["key"]: v["id"] for v in existing.values()}
    ids = sorted({id_of[key] for key, _, _ in older})
    seen = set()
    for chunk in _chunks(ids, 500):
        for rid, as_of, status, comments in conn.execute(
                select(StatusEvent.recommendation_id, StatusEvent.as_of, StatusEvent.new_status,
                       StatusEvent.new_comments).where(StatusEvent.recommendation_id.in_(chunk))):
            seen.add((rid, as_of, status, _norm_space(comments)))
    out = []
    for key, rec, snap in older:
        mark = (id_of[key], snap, rec.status, _norm_space(rec.comments))
        if mark in seen:
            continue
        seen.add(mark)
        out.append({"recommendation_id": id_of[key], "import_id": run_id, "observed_at": now, "old_status": None,
                    "new_status": rec.status, "old_comments": None, "new_comments": rec.comments, "as_of": snap,
                    "kind": "older"})
    return out


def _unlist(originals: dict, existing: dict, touched: dict, resolved: list, results: list[ParseResult],
            whole: set[int], summary: ImportSummary, force: bool) -> list[dict]:
    """A complete import: the open, listed recommendations of the agencies it names that it lacks become not
    listed (as of the newest of its snapshots). More than a quarter of an agency's at once is refused (a
    filtered export declared complete by mistake) unless ``force``."""
    snap = max(s.as_of for i, s in enumerate(summary.sources) if i in whole and s.as_of)  # all dated on import
    source_of: dict[str, str] = {}
    for _rid, rec, (_a, _s, n_src) in resolved:
        if n_src in whole:
            source_of.setdefault(normalize_agency(rec.agency), results[n_src].source)
    listed_open: dict[str, int] = defaultdict(int)
    vanished: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for k, old in originals.items():
        an = normalize_agency(old["agency"])
        if an not in source_of or old["status"] not in OPEN_STATUSES or not old["listed"] \
                or (old.get("issuer") or "gao") != "gao":  # GAO's export says nothing of an IG's recommendations
            continue
        listed_open[an] += 1
        if k not in touched and (old["as_of"] is None or old["as_of"] <= snap):
            vanished[an].append(k)
    for an, keys in sorted(vanished.items()):
        if len(keys) * 4 > listed_open[an] and not force:
            agency = originals[keys[0]]["agency"]
            raise ImportRefused(
                f"{source_of[an]}: declared complete, but {len(keys)} of the {listed_open[an]} listed open "
                f"recommendations of {agency} are not in it (more than a quarter at once; a filtered export?): "
                f"nothing imported; add --force if GAO really stopped listing them")
    out = []
    for keys in vanished.values():
        for k in keys:
            cur = existing[k]
            cur.update(listed=False, as_of=snap, outcome=None)
            out.append(cur)
    return out


def _index(conn, rows: list[dict], reports: dict[int, dict]) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    ids = [r["id"] for r in rows]
    docs = []
    for r in rows:
        rep = reports[r["report_id"]]
        docs.append({"id": r["id"], "key": r["key"], "report_number": rep.get("number") or "",
                     "title": rep.get("title") or "", "agency": r["agency"] or "", "text": r["text"] or "",
                     "comments": r["comments"] or ""})
    if dialect == "sqlite":
        for chunk in _chunks(ids, 500):
            conn.execute(text(f"DELETE FROM recommendations_fts WHERE rowid IN ({','.join(map(str, chunk))})"))
        # plain DB-API executemany: plain strings need none of SQLAlchemy's per-row processing
        conn.exec_driver_sql(
            "INSERT INTO recommendations_fts(rowid, key, report_number, title, agency, text, comments) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(d["id"], d["key"], d["report_number"], d["title"], d["agency"], d["text"], d["comments"]) for d in docs])
    elif dialect == "postgresql":
        conn.execute(text(
            "INSERT INTO recommendation_search (recommendation_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', CAST(:key AS text) || ' ' || CAST(:report_number AS text)), 'A') || "
            "setweight(to_tsvector('english', CAST(:title AS text)), 'B') || "
            "setweight(to_tsvector('english', CAST(:agency AS text)), 'C') || "
            "setweight(to_tsvector('english', CAST(:text AS text)), 'C') || "
            "setweight(to_tsvector('english', CAST(:comments AS text)), 'D')) "
            "ON CONFLICT (recommendation_id) DO UPDATE SET document = EXCLUDED.document"), docs)


# -- owners, subscriptions, events, audit ---------------------------------------

def audit(session: Session, *, at: datetime, actor: str, action: str, recommendation_id: int | None = None,
          channel_id: str | None = None, detail: dict | None = None) -> None:
    import json

    session.add(AuditEvent(at=at, actor=actor, action=action, recommendation_id=recommendation_id,
                           channel_id=channel_id, detail=json.dumps(detail, sort_keys=True) if detail else None))


def assign(session: Session, rec_id: int, owner: str, by: str, now: datetime) -> str | None:
    """Set the owner; returns the previous owner."""
    cur = session.get(Assignment, rec_id)
    previous = cur.owner if cur else None
    if cur is None:
        session.add(Assignment(recommendation_id=rec_id, owner=owner, assigned_by=by, assigned_at=now))
    else:
        cur.owner, cur.assigned_by, cur.assigned_at = owner, by, now
    audit(session, at=now, actor=by, action="assign", recommendation_id=rec_id,
          detail={"owner": owner, "previous": previous})
    return previous


def unassign(session: Session, rec_id: int, by: str, now: datetime) -> str | None:
    cur = session.get(Assignment, rec_id)
    if cur is None:
        return None
    previous = cur.owner
    session.delete(cur)
    audit(session, at=now, actor=by, action="unassign", recommendation_id=rec_id, detail={"previous": previous})
    return previous


def subscribe(session: Session, channel_id: str, query: str, by: str, now: datetime) -> bool:
    """False when the channel already has that subscription."""
    exists = session.scalar(select(Subscription.id).where(Subscription.channel_id == channel_id,
                                                         Subscription.query == query))
    if exists:
        return False
    session.add(Subscription(channel_id=channel_id, query=query, created_by=by, created_at=now))
    audit(session, at=now, actor=by, action="subscribe", channel_id=channel_id, detail={"query": query})
    return True


def unsubscribe(session: Session, channel_id: str, query: str | None, by: str, now: datetime) -> int:
    q = select(Subscription).where(Subscription.channel_id == channel_id)
    if query is not None:
        q = q.where(Subscription.query == query)
    subs = list(session.scalars(q))
    for sub in subs:
        session.delete(sub)
        audit(session, at=now, actor=by, action="unsubscribe", channel_id=channel_id, detail={"query": sub.query})
    return len(subs)


def subscriptions(session: Session, channel_id: str | None = None) -> list[Subscription]:
    q = select(Subscription).order_by(Subscription.channel_id, Subscription.id)
    if channel_id is not None:
        q = q.where(Subscription.channel_id == channel_id)
    return list(session.scalars(q))


def first_delivery(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was seen before (a Slack retry)."""
    table = cast(Table, ProcessedEvent.__table__)  # declared a FromClause; a mapped class's is a Table
    values = {"team_id": team_id or "-", "event_id": event_id, "received_at": now}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(table).values(**values).on_conflict_do_nothing().returning(table.c.event_id)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing().returning(table.c.event_id)
    first = session.execute(stmt).first() is not None
    if first and hash(event_id) % 50 == 0:  # now and then, forget ids Slack can no longer retry
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - timedelta(days=2)))
    return first


def history(session: Session, rec_id: int) -> list[dict]:
    """Status events, slips and audit events of a recommendation, oldest first."""
    import json

    def exact(dt: datetime | None) -> str:  # the order: the instant to the microsecond (iso_z shows seconds)
        return as_utc(dt).isoformat().replace("+00:00", "Z") if dt else ""

    out: list[tuple[str, dict]] = []
    for ev in session.scalars(select(StatusEvent).where(StatusEvent.recommendation_id == rec_id)):
        # a snapshot's events stand at its date ("as of"), so an older export's text sits where it belongs
        out.append((ev.as_of.isoformat() if ev.as_of else exact(ev.observed_at), {
            "at": ev.as_of.isoformat() if ev.as_of else iso_z(ev.observed_at), "kind": "status", "actor": "gao",
            "detail": {"old_status": ev.old_status, "new_status": ev.new_status,
                       "comment_changed": _norm_space(ev.old_comments) != _norm_space(ev.new_comments),
                       "event": ev.kind or "change", "as_of": ev.as_of.isoformat() if ev.as_of else None,
                       "observed_at": iso_z(ev.observed_at)}}))
    for sl in session.scalars(select(Slip).where(Slip.recommendation_id == rec_id)):
        out.append((exact(sl.observed_at), {"at": iso_z(sl.observed_at), "kind": "slip", "actor": "gao",
                                            "detail": {"old_due": sl.old_due.isoformat(),
                                                       "new_due": sl.new_due.isoformat() if sl.new_due else None}}))
    for a in session.scalars(select(AuditEvent).where(AuditEvent.recommendation_id == rec_id,
                                                      AuditEvent.action != "status")):
        out.append((exact(a.at), {"at": iso_z(a.at), "kind": a.action, "actor": a.actor,
                                  "detail": json.loads(a.detail) if a.detail else {}}))
    out.sort(key=lambda e: (e[0], e[1]["kind"]))
    return [e for _, e in out]


def last_acknowledgements(session: Session, rec_ids: list[int]) -> dict[int, dict]:
    """The latest acknowledgement of each recommendation: who, when, the note."""
    from .models import Acknowledgement, Reminder

    out: dict[int, dict] = {}
    for chunk in _chunks(rec_ids, 500):
        q = (select(Reminder.recommendation_id, Acknowledgement.user_id, Acknowledgement.at, Acknowledgement.note)
             .join(Reminder, Reminder.id == Acknowledgement.reminder_id)
             .where(Reminder.recommendation_id.in_(chunk)).order_by(Acknowledgement.at))
        for rec_id, user, at, note in session.execute(q):
            out[rec_id] = {"user": user, "at": at, "note": note}
    return out


def export_views(session: Session, as_of: date, *, overdue_only: bool, unimplemented: bool,
                 query: str | None) -> list[RecView]:
    if overdue_only:
        where = _overdue_where(as_of)
    elif unimplemented:
        where = Recommendation.status.in_((*OPEN_STATUSES, "Closed – Not Implemented"))
    else:
        where = Recommendation.id.is_not(None)
    if query:
        where = where & _matching(session, query)
    order = ((Recommendation.priority.desc(), Recommendation.current_due, Recommendation.id) if overdue_only
             else REPORT_ORDER)
    return _views(session, where, order=order)


# A list by report: numbered reports by number, then those known by title alone (copied agency pages); within a
# report, recommendations before matters, by number (then label, agency). NULLs are placed explicitly, as SQLite
# and PostgreSQL sort them differently.
REPORT_ORDER = (Report.number.is_(None), Report.number, Report.title, Recommendation.kind != "recommendation",
                Recommendation.number.is_(None), Recommendation.number, Recommendation.label, Recommendation.agency,
                Recommendation.id)


def audit_log(session: Session, since: datetime | None = None, rec_id: int | None = None,
              limit: int = 10_000) -> list[dict]:
    import json

    q = (select(AuditEvent, Recommendation.key)
         .outerjoin(Recommendation, Recommendation.id == AuditEvent.recommendation_id)
         .order_by(AuditEvent.id))
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    if rec_id is not None:
        q = q.where(AuditEvent.recommendation_id == rec_id)
    return [{"id": a.id, "at": iso_z(a.at), "actor": a.actor, "action": a.action, "key": key,
             "channel": a.channel_id, "detail": json.loads(a.detail) if a.detail else {}}
            for a, key in session.execute(q.limit(limit))]
