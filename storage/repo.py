"""Queries and writes. Full-text search (SQLite FTS5 or PostgreSQL tsvector)
sits behind one ``search()``. The import lives in storage/imports/ (its steps
and identity rules are described there); ``import_results`` is re-exported here.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Date, Table, bindparam, case, delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from bot.gao import effective as ge
from bot.gao import promises as gp
from bot.gao.records import (
    OPEN_STATUSES, normalize_report_number, report_url,
)

from .db import chunks as _chunks
# the import (storage/imports/), kept here for its callers
from .imports import ImportRefused as ImportRefused
from .imports import ImportSummary as ImportSummary
from .imports import SourceSummary as SourceSummary
from .imports import Reread as Reread
from .imports import import_results as import_results
from .imports import reread_promises as reread_promises
from .imports.match import norm_space as _norm_space
from .queries import corrections
from .queries import overdue as overdue_rule
from .types import as_utc, iso_z
from .types import utcnow as utcnow  # repo.utcnow(): aware UTC now (kept for callers of the old name)
from .models import (
    Assignment, AuditEvent, ImportRun, ProcessedEvent, Promise, Recommendation, Report, Slip, StatusEvent, Subscription,
)

KEY_RE = re.compile(r"^[2-9a-hjkmnp-z]{5,8}$")


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
    changed_on: date | None = None  # the date of the GAO snapshot that first showed the last change
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
    Recommendation.kind, Recommendation.label, Recommendation.changed_on,
)


def _view(r) -> RecView:
    return RecView(id=r[0], key=r[1], report_number=r[2], report_title=r[3], report_published=r[4], rec_number=r[5],
                   agency=r[6], status=r[7], priority=bool(r[8]), text=r[9], comments=r[10], comments_cut=bool(r[11]),
                   url=r[12] or report_url(r[2]), topics=[t for t in (r[13] or "").split("; ") if t],
                   first_seen=r[14], last_changed=r[15], current_due=r[16], status_date=r[17],
                   listed=r[18] is not False, last_listed=r[19], outcome=r[20], as_of=r[21], issuer=r[22] or "gao",
                   target_due=r[23], questioned_costs=r[24], funds_for_better_use=r[25], justification=r[26],
                   kind=r[27] or "recommendation", rec_label=r[28], changed_on=r[29])


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


# -- reads -------------------------------------------------------------------

def get(session: Session, key: str) -> RecView | None:
    row = session.connection().execute(_VIEW_BY_KEY, {"key": key.strip().lower()}).first()
    if row is None:
        return None
    views = [_view(row)]
    _attach(session, views, detail=True)
    return views[0]


def lock_record(session: Session, key: str) -> None:
    """Hold this recommendation's row until the transaction ends, before reading it to change it (an owner's word
    on its promise): on PostgreSQL, SELECT … FOR NO KEY UPDATE, so a concurrent pass that rewrites its promises
    (storage/imports/reread.py) is waited for and then seen, while rows that point at it (audit rows, reminders)
    can still be written; SQLite's write transaction already excludes it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Recommendation.id).where(Recommendation.key == key.strip().lower())
                        .with_for_update(key_share=True))


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
    return _count(session, overdue_rule.unlisted_passed_where(as_of), query)


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
        from .reports import unimplemented_where

        where = unimplemented_where()
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
