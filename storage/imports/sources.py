"""Step 1: the parsed sources → the entries to store, oldest snapshot first, and each source's summary."""
from __future__ import annotations

from datetime import date

from bot.gao.records import ParseResult, normalize_title

from .rows import Entry, ImportRefused, SourceSummary


def read_sources(results: list[ParseResult], as_of: date | None, today: date | None
                 ) -> tuple[list[SourceSummary], list[Entry]]:
    """Every entry with a report number or title, stamped with its snapshot (``as_of`` given, else GAO's own
    date, else ``today``), sorted oldest snapshot first (stable) so the newest has the last word. Raises
    ImportRefused when there is none."""
    sources: list[SourceSummary] = []
    entries: list[Entry] = []
    for n_src, res in enumerate(results):
        notes = list(res.notes)
        placed = [r for r in res.recommendations if r.report.number or normalize_title(r.report.title)]
        if len(placed) < len(res.recommendations):
            notes.append(f"{len(res.recommendations) - len(placed)} without a report number or title, not stored")
        if res.cut:
            notes.append(f"{res.cut} cut off at the end of the input, not stored")
        snap = as_of or res.as_of or today
        sources.append(SourceSummary(res.source, res.format, len(placed), res.cut, notes, as_of=snap,
                                     duplicates=res.duplicates))
        # an undated source is what GAO shows at the moment of import: never older than what is stored
        dated = snap if as_of or res.as_of else None
        authoritative = res.format.startswith("csv")
        entries += [Entry(r, authoritative, dated, n_src) for r in placed]
    entries.sort(key=lambda e: e.snap or date.max)
    if not entries:
        why = "; ".join(f"{s.source}: {', '.join(s.notes) or 'no recommendations found'}" for s in sources)
        raise ImportRefused(f"nothing imported: no whole recommendation to store ({why})")
    return sources, entries
