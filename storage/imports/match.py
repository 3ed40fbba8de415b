"""Step 3: each entry matched to its record, stored or new, and applied by the snapshot rules. Pure: no database.

Identity (``Identities.of``): a record is its report and its ident within it.
- A numbered entry's ident is its number (or GAO's label, "19-01"; "matter N" for a matter for Congress) and
  its agency, normalized: "3|department of energy". GAO lists one recommendation under several agencies as
  several records.
- GAO's odd spellings: an entry whose ident is not stored, whose number only one agency names in this import,
  and whose report holds exactly one stored record of that number, is that record (the agency was spelled
  differently).
- An unnumbered entry is the n-th distinct text (spacing and case aside) of its agency in that report in its
  source: "-|agency|n". A copy of an entry in the same source is the same record.

Snapshots (``take``): entries are applied oldest snapshot first. An entry dated before what its record
already reflects (``as_of``) only fills what the record lacks (agency, text, topics) and, when it says
something else about status or comment, is kept as history (an "older" status event). Any other entry
updates the record (``merge``: a cut comment never replaces the full one it begins; a CSV's priority column
is GAO's whole word; a mapped sheet's target and amounts) and moves its snapshot date; a record not listed
before is listed again. An undated source is what GAO shows at the moment of import: never older."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from bot.gao.effective import ZERO_WIDTH
from bot.gao.records import Recommendation as ParsedRec
from bot.gao.records import normalize_agency

from .rows import Entry, Older, Record, ReportRow, Stored

KEY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/1/i/l/o: keys are read aloud and typed

Ident = tuple[int, str]  # (report id, ident): a record's identity


def norm_space(s: str | None) -> str:
    """Text as compared for a change: spacing and invisible characters (a zero-width space) aside."""
    return " ".join(ZERO_WIDTH.sub("", s or "").split())


def rec_ident(kind: str, number: int | None, label: str | None, agency_norm: str) -> str | None:
    """The identity of a numbered entry within its report: "3|agency" (unchanged
    since the first version), "19-01|agency", "matter 4|congress"; None when
    GAO gave it no number or label."""
    lab = str(number) if number is not None else label
    if lab is None:
        return None
    return f"matter {lab}|{agency_norm}" if kind == "matter" else f"{lab}|{agency_norm}"


class Identities:
    """Which record each entry of one import is (the rules in this module's docstring)."""

    def __init__(self, stored: Iterable[Stored], entries: Iterable[tuple[int, ParsedRec]]):
        # (report id, kind, number or label) → the idents of the stored records so numbered
        self.stored_numbered: dict[tuple[int, str, str | None], list[str]] = defaultdict(list)
        for r in stored:
            lab = str(r.number) if r.number is not None else r.label
            if lab is not None:
                self.stored_numbered[(r.report_id, r.kind or "recommendation", lab)].append(r.ident)
        # (report id, kind, number or label) → the agencies (normalized) this import names under it
        self.agencies: dict[tuple[int, str, str | None], set[str]] = defaultdict(set)
        for report_id, rec in entries:
            if rec.ident_label is not None:
                self.agencies[(report_id, rec.kind, rec.ident_label)].add(normalize_agency(rec.agency))
        # unnumbered entries: (source, report id, agency) → each distinct text's ordinal
        self.ordinals: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)

    def of(self, entry: Entry, report_id: int, known: Callable[[Ident], bool]) -> str:
        """The entry's ident within its report. ``known``: whether a record of that identity is stored or
        already new in this import."""
        rec = entry.rec
        agency = normalize_agency(rec.agency)
        ident = rec_ident(rec.kind, rec.number, rec.label, agency)
        if ident is None:
            seen = self.ordinals[(entry.source, report_id, agency)]
            return f"-|{agency}|{seen.setdefault(norm_space(rec.text).casefold(), len(seen) + 1)}"
        number = (report_id, rec.kind, rec.ident_label)
        if not known((report_id, ident)) and len(self.agencies[number]) == 1:
            same = self.stored_numbered.get(number, [])
            if len(same) == 1:  # one agency here, one stored: GAO spelled the agency differently
                return same[0]
        return ident


def make_key(seed: str, taken: set[str]) -> str:
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


def keep_longer(old: str | None, new: str | None) -> bool:
    """True when ``new`` is a cut of ``old`` (a strict prefix of it, spacing aside)."""
    if not old or not new:
        return False
    o, n = norm_space(old), norm_space(new)
    return len(n) < len(o) and o.startswith(n)


def differs(cur: Record, rec: ParsedRec) -> bool:
    """The entry says something else than the record about status or comment (a cut comment says nothing else)."""
    if rec.status and rec.status != cur.status:
        return True
    if rec.comments is None or keep_longer(cur.comments, rec.comments):
        return False
    return norm_space(rec.comments) != norm_space(cur.comments)


def merge_older(cur: Record, rec: ParsedRec) -> None:
    """An entry from a snapshot older than what the record reflects: it fills what is missing, never
    replaces status, comment or priority."""
    if rec.agency and not cur.agency:
        cur.agency = rec.agency
    if rec.text and not cur.text:
        cur.text = rec.text
    if rec.topics and not cur.topics:
        cur.topics = "; ".join(rec.topics)


def merge(cur: Record, rec: ParsedRec, authoritative_priority: bool) -> None:
    """GAO's newer word on the record."""
    if rec.agency and not cur.agency:
        cur.agency = rec.agency
    if rec.text and not keep_longer(cur.text, rec.text):
        cur.text = rec.text
    if rec.status:
        cur.status = rec.status
    if rec.comments is not None and not keep_longer(cur.comments, rec.comments):
        cur.comments, cur.comments_cut = rec.comments, rec.comments_cut
    cur.priority = rec.priority if authoritative_priority else bool(cur.priority or rec.priority)
    if rec.topics:
        cur.topics = "; ".join(rec.topics)
    cur.issuer = rec.issuer if rec.issuer != "gao" else cur.issuer or "gao"
    if rec.target_due is not None:  # only mapped sheets state these
        cur.target_due = rec.target_due
    if rec.questioned_costs is not None:
        cur.questioned_costs = rec.questioned_costs
    if rec.funds_for_better_use is not None:
        cur.funds_for_better_use = rec.funds_for_better_use


def take(cur: Record, entry: Entry, today: date, history: list[Older]) -> bool:
    """Apply one entry to its record by the snapshot rules. True when the entry is older than what the record
    reflects; if it also says something else, it goes to ``history``."""
    rec, snap = entry.rec, entry.snap
    older = snap is not None and cur.as_of is not None and snap < cur.as_of
    if older:  # history only
        assert snap is not None
        if differs(cur, rec):
            history.append(Older(cur, rec, snap))
        merge_older(cur, rec)
    else:
        if snap is None:  # undated: what GAO shows now, never older than the record
            snap = max(today, cur.as_of) if cur.as_of is not None else today
        had = cur.status is not None or cur.comments is not None  # stored, or given by an earlier entry
        before = (cur.status, norm_space(cur.comments))
        merge(cur, rec, entry.authoritative)
        if had and (cur.status, norm_space(cur.comments)) != before:
            cur.changed_on = snap  # the first snapshot that shows this change (a later one may show it again)
        cur.as_of = snap
        if not cur.listed:  # listed again by a snapshot no older than the one that stopped listing it
            cur.listed, cur.outcome = True, None
    cur.last_listed = max(cur.last_listed, snap) if cur.last_listed is not None else snap
    return older


@dataclass
class Matches:
    """What the entries did: the stored records they reached and the new ones (each as the import leaves it,
    in order of first mention), the older entries to keep as history, and how many entries were older."""
    touched: dict[Ident, Record] = field(default_factory=dict)
    new: dict[Ident, Record] = field(default_factory=dict)
    older: list[Older] = field(default_factory=list)
    older_entries: int = 0


def new_record(report_id: int, ident: str, rec: ParsedRec, key: str, now: datetime) -> Record:
    return Record(id=None, key=key, report_id=report_id, ident=ident, number=rec.number, kind=rec.kind,
                  label=rec.label, agency=rec.agency, text=None, status=None, priority=False, comments=None,
                  comments_cut=False, topics=None, issuer="gao", target_due=None, questioned_costs=None,
                  funds_for_better_use=None, last_changed=None, current_due=None, as_of=None, listed=True,
                  last_listed=None, outcome=None, first_seen=now)


def match_records(entries: list[Entry], reports: list[ReportRow], stored: Mapping[Ident, Stored], *,
                  now: datetime, today: date, progress: Callable[[int], None] | None = None) -> Matches:
    """Each entry (oldest snapshot first) to its record, by identity, and applied by the snapshot rules.
    ``reports``: each entry's report, with its id; ``stored``: the stored records by identity. A new record's
    key is made from its report and ident, unlike every key stored or made before."""
    report_ids = [report.id for report in reports]
    assert None not in report_ids, "reports are inserted before records are matched"
    ids = Identities(stored.values(), zip(cast(list[int], report_ids), (e.rec for e in entries), strict=True))
    taken = {r.key for r in stored.values()}
    out = Matches()

    def known(k: Ident) -> bool:
        return k in stored or k in out.new

    for n, (entry, report, report_id) in enumerate(zip(entries, reports, cast(list[int], report_ids), strict=True)):
        k = (report_id, ids.of(entry, report_id, known))
        cur = out.touched.get(k) or out.new.get(k)
        if cur is None:
            if k in stored:
                cur = out.touched[k] = Record(*stored[k])
            else:
                key = make_key(f"{report.number or report.title_norm}|{k[1]}", taken)
                cur = out.new[k] = new_record(report_id, k[1], entry.rec, key, now)
        if take(cur, entry, today, out.older):
            out.older_entries += 1
        if progress is not None and n % 1000 == 999:
            progress(1000)
    if progress is not None:
        progress(len(entries) % 1000)
    return out
