"""Stored comments read again by the current promise reader.

A record's promises are read when an import brings a new or changed comment; a comment GAO leaves unchanged is
not read again, so a better reader would never reach it. The edition of the reader that read every stored
comment is kept as the store fact "promise_reader" (bot/gao/promises.py: READER). When it is not the current
edition, the next import reads every other stored comment again in its own transaction (``reread``), and
`gaorec db reread` does the same on demand (``--dry-run``: only say what would change).

A reading that changes replaces the record's promises, and its due and status dates follow, as an import would
set them (an owner's correction still holds while GAO's comment is unchanged; a record whose owner confirmed the
date the earlier edition read is left as it is). A due date moved this way is not a slip, since the agency
promised nothing new: each move (or change of status date) is an audit row ("reread", actor "gaorec", old and new
dates, the edition), and one more row says what the whole pass did. The caller tells reminder threads on the old
date (bot/reminders/planning.py: after_reread).
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.gao import effective as ge
from bot.gao import promises as gp
from bot.gao.targets import with_target

from ..db import chunks
from ..models import AuditEvent, Promise, Recommendation, StoreFact
from ..queries import corrections
from .apply import change_days, due_of, promise_rows, status_date_of

FACT = "promise_reader"
_COMPARED = ("position", "due", "phrase", "sentence", "kind", "stated", "confidence", "current", "why")
CHUNK = gp.PARALLEL_FROM  # comments read (and written) at a time: enough for read_many to use every core


def reader_of(conn: Connection) -> str | None:
    """The edition of the promise reader that read every stored comment, or None when unknown (a database from
    before editions were kept, or one that has never been read)."""
    return conn.execute(select(StoreFact.value).where(StoreFact.name == FACT)).scalar()


def set_reader(conn: Connection, edition: str, now: datetime) -> None:
    if conn.execute(update(StoreFact).where(StoreFact.name == FACT).values(value=edition, updated_at=now)
                    ).rowcount == 0:
        conn.execute(insert(StoreFact).values(name=FACT, value=edition, updated_at=now))


@dataclass
class Moved:
    id: int
    key: str
    old_due: date | None
    new_due: date | None


@dataclass
class Reread:
    """What a pass read and changed."""
    edition_before: str | None
    edition: str
    read: int = 0
    moved: list[Moved] = field(default_factory=list)  # of those, the ones whose current due date moved
    kept: list[str] = field(default_factory=list)  # keys whose owner confirmed the date the earlier edition read
    held: list[str] = field(default_factory=list)  # keys read differently whose owner's correction still decides
    changed_keys: list[str] = field(default_factory=list)  # every record that changed (moved, held or not)
    threads_told: int = 0  # reminder threads on a moved date told (set by the caller: after_reread)
    dry_run: bool = False

    @property
    def changed(self) -> int:
        """Records whose promises (or due or status date) changed."""
        return len(self.changed_keys)


_ROWS = select(Recommendation.id, Recommendation.key, Recommendation.comments, Recommendation.target_due,
               Recommendation.current_due, Recommendation.status_date, Recommendation.last_changed)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _audit_row(now: datetime, actor: str, rid: int, detail: dict) -> dict:
    """A "reread" audit row for one record: what moved, and the edition that moved it."""
    return {"at": now, "actor": actor, "action": "reread", "recommendation_id": rid, "channel_id": None,
            "detail": json.dumps({**detail, "reader": gp.READER}, sort_keys=True)}


def read_again(session: Session, *, now: datetime, tz: ZoneInfo, skip: Collection[int] = (),
               dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
               actor: str = "gaorec") -> Reread:
    """Read every stored comment (but those of ``skip``, just read by this reader) again, write what changed, and
    record the current edition. ``progress(done, total)`` after each chunk. With ``dry_run`` nothing is written.

    On PostgreSQL each chunk's records are locked (FOR NO KEY UPDATE) before their owners' words are read, so a
    correction made meanwhile is either seen here or applied after this pass; SQLite's write transaction
    already excludes it."""
    conn = session.connection()
    out = Reread(edition_before=reader_of(conn), edition=gp.READER, dry_run=dry_run)
    skipped = set(skip)
    ids = [rid for rid in conn.execute(select(Recommendation.id).order_by(Recommendation.id)).scalars()
           if rid not in skipped]
    any_words = corrections.any_exist(session)
    lock = not dry_run and conn.dialect.name == "postgresql"
    audit: list[dict] = []
    for part in chunks(ids, CHUNK):
        query = _ROWS.where(Recommendation.id.in_(part)).order_by(Recommendation.id)
        # FOR NO KEY UPDATE: excludes an owner's word on these records (repo.lock_record), not the rows that
        # point at them (an audit row, a reminder), which a reminder pass inserts in its own order
        chunk = conn.execute(query.with_for_update(key_share=True) if lock else query).all()
        decisions = corrections.latest(session, part) if any_words or corrections.any_exist(session) else {}
        readings = gp.read_many([r.comments for r in chunk])
        days = change_days(conn, chunk, tz)
        stored: dict[int, list[tuple]] = defaultdict(list)
        for p in conn.execute(select(Promise.recommendation_id, *(getattr(Promise, c) for c in _COMPARED))
                              .where(Promise.recommendation_id.in_(part))
                              .order_by(Promise.recommendation_id, Promise.position)):
            stored[p[0]].append(tuple(p[1:]))
        changed, new_rows = [], []
        for r, reading in zip(chunk, readings, strict=True):
            reading = replace(reading, promises=with_target(reading.promises, r.target_due))
            decision = decisions.get(r.id)
            rows_now = promise_rows(r.id, reading)
            due = due_of(reading, decision, r.comments)
            status_date = status_date_of(reading.latest_statement, days.get(r.id))
            same = [tuple(row[c] for c in _COMPARED) for row in rows_now] == stored.get(r.id, [])
            if same and due == r.current_due and status_date == r.status_date:
                continue
            if decision is not None and decision.action == "confirm" and ge.holds(decision, r.comments) \
                    and due != decision.due:
                out.kept.append(r.key)  # the owner said the date read before is right: their word stands
                if status_date != r.status_date:  # its status date still follows the rule
                    changed.append((r.id, r.current_due, status_date, True))
                    audit.append(_audit_row(now, actor, r.id, {"old_status_date": _iso(r.status_date),
                                                               "new_status_date": _iso(status_date)}))
                continue
            out.changed_keys.append(r.key)
            if not same and decision is not None and decision.action in ("set", "none") \
                    and ge.holds(decision, r.comments):
                out.held.append(r.key)
            changed.append((r.id, due, status_date, same))
            new_rows += [] if same else rows_now
            if due != r.current_due:
                out.moved.append(Moved(r.id, r.key, r.current_due, due))
            if due != r.current_due or status_date != r.status_date:  # what overdue reads: each change audited
                detail = {"old_due": _iso(r.current_due), "new_due": _iso(due)}
                if status_date != r.status_date:
                    detail |= {"old_status_date": _iso(r.status_date), "new_status_date": _iso(status_date)}
                audit.append(_audit_row(now, actor, r.id, detail))
        out.read += len(chunk)
        if not dry_run and changed:
            _write(conn, changed, new_rows)
        if progress:
            progress(out.read, len(ids))
    if not dry_run:
        audit.append({"at": now, "actor": actor, "action": "reread", "recommendation_id": None, "channel_id": None,
                      "detail": json.dumps({"reader": gp.READER, "reader_before": out.edition_before,
                                            "read": out.read, "changed": out.changed, "moved": len(out.moved),
                                            "kept_as_confirmed": len(out.kept)}, sort_keys=True)})
        for rows in chunks(audit, 5000):
            conn.execute(insert(AuditEvent), rows)
        set_reader(conn, gp.READER, now)
    return out


def _write(conn: Connection, changed: list[tuple[int, date | None, date | None, bool]], rows: list[dict]) -> None:
    replaced = [rid for rid, _due, _sd, same in changed if not same]
    for part in chunks(replaced, 500):
        conn.execute(delete(Promise).where(Promise.recommendation_id.in_(part)))
    for part in chunks(rows, 5000):
        conn.execute(insert(Promise), part)
    for rid, due, status_date, _same in changed:
        conn.execute(update(Recommendation).where(Recommendation.id == rid)
                     .values(current_due=due, status_date=status_date))
