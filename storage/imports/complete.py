"""Step 4 (``--complete`` only): what a complete import no longer lists. Pure: no database."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from bot.gao.records import OPEN_STATUSES, normalize_agency

from .match import Ident
from .rows import Entry, ImportRefused, Record, SourceSummary, Stored


def unlist(stored: Mapping[Ident, Stored], touched: Mapping[Ident, Record], entries: list[Entry],
           sources: list[SourceSummary], whole: set[int], force: bool) -> list[Record]:
    """The open, listed GAO recommendations of the agencies the complete sources (``whole``) name that no entry
    reached become not listed, as of the newest of those sources' snapshots (unless their record reflects a
    newer one). More than a quarter of an agency's at once is refused (a filtered export declared complete by
    mistake) unless ``force``."""
    snap = max(s.as_of for i, s in enumerate(sources) if i in whole and s.as_of)  # all dated on import
    source_of: dict[str, str] = {}  # agency (normalized) → the first complete source naming it
    for e in entries:
        if e.source in whole:
            source_of.setdefault(normalize_agency(e.rec.agency), sources[e.source].source)
    listed_open: dict[str, int] = defaultdict(int)
    vanished: dict[str, list[Ident]] = defaultdict(list)
    for k, old in stored.items():
        agency = normalize_agency(old.agency)
        if agency not in source_of or old.status not in OPEN_STATUSES or not old.listed \
                or (old.issuer or "gao") != "gao":  # GAO's export says nothing of an IG's recommendations
            continue
        listed_open[agency] += 1
        if k not in touched and (old.as_of is None or old.as_of <= snap):
            vanished[agency].append(k)
    for agency, keys in sorted(vanished.items()):
        if len(keys) * 4 > listed_open[agency] and not force:
            raise ImportRefused(
                f"{source_of[agency]}: declared complete, but {len(keys)} of the {listed_open[agency]} listed open "
                f"recommendations of {stored[keys[0]].agency} are not in it (more than a quarter at once; a "
                f"filtered export?): nothing imported; add --force if GAO really stopped listing them")
    out = []
    for keys in vanished.values():
        for k in keys:
            cur = Record(*stored[k])
            cur.listed, cur.as_of, cur.outcome = False, snap, None
            out.append(cur)
    return out
