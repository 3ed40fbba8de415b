"""The import: parsed GAO sources upserted in one transaction, in steps, each a function over typed rows
(rows.py):

1. ``read_sources`` (sources.py): the entries to store, each with its snapshot date, oldest first.
2. ``resolve_reports`` (reports.py, pure): each entry's report, stored or new; new reports inserted.
3. ``match_records`` (match.py, pure): each entry's record by the identity rules, applied by the snapshot
   rules (an older snapshot is history only).
4. ``unlist`` (complete.py, pure; ``--complete`` only): what a complete import no longer lists.
5. ``apply_changes`` (apply.py): status events and their audit rows, promises and slips, inserts, updates,
   the search index; then, when the stored comments were read by another edition of the promise reader, every
   other comment read again (reread.py).
6. The summary (``ImportSummary``), and the import run's counts.

Nothing is ever deleted; every change of status or comment is a status event.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Collection
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update

from bot.gao import promises as gp
from bot.gao.records import ParseResult

from ..db import Database
from ..models import ImportRun
from ..types import utc
from .apply import apply_changes, load_records, local_date
from .complete import unlist
from .match import match_records
from .reread import Reread, read_again, reader_of, set_reader
from .reports import insert_reports, load_reports, resolve_reports, update_reports
from .rows import ImportRefused, ImportSummary, SourceSummary
from .sources import read_sources

__all__ = ["ImportRefused", "ImportSummary", "Reread", "SourceSummary", "import_results", "reread_promises"]


class _Stopwatch:
    """Seconds per stage, added into ``timings`` (benchmarks read them)."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


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
    assert today is not None
    sources, entries = read_sources(results, as_of, today)
    whole = {i for i, r in enumerate(results) if complete is True or (complete and r.source in complete)}
    summary = ImportSummary(sources=sources)
    lap = _Stopwatch(summary.timings)

    with db.write() as s:
        conn = s.connection()
        stored_reports = load_reports(conn)
        lap("load")
        reports = resolve_reports([e.rec.report for e in entries], stored_reports)
        insert_reports(conn, reports)
        stored = load_records(conn)
        matches = match_records(entries, reports.of_entry, stored, now=now, today=today, progress=progress)
        unlisted = unlist(stored, matches.touched, entries, sources, whole, force) if whole else []
        update_reports(conn, reports)
        run_id = conn.execute(insert(ImportRun).values(
            started_at=now, sources="\n".join(r.source for r in results),
            formats=", ".join(sorted({r.format for r in results}))[:300], new=0, changed=0, unchanged=0,
        ).returning(ImportRun.id)).scalar_one()
        lap("match")

        by_id = {r.id: r for r in (*stored_reports, *reports.new) if r.id is not None}
        applied = apply_changes(s, run_id, stored, matches, unlisted, by_id, reports.changed, now=now, tz=tz,
                                lap=lap)

        summary.import_id = run_id
        summary.new, summary.new_keys = len(applied.new), [r.key for r in applied.new]
        summary.changed, summary.changed_keys = len(applied.changed), [r.key for r in applied.changed]
        summary.unchanged = applied.unchanged
        summary.status_events, summary.slips, summary.older = applied.events, applied.slips, matches.older_entries
        summary.relisted_keys = applied.relisted_keys
        if reader_of(conn) != gp.READER:  # comments read by another edition of the reader: read them again
            if stored:
                summary.reread = read_again(s, now=now, tz=tz, skip=applied.read_ids)
            else:
                set_reader(conn, gp.READER, now)  # a first import: this reader read every comment
        lap("reread")
        summary.unlisted_keys = [r.key for r in unlisted]
        conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
            new=summary.new, changed=summary.changed, unchanged=summary.unchanged))
    lap("commit")
    return summary


def reread_promises(db: Database, *, now: datetime | None = None, tz: ZoneInfo | str = "America/New_York",
                    dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
                    actor: str = "gaorec") -> Reread:
    """Every stored comment read again by the current promise reader, in one transaction (reread.py). With
    ``dry_run``, what would change, read in a plain session (no write lock), and nothing written."""
    now = utc(now)
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    if dry_run:
        with db.session() as s:
            return read_again(s, now=now, tz=tz, dry_run=True, progress=progress, actor=actor)
    with db.write() as s:
        return read_again(s, now=now, tz=tz, progress=progress, actor=actor)
