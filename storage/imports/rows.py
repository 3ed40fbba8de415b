"""The import's typed rows: what each step takes and gives (storage/imports/__init__.py lists the steps)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from bot.gao.records import Recommendation as ParsedRec

if TYPE_CHECKING:
    from .reread import Reread

# GAO's content of a record: a difference in any of these makes the record "changed"
CONTENT = ("agency", "text", "status", "priority", "comments", "comments_cut", "topics", "issuer", "target_due",
           "questioned_costs", "funds_for_better_use")
# not GAO's content: never "changed" by themselves, written in groups
BOOKKEEPING = ("as_of", "listed", "last_listed", "outcome")


class ImportRefused(ValueError):
    """The import would store nothing (zero recommendations); the database is unchanged."""


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
    reread: Reread | None = None  # the stored comments read again by a new edition of the promise reader

    def to_json(self) -> dict:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "status_events": self.status_events, "slips": self.slips, "import_id": self.import_id,
                "older": self.older, "unlisted": len(self.unlisted_keys), "relisted": len(self.relisted_keys),
                "sources": [{**s.__dict__, "as_of": s.as_of.isoformat() if s.as_of else None} for s in self.sources],
                "changed_keys": self.changed_keys, "unlisted_keys": self.unlisted_keys,
                "relisted_keys": self.relisted_keys,
                "reread": None if self.reread is None else {
                    "reader": self.reread.edition, "reader_before": self.reread.edition_before,
                    "read": self.reread.read, "changed": self.reread.changed,
                    "moved": [{"key": m.key, "old_due": m.old_due.isoformat() if m.old_due else None,
                               "new_due": m.new_due.isoformat() if m.new_due else None} for m in self.reread.moved],
                    "kept_as_confirmed": self.reread.kept, "held_by_correction": self.reread.held,
                    "threads_told": self.reread.threads_told}}


class Entry(NamedTuple):
    """One parsed recommendation to store, with the snapshot it comes from."""
    rec: ParsedRec
    authoritative: bool  # a CSV export: its priority column is GAO's whole word (blank = not a priority)
    snap: date | None  # the snapshot's date; None: an undated source, what GAO shows at the moment of import
    source: int  # its source's position in the import


@dataclass(eq=False)
class ReportRow:
    """A report, stored (``id``) or new in this import (``id`` None until it is inserted)."""
    id: int | None
    number: str | None
    title: str | None
    title_norm: str | None
    published: date | None
    url: str | None
    director: str | None
    phone: str | None
    created: int = 0  # new in this import: the how-manieth (1, 2, …)

    def values(self) -> dict:
        return {"number": self.number, "title": self.title, "title_norm": self.title_norm,
                "published": self.published, "url": self.url, "director": self.director, "phone": self.phone}


class Stored(NamedTuple):
    """A recommendation as the database holds it before the import (never changed)."""
    id: int
    key: str
    report_id: int
    ident: str
    number: int | None
    kind: str | None
    label: str | None
    agency: str
    text: str | None
    status: str | None
    priority: bool
    comments: str | None
    comments_cut: bool
    topics: str | None
    issuer: str | None
    target_due: date | None
    questioned_costs: float | None
    funds_for_better_use: float | None
    last_changed: datetime | None
    current_due: date | None
    as_of: date | None
    listed: bool | None
    last_listed: date | None
    outcome: str | None


@dataclass(slots=True, eq=False)
class Record:
    """A recommendation as this import leaves it: a stored one it reaches (its fields in ``Stored``'s order
    first, so ``Record(*stored)`` copies one), or a new one (``id`` None until it is inserted)."""
    id: int | None
    key: str
    report_id: int
    ident: str
    number: int | None
    kind: str | None
    label: str | None
    agency: str
    text: str | None
    status: str | None
    priority: bool
    comments: str | None
    comments_cut: bool
    topics: str | None
    issuer: str | None
    target_due: date | None
    questioned_costs: float | None
    funds_for_better_use: float | None
    last_changed: datetime | None
    current_due: date | None
    as_of: date | None
    listed: bool | None
    last_listed: date | None
    outcome: str | None
    first_seen: datetime | None = None  # a new record: the import's instant
    status_date: date | None = None  # set with the promises, for records whose comment is read
    changed_on: date | None = None  # changed by this import: the date of the snapshot that showed it
    reread: bool = False  # the stated target moved: the comment is read again (the current promise, a slip)


class Older(NamedTuple):
    """An entry from a snapshot older than what its stored record reflects and saying something else: history."""
    record: Record
    rec: ParsedRec
    snap: date


class Event(NamedTuple):
    """A status event (and its audit row): what GAO said before and now."""
    recommendation_id: int
    old_status: str | None
    new_status: str | None
    old_comments: str | None
    new_comments: str | None
    as_of: date | None
    kind: str  # change, older, reopened, unlisted, relisted
