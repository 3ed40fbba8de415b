"""The database side of the import: the stored records it matches against (``load_records``), and step 5,
``apply_changes``: what changed becomes status events (and their audit rows), comments are read again for
promises (a moved date is a slip), new records are inserted, changed ones updated, snapshot dates and listing
moved in groups, and the search index rewritten for what it shows."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.gao import effective as ge
from bot.gao import promises as gp
from bot.gao.calendar import local_day
from bot.gao.records import OPEN_STATUSES
from bot.gao.targets import with_target

from .. import fts
from ..db import chunks
from ..models import AuditEvent, Promise, Recommendation, Slip, StatusEvent
from ..queries import corrections
from ..types import as_utc
from .match import Ident, Matches, norm_space
from .rows import BOOKKEEPING, CONTENT, Event, Older, Record, ReportRow, Stored


def local_date(dt: datetime | None, tz: ZoneInfo) -> date | None:
    """The day an instant is in ``tz`` (the one rule: bot/gao/calendar.py: local_day)."""
    return local_day(as_utc(dt), tz) if dt is not None else None


def status_date_of(latest_statement: date | None, changed_on: date | None) -> date | None:
    """The later of the latest statement in the comment and the date of the last change GAO's data showed
    (``changed_on``: the date of the snapshot it was first seen in, never the day it was imported)."""
    dates = [d for d in (latest_statement, changed_on) if d is not None]
    return max(dates) if dates else None


def change_days(conn: Connection, records: Sequence, tz: ZoneInfo) -> dict[int, date]:
    """For stored records with a last change: the date of the GAO snapshot that first showed it
    (``changed_on``), or, for a change recorded before that was kept, the day gaorec saw it."""
    out: dict[int, date] = {}
    ids = [r.id for r in records if r.id is not None and r.last_changed is not None]
    for chunk in chunks(ids, 500):
        for rid, day in conn.execute(select(Recommendation.id, Recommendation.changed_on)
                                     .where(Recommendation.id.in_(chunk), Recommendation.changed_on.is_not(None))):
            if day is not None:
                out[rid] = day
    for r in records:
        if r.id is not None and r.last_changed is not None and r.id not in out:
            seen = local_date(r.last_changed, tz)
            if seen is not None:
                out[r.id] = seen
    return out


_STORED = select(Recommendation.id, Recommendation.key, Recommendation.report_id, Recommendation.ident,
                 Recommendation.number, Recommendation.kind, Recommendation.label,
                 *(getattr(Recommendation, f) for f in CONTENT), Recommendation.last_changed,
                 Recommendation.current_due, *(getattr(Recommendation, f) for f in BOOKKEEPING))


def load_records(conn: Connection) -> dict[Ident, Stored]:
    """Every stored recommendation by identity (report id, ident)."""
    out: dict[Ident, Stored] = {}
    for row in conn.execute(_STORED):
        r = Stored._make(row)
        out[(r.report_id, r.ident)] = r
    return out


# -- what changed -----------------------------------------------------------------------------------------

def same_content(old: Stored, cur: Record) -> bool:
    return all(getattr(old, f) == getattr(cur, f) for f in CONTENT)


def event(cur: Record, old: Stored | Record, kind: str) -> Event:
    """A status event, dated by the snapshot that first showed the change (else the record's latest)."""
    assert cur.id is not None
    return Event(cur.id, old.status, cur.status, old.comments, cur.comments, cur.changed_on or cur.as_of, kind)


@dataclass
class Diff:
    """The stored records whose content changed (``last_changed`` is now when status or comment did), their
    events in order (then the not-listed ones'), and which were listed again."""
    changed: list[Record]
    events: list[Event]
    relisted_keys: list[str]


def diff(stored: Mapping[Ident, Stored], touched: Mapping[Ident, Record], unlisted: list[Record],
         now: datetime) -> Diff:
    out = Diff([], [], [])
    for k, cur in touched.items():
        old = stored[k]
        relisted = bool(not old.listed and cur.listed)
        if relisted:
            out.relisted_keys.append(cur.key)
        if same_content(old, cur):
            if relisted:
                out.events.append(event(cur, old, "relisted"))
            continue
        if old.status != cur.status or norm_space(old.comments) != norm_space(cur.comments):
            cur.last_changed = now
            reopened = old.status is not None and old.status not in OPEN_STATUSES and cur.status in OPEN_STATUSES
            out.events.append(event(cur, old, "relisted" if relisted else "reopened" if reopened else "change"))
        elif relisted:
            out.events.append(event(cur, old, "relisted"))
        if old.target_due != cur.target_due:
            cur.reread = True  # the stated target moved: the current promise (and a slip) with it
        out.changed.append(cur)
    out.events += [event(cur, cur, "unlisted") for cur in unlisted]
    return out


def older_events(conn: Connection, older: list[Older]) -> list[Event]:
    """Status events for entries of snapshots older than their records: what GAO said then, at its date;
    once per snapshot and text (re-importing the same old file adds nothing)."""
    if not older:
        return []
    ids = sorted({o.record.id for o in older if o.record.id is not None})
    seen = set()
    for chunk in chunks(ids, 500):
        for rid, as_of, status, comments in conn.execute(
                select(StatusEvent.recommendation_id, StatusEvent.as_of, StatusEvent.new_status,
                       StatusEvent.new_comments).where(StatusEvent.recommendation_id.in_(chunk))):
            seen.add((rid, as_of, status, norm_space(comments)))
    out = []
    for o in older:
        assert o.record.id is not None  # only a stored record can be older than an entry
        mark = (o.record.id, o.snap, o.rec.status, norm_space(o.rec.comments))
        if mark in seen:
            continue
        seen.add(mark)
        out.append(Event(o.record.id, None, o.rec.status, None, o.rec.comments, o.snap, "older"))
    return out


# -- promises ----------------------------------------------------------------------------------------------

def read_promises(session: Session, reread: list[Record], now: datetime, tz: ZoneInfo,
                  before: Mapping[int, Stored] | None = None) -> tuple[list[gp.Reading], list[dict]]:
    """The comments read for promises (a stated target joins them); each record's current due date (an owner's
    correction holds while GAO's comment is unchanged) and status date set. Returns the readings, and a slip
    for each stored open record whose due date moved (not for one GAO closed, nor for the first promise of one
    GAO reopened: no promise moved). ``before``: the stored records by id, as they were."""
    before = before or {}
    readings = gp.read_many([r.comments for r in reread])
    decisions = (corrections.latest(session, [r.id for r in reread if r.id is not None])  # owners' words (rare)
                 if corrections.any_exist(session) else {})
    readings = [replace(rd, promises=with_target(rd.promises, r.target_due)) for r, rd in zip(reread, readings,
                                                                                               strict=True)]
    # the day of each record's last change: this import's snapshot for what it changed, else what is stored
    days = change_days(session.connection(), [r for r in reread if r.last_changed != now], tz)
    slips = []
    for r, reading in zip(reread, readings, strict=True):
        new_due = due_of(reading, decisions.get(r.id) if r.id is not None else None, r.comments)
        old = before.get(r.id) if r.id is not None else None
        reopened = old is not None and old.status is not None and old.status not in OPEN_STATUSES
        closed = r.status not in OPEN_STATUSES  # a closed recommendation's promise does not move
        if r.id is not None and r.current_due is not None and r.current_due != new_due and not (reopened or closed):
            slips.append({"recommendation_id": r.id, "old_due": r.current_due, "new_due": new_due,
                          "observed_at": now})
        r.current_due = new_due
        if r.last_changed == now or (r.id is None and r.changed_on is not None):
            # changed by this import (a new record: between two of its snapshots): on the date of the first
            # snapshot that shows the change
            r.changed_on = r.changed_on or r.as_of or local_date(now, tz)
            r.last_changed = now  # a new record too: a change was seen, as separate imports would have seen it
            changed_on = r.changed_on
        else:
            changed_on = days.get(r.id or -1)
        r.status_date = status_date_of(reading.latest_statement, changed_on)
    return readings, slips


def due_of(reading: gp.Reading, decision, comment: str | None) -> date | None:
    """A record's current due date: its current promise's, or its owner's correction while GAO's comment is
    unchanged."""
    if decision is not None:
        return ge.effective_due(reading.promises, decision, comment)
    cur_p = gp.current(reading.promises)
    return cur_p.due if cur_p else None


def promise_rows(rid: int | None, reading: gp.Reading) -> list[dict]:
    """The promises table's rows for one reading."""
    return [{"recommendation_id": rid, "position": i, "due": p.due, "phrase": p.phrase[:200],
             "sentence": p.sentence, "kind": p.kind, "stated": p.stated, "confidence": p.confidence,
             "current": p.current, "why": p.why} for i, p in enumerate(reading.promises)]


# -- writes ------------------------------------------------------------------------------------------------

_NEW_COLUMNS = ("key", "report_id", "ident", "number", "kind", "label", *CONTENT, "first_seen", "last_changed",
                "changed_on",
                "current_due", "status_date", *BOOKKEEPING)


def insert_records(conn: Connection, new: list[Record]) -> None:
    """Insert the new records; their ids are set (looked up by key afterwards: plain executemany is several times
    faster than RETURNING)."""
    for chunk in chunks(new, 5000):
        conn.execute(insert(Recommendation), [{c: getattr(r, c) for c in _NEW_COLUMNS} for r in chunk])
    by_key = {r.key: r for r in new}
    for chunk in chunks(list(by_key), 5000):
        for rid, key in conn.execute(select(Recommendation.id, Recommendation.key)
                                     .where(Recommendation.key.in_(chunk))):
            by_key[key].id = rid


def update_records(conn: Connection, stored: Mapping[Ident, Stored], changed: list[Record],
                   moved: list[Record], now: datetime) -> None:
    """The changed records' content (and, when their comment was read again, due and status dates); then
    snapshot dates and listing of every record whose bookkeeping moved, grouped: a newer export of the same
    content moves them all at once."""
    for cur in changed:
        values = {f: getattr(cur, f) for f in CONTENT}
        if cur.last_changed == now:
            values.update(last_changed=now, changed_on=cur.changed_on, current_due=cur.current_due,
                          status_date=cur.status_date)
        elif cur.reread:
            values.update(current_due=cur.current_due, status_date=cur.status_date)
        conn.execute(update(Recommendation).where(Recommendation.id == cur.id).values(**values))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for cur in moved:
        old = stored[(cur.report_id, cur.ident)]
        if any(getattr(old, f) != getattr(cur, f) for f in BOOKKEEPING):
            assert cur.id is not None
            groups[tuple(getattr(cur, f) for f in BOOKKEEPING)].append(cur.id)
    for bookkeeping, ids in groups.items():
        for chunk in chunks(sorted(set(ids)), 500):
            conn.execute(update(Recommendation).where(Recommendation.id.in_(chunk))
                         .values(**dict(zip(BOOKKEEPING, bookkeeping, strict=True))))


def insert_events(conn: Connection, events: list[Event], run_id: int, now: datetime) -> None:
    """Status events, and each as a "status" row of the audit log."""
    if not events:
        return
    conn.execute(insert(StatusEvent), [{**e._asdict(), "import_id": run_id, "observed_at": now} for e in events])
    conn.execute(insert(AuditEvent), [{
        "at": now, "actor": "gao", "action": "status", "recommendation_id": e.recommendation_id,
        "channel_id": None, "detail": json.dumps(
            {"old_status": e.old_status, "new_status": e.new_status, "import": run_id,
             **({"event": e.kind, "as_of": e.as_of.isoformat() if e.as_of else None}
                if e.kind != "change" else {})}, sort_keys=True)} for e in events])


def write_promises(conn: Connection, dropped: list[Record], reread: list[Record],
                   readings: list[gp.Reading]) -> None:
    """The promises of the records whose comments were read, in place of those of ``dropped``."""
    for chunk in chunks([c.id for c in dropped], 500):
        conn.execute(delete(Promise).where(Promise.recommendation_id.in_(chunk)))
    rows = [row for r, reading in zip(reread, readings, strict=True) for row in promise_rows(r.id, reading)]
    for chunk in chunks(rows, 5000):
        conn.execute(insert(Promise), chunk)


def search_documents(records: list[Record | Stored], reports: Mapping[int, ReportRow]) -> list[fts.Document]:
    out = []
    for r in records:
        assert r.id is not None
        rep = reports[r.report_id]
        out.append(fts.document(r.id, r.key, rep.number, rep.title, r.agency, r.text, r.comments))
    return out


# -- step 5 ------------------------------------------------------------------------------------------------

@dataclass
class Applied:
    """What was written, for the summary."""
    new: list[Record]
    changed: list[Record]
    unchanged: int
    events: int
    slips: int
    relisted_keys: list[str]
    read_ids: set[int]  # the records whose comments this import read


def apply_changes(session: Session, run_id: int, stored: Mapping[Ident, Stored], matches: Matches,
                  unlisted: list[Record], reports: Mapping[int, ReportRow], changed_reports: list[ReportRow],
                  now: datetime, tz: ZoneInfo, lap: Callable[[str], None]) -> Applied:
    conn = session.connection()
    new = list(matches.new.values())
    found = diff(stored, matches.touched, unlisted, now)
    events = older_events(conn, matches.older) + found.events
    evented = [c for c in found.changed if c.last_changed == now or c.reread]

    # promises: read before writing, so the overdue columns go in with the rows
    reread = new + evented
    ids = {r.id for r in evented}
    readings, slips = read_promises(session, reread, now, tz,  # each re-read stored record as it was
                                    {cur.id: stored[k] for k, cur in matches.touched.items()
                                     if cur.id is not None and cur.id in ids})
    lap("promises")

    insert_records(conn, new)
    lap("insert")

    update_records(conn, stored, found.changed, [*matches.touched.values(), *unlisted], now)
    insert_events(conn, events, run_id, now)
    write_promises(conn, evented, reread, readings)
    if slips:
        conn.execute(insert(Slip), slips)
    lap("update")

    # the search index: what it shows of new and changed records, and of every record of a report that changed
    indexed: list[Record | Stored] = [*new, *found.changed]
    if changed_reports:
        renamed = {r.id for r in changed_reports}
        ids = {r.id for r in indexed}
        indexed += [matches.touched.get(k) or old for k, old in stored.items()
                    if k[0] in renamed and old.id not in ids]
    fts.index(conn, search_documents(indexed, reports))
    lap("fts")
    return Applied(new=new, changed=found.changed, unchanged=len(matches.touched) - len(found.changed),
                   events=len(events), slips=len(slips), relisted_keys=found.relisted_keys,
                   read_ids={r.id for r in reread if r.id is not None})
