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
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.gao import promises as gp
from bot.gao.records import (
    OPEN_STATUSES, ParseResult, normalize_agency, normalize_report_number, normalize_title, report_url,
)
from bot.gao.records import Recommendation as ParsedRec

from .db import Database
from .models import ImportRun, Promise, Recommendation, Report, Slip, StatusEvent

KEY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/1/i/l/o: keys are read aloud and typed
KEY_RE = re.compile(r"^[2-9a-hjkmnp-z]{5,8}$")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


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

    @property
    def current_promise(self) -> gp.Promise | None:
        return gp.current(self.promises)

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def days_overdue(self, as_of: date) -> int | None:
        """Days since the current promise passed without a status change, or None."""
        if not self.is_open() or self.current_due is None or self.current_due >= as_of:
            return None
        if self.status_date is not None and self.status_date > self.current_due:
            return None
        return (as_of - self.current_due).days


_VIEW_COLUMNS = (
    Recommendation.id, Recommendation.key, Report.number, Report.title, Report.published, Recommendation.number,
    Recommendation.agency, Recommendation.status, Recommendation.priority, Recommendation.text,
    Recommendation.comments, Recommendation.comments_cut, Report.url, Recommendation.topics,
    Recommendation.first_seen, Recommendation.last_changed, Recommendation.current_due, Recommendation.status_date,
)


def _views(session: Session, where, order=None, limit: int | None = None, *, detail: bool = False) -> list[RecView]:
    q = select(*_VIEW_COLUMNS).join(Report, Report.id == Recommendation.report_id).where(where)
    if order is not None:
        q = q.order_by(*order) if isinstance(order, (list, tuple)) else q.order_by(order)
    if limit:
        q = q.limit(limit)
    views = [
        RecView(id=r[0], key=r[1], report_number=r[2], report_title=r[3], report_published=r[4], rec_number=r[5],
                agency=r[6], status=r[7], priority=bool(r[8]), text=r[9], comments=r[10], comments_cut=bool(r[11]),
                url=r[12] or report_url(r[2]), topics=[t for t in (r[13] or "").split("; ") if t], first_seen=r[14],
                last_changed=r[15], current_due=r[16], status_date=r[17])
        for r in session.execute(q)
    ]
    _attach(session, views, detail=detail)
    return views


def _attach(session: Session, views: list[RecView], *, detail: bool) -> None:
    if not views:
        return
    by_id = {v.id: v for v in views}
    ids = list(by_id)
    for chunk in _chunks(ids, 500):
        for p in session.scalars(select(Promise).where(Promise.recommendation_id.in_(chunk))
                                 .order_by(Promise.recommendation_id, Promise.position)):
            by_id[p.recommendation_id].promises.append(gp.Promise(
                due=p.due, phrase=p.phrase, sentence=p.sentence, kind=p.kind, stated=p.stated,
                confidence=p.confidence, current=p.current))
        for sl in session.scalars(select(Slip).where(Slip.recommendation_id.in_(chunk)).order_by(Slip.id)):
            by_id[sl.recommendation_id].slips.append({
                "old_due": sl.old_due.isoformat(), "new_due": sl.new_due.isoformat() if sl.new_due else None,
                "observed_at": _iso(sl.observed_at)})
        if detail:
            for ev in session.scalars(select(StatusEvent).where(StatusEvent.recommendation_id.in_(chunk))
                                      .order_by(StatusEvent.id)):
                by_id[ev.recommendation_id].status_events.append({
                    "observed_at": _iso(ev.observed_at), "old_status": ev.old_status, "new_status": ev.new_status,
                    "old_comments": ev.old_comments, "new_comments": ev.new_comments})


def _iso(d: datetime | None) -> str | None:
    return d.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z") if d else None


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


# -- reads -------------------------------------------------------------------

def get(session: Session, key: str) -> RecView | None:
    views = _views(session, Recommendation.key == key.strip().lower(), detail=True)
    return views[0] if views else None


def by_report(session: Session, number: str, limit: int = 50) -> list[RecView]:
    return _views(session, Report.number == number, order=(Recommendation.number, Recommendation.id), limit=limit)


def fts_query(query: str) -> str | None:
    """A user's words as an FTS5 query that cannot raise a syntax error: each
    term quoted ("" inside), all terms required."""
    terms = re.findall(r"\w+(?:[-'’.]\w+)*", query)
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms[:32])


def search(session: Session, query: str, limit: int = 20, offset: int = 0) -> tuple[list[RecView], int]:
    """Keywords ranked by bm25 / ts_rank; a key or report number is looked up
    exactly. Returns (page, total)."""
    q = " ".join(query.split())[:500]
    if not q:
        return [], 0
    if KEY_RE.match(q.lower()):
        v = get(session, q)
        if v is not None:
            return [v], 1
    number = normalize_report_number(q) if re.fullmatch(r"(?i)gao[-‐–]?\d{2}[-‐–]\d{1,6}[a-z]{0,2}", q) else None
    if number:
        total = session.scalar(select(func.count()).select_from(Recommendation).join(Report)
                               .where(Report.number == number)) or 0
        if total:
            views = _views(session, Report.number == number, order=(Recommendation.number, Recommendation.id),
                           limit=limit + offset)
            return views[offset:], total
    ids, total = _fts_ids(session, q, limit, offset)
    if not ids:
        return [], total
    views = {v.id: v for v in _views(session, Recommendation.id.in_(ids))}
    return [views[i] for i in ids if i in views], total


def _fts_ids(session: Session, q: str, limit: int, offset: int) -> tuple[list[int], int]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fts_query(q)
        if match is None:
            return [], 0
        total = session.execute(text("SELECT count(*) FROM recommendations_fts WHERE recommendations_fts MATCH :q"),
                                {"q": match}).scalar_one()
        rows = session.execute(text(
            "SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH :q "
            "ORDER BY bm25(recommendations_fts, 10.0, 8.0, 4.0, 2.0, 2.0, 1.0), rowid LIMIT :lim OFFSET :off"),
            {"q": match, "lim": limit, "off": offset}).scalars().all()
        return list(rows), total
    terms = re.findall(r"\w+(?:[-'’.]\w+)*", q)
    if not terms:
        return [], 0
    # plainto_tsquery never raises on user input; each term is looked up as given.
    tsq = "plainto_tsquery('simple', :q)"
    params = {"q": " ".join(terms[:32]), "lim": limit, "off": offset}
    total = session.execute(text(f"SELECT count(*) FROM recommendation_search WHERE document @@ {tsq}"),
                            params).scalar_one()
    rows = session.execute(text(
        f"SELECT recommendation_id FROM recommendation_search WHERE document @@ {tsq} "
        f"ORDER BY ts_rank(document, {tsq}) DESC, recommendation_id LIMIT :lim OFFSET :off"), params).scalars().all()
    return list(rows), total


def overdue(session: Session, as_of: date, query: str | None = None, limit: int | None = None) -> list[RecView]:
    """Open recommendations whose current promise passed before ``as_of`` with
    no status change since; most overdue first."""
    where = (Recommendation.status.in_(OPEN_STATUSES) & (Recommendation.current_due < as_of)
             & ((Recommendation.status_date.is_(None)) | (Recommendation.status_date <= Recommendation.current_due)))
    if query:
        ids, _ = _fts_ids(session, query, 100_000, 0) if not normalize_report_number(query) else ([], 0)
        if normalize_report_number(query):
            where = where & (Report.number == normalize_report_number(query))
        else:
            where = where & Recommendation.id.in_(ids or [-1])
    return _views(session, where, order=(Recommendation.current_due, Recommendation.id), limit=limit)


def due_between(session: Session, start: date, end: date, limit: int | None = None) -> list[RecView]:
    where = (Recommendation.status.in_(OPEN_STATUSES) & (Recommendation.current_due >= start)
             & (Recommendation.current_due <= end))
    return _views(session, where, order=(Recommendation.current_due, Recommendation.id), limit=limit)


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
        "overdue": len(overdue(session, as_of)),
        "status_events": session.scalar(select(func.count()).select_from(StatusEvent)) or 0,
        "imports": session.scalar(select(func.count()).select_from(ImportRun)) or 0,
        "last_import": _iso(session.scalar(select(func.max(ImportRun.started_at)))),
    }


# -- import ------------------------------------------------------------------

@dataclass
class SourceSummary:
    source: str
    format: str
    recommendations: int
    cut: int
    notes: list[str] = field(default_factory=list)


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

    def to_json(self) -> dict:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "status_events": self.status_events, "slips": self.slips, "import_id": self.import_id,
                "sources": [s.__dict__ for s in self.sources], "changed_keys": self.changed_keys}


_FIELDS = ("agency", "text", "status", "priority", "comments", "comments_cut", "topics")


def _norm_space(s: str | None) -> str:
    return " ".join((s or "").split())


def _keep_longer(old: str | None, new: str | None) -> bool:
    """True when ``new`` is a cut of ``old`` (a strict prefix of it, spacing aside)."""
    if not old or not new:
        return False
    o, n = _norm_space(old), _norm_space(new)
    return len(n) < len(o) and o.startswith(n)


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
    return out


def _make_key(seed: str, taken: set[str]) -> str:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    while digest:
        digest, r = divmod(digest, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[r])
    s = "".join(chars)
    for length in range(5, 9):
        for start in range(0, len(s) - length):
            k = s[start:start + length]
            if k not in taken and any(c.isdigit() for c in k) and any(c.isalpha() for c in k):
                taken.add(k)
                return k
    raise RuntimeError("no free key")  # pragma: no cover - 31^8 keys


def local_date(dt: datetime | None, tz: ZoneInfo) -> date | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc).astimezone(tz).date()


def status_date_of(comments: str | None, last_changed: datetime | None, tz: ZoneInfo) -> date | None:
    dates = [d for d in (gp.latest_statement(comments), local_date(last_changed, tz)) if d is not None]
    return max(dates) if dates else None


def import_results(db: Database, results: list[ParseResult], *, now: datetime | None = None,
                   tz: ZoneInfo | str = "America/New_York",
                   progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Upsert parsed sources in one transaction. Raises ImportRefused (database
    unchanged) when no recommendation can be stored."""
    now = now or utcnow()
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    summary = ImportSummary()
    records: list[tuple[ParsedRec, bool]] = []
    for res in results:
        notes = list(res.notes)
        placed = [r for r in res.recommendations if r.report.number or normalize_title(r.report.title)]
        if len(placed) < len(res.recommendations):
            notes.append(f"{len(res.recommendations) - len(placed)} without a report number or title, not stored")
        if res.cut:
            notes.append(f"{res.cut} cut off at the end of the input, not stored")
        summary.sources.append(SourceSummary(res.source, res.format, len(placed), res.cut, notes))
        records += [(r, res.format.startswith("csv")) for r in placed]
    if not records:
        why = "; ".join(f"{s.source}: {', '.join(s.notes) or 'no recommendations found'}" for s in summary.sources)
        raise ImportRefused(f"nothing imported: no whole recommendation to store ({why})")

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
            if rid is None:
                values = {"number": r.number, "title": r.title, "title_norm": tn, "published": r.published,
                          "url": r.url or report_url(r.number), "director": r.director, "phone": r.phone}
                rid = conn.execute(insert(Report).values(**values).returning(Report.id)).scalar_one()
                reports[rid] = {"id": rid, **values}
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
            if dirty:
                report_updates[rid] = cur
            return rid

        # Recommendations
        existing: dict[tuple[int, str], dict] = {}
        by_num: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
        taken: set[str] = set()
        for row in conn.execute(select(
                Recommendation.id, Recommendation.key, Recommendation.report_id, Recommendation.ident,
                Recommendation.number, *(getattr(Recommendation, f) for f in _FIELDS), Recommendation.last_changed,
                Recommendation.current_due)).mappings():
            d = dict(row)
            existing[(d["report_id"], d["ident"])] = d
            taken.add(d["key"])
            if d["number"] is not None:
                by_num[(d["report_id"], d["number"])].append((d["report_id"], d["ident"]))
        originals = {k: dict(v) for k, v in existing.items()}
        touched: dict[tuple[int, str], dict] = {}
        fresh: dict[tuple[int, str], dict] = {}
        ordinals: dict[tuple[int, str], int] = defaultdict(int)
        listed: dict[tuple[int, int], set[str]] = defaultdict(set)
        resolved = []
        for rec, authoritative in records:
            rid = resolve_report(rec.report)
            resolved.append((rid, rec, authoritative))
            if rec.number is not None:
                listed[(rid, rec.number)].add(normalize_agency(rec.agency))
        for n, (rid, rec, authoritative) in enumerate(resolved):
            an = normalize_agency(rec.agency)
            if rec.number is not None:
                ident = f"{rec.number}|{an}"
                if (rid, ident) not in existing and (rid, ident) not in fresh and len(listed[(rid, rec.number)]) == 1:
                    same = by_num.get((rid, rec.number), [])
                    if len(same) == 1:  # one agency here, one there: GAO named the agency differently
                        ident = same[0][1]
            else:
                ordinals[(rid, an)] += 1
                ident = f"-|{an}|{ordinals[(rid, an)]}"
            k = (rid, ident)
            if k in existing:
                touched[k] = _merge(existing[k], rec, authoritative)
                existing[k] = touched[k]
            elif k in fresh:
                fresh[k] = _merge(fresh[k], rec, authoritative)
            else:
                rep = reports[rid]
                seed = f"{rep['number'] or rep['title_norm']}|{ident}"
                base = {"report_id": rid, "ident": ident, "number": rec.number, "agency": rec.agency, "text": None,
                        "status": None, "priority": False, "comments": None, "comments_cut": False, "topics": None,
                        "key": _make_key(seed, taken), "first_seen": now, "last_changed": None, "current_due": None}
                fresh[k] = _merge(base, rec, authoritative)
            if progress is not None and n % 1000 == 999:
                progress(1000)
        if progress is not None:
            progress(len(resolved) % 1000)

        for rid, cur in report_updates.items():
            conn.execute(update(Report).where(Report.id == rid).values(
                number=cur["number"], title=cur["title"], title_norm=cur["title_norm"], published=cur["published"],
                url=cur["url"], director=cur["director"], phone=cur["phone"]))

        run_id = conn.execute(insert(ImportRun).values(
            started_at=now, sources="\n".join(r.source for r in results),
            formats=", ".join(sorted({r.format for r in results}))[:300], new=0, changed=0, unchanged=0,
        ).returning(ImportRun.id)).scalar_one()
        summary.import_id = run_id

        # Inserts
        new_rows = list(fresh.values())
        new_ids: list[int] = []
        for chunk in _chunks(new_rows, 2000):
            rows = [{k: r[k] for k in ("key", "report_id", "ident", "number", *_FIELDS, "first_seen", "last_changed")}
                    for r in chunk]
            new_ids += conn.execute(insert(Recommendation).returning(Recommendation.id, sort_by_parameter_order=True),
                                    rows).scalars().all()
        for r, rid in zip(new_rows, new_ids):
            r["id"] = rid
        summary.new = len(new_rows)
        summary.new_keys = [r["key"] for r in new_rows]

        # Updates and status events
        changed_rows, events = [], []
        for k, cur in touched.items():
            old = originals[k]
            if all(old[f] == cur[f] for f in _FIELDS):
                continue
            if old["status"] != cur["status"] or _norm_space(old["comments"]) != _norm_space(cur["comments"]):
                cur["last_changed"] = now
                events.append({"recommendation_id": cur["id"], "import_id": run_id, "observed_at": now,
                               "old_status": old["status"], "new_status": cur["status"],
                               "old_comments": old["comments"], "new_comments": cur["comments"]})
            changed_rows.append(cur)
        for cur in changed_rows:
            conn.execute(update(Recommendation).where(Recommendation.id == cur["id"]).values(
                **{f: cur[f] for f in _FIELDS}, last_changed=cur["last_changed"]))
        if events:
            conn.execute(insert(StatusEvent), events)
        summary.changed = len(changed_rows)
        summary.changed_keys = [c["key"] for c in changed_rows]
        summary.unchanged = len(touched) - len(changed_rows)
        summary.status_events = len(events)

        # Promises, slips, overdue columns
        evented = [c for c in changed_rows if c["last_changed"] == now]
        summary.slips = _refresh_promises(conn, new_rows, evented, now, tz)

        # Full-text index
        fts_rows = new_rows + changed_rows
        if renumbered or report_updates:
            fts_ids = {r["id"] for r in fts_rows}
            fts_rows += [v for (rid, _), v in existing.items()
                         if rid in report_updates and v["id"] not in fts_ids]
        _index(conn, fts_rows, reports)

        conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
            new=summary.new, changed=summary.changed, unchanged=summary.unchanged))
    return summary


def _refresh_promises(conn, new_rows: list[dict], changed: list[dict], now: datetime, tz: ZoneInfo) -> int:
    ids = [r["id"] for r in changed]
    for chunk in _chunks(ids, 500):
        conn.execute(delete(Promise).where(Promise.recommendation_id.in_(chunk)))
    promise_rows, slip_rows = [], []
    changed_ids = set(ids)
    for r in new_rows + changed:
        found = gp.extract(r["comments"])
        cur = gp.current(found)
        new_due = cur.due if cur else None
        old_due = r.get("current_due")
        if r["id"] in changed_ids and old_due is not None and old_due != new_due:
            slip_rows.append({"recommendation_id": r["id"], "old_due": old_due, "new_due": new_due, "observed_at": now})
        r["current_due"] = new_due
        r["status_date"] = status_date_of(r["comments"], r.get("last_changed"), tz)
        promise_rows += [{"recommendation_id": r["id"], "position": i, "due": p.due, "phrase": p.phrase[:200],
                          "sentence": p.sentence, "kind": p.kind, "stated": p.stated, "confidence": p.confidence,
                          "current": p.current} for i, p in enumerate(found)]
    if promise_rows:
        conn.execute(insert(Promise), promise_rows)
    if slip_rows:
        conn.execute(insert(Slip), slip_rows)
    rows = [{"b_id": r["id"], "b_due": r["current_due"], "b_sd": r["status_date"]} for r in new_rows + changed]
    if rows:
        from sqlalchemy import bindparam

        conn.execute(update(Recommendation).where(Recommendation.id == bindparam("b_id"))
                     .values(current_due=bindparam("b_due"), status_date=bindparam("b_sd"))
                     .execution_options(synchronize_session=False), rows)
    return len(slip_rows)


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
        conn.execute(text("INSERT INTO recommendations_fts(rowid, key, report_number, title, agency, text, comments) "
                          "VALUES (:id, :key, :report_number, :title, :agency, :text, :comments)"), docs)
    elif dialect == "postgresql":
        conn.execute(text(
            "INSERT INTO recommendation_search (recommendation_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', CAST(:key AS text) || ' ' || CAST(:report_number AS text)), 'A') || "
            "setweight(to_tsvector('simple', CAST(:title AS text)), 'B') || "
            "setweight(to_tsvector('simple', CAST(:agency AS text)), 'C') || "
            "setweight(to_tsvector('simple', CAST(:text AS text)), 'C') || "
            "setweight(to_tsvector('simple', CAST(:comments AS text)), 'D')) "
            "ON CONFLICT (recommendation_id) DO UPDATE SET document = EXCLUDED.document"), docs)
