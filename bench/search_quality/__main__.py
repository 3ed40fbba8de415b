"""Search quality on labelled queries over ../shared/gao: recall@5 and precision@5.

    python -m bench.search_quality [--url DATABASE_URL] [--show]

Loads the CBP page, both CSV excerpts and the excerpts directory into a fresh
database (SQLite in a temporary directory unless --url names one), runs every
query in labels.json through the same search the CLI and Slack use, and
reports, for the tuning set and the held-out third separately:

- recall@5: of the keys a person expects, the share in the first 5 results
  (divided by min(5, expected), so a query with 8 right answers can score 1);
- precision@5: of the results shown in the first 5, the share a person expects
  (0 when nothing is found)."""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
SHARED = HERE.parent.parent.parent / "shared" / "gao"
SOURCES = ["cbp-agency-page-2024.txt", "export-2026-09-28-excerpt.csv", "export-2026-09-28-excerpt-35.csv", "excerpts"]


def score(found: list[str], expect: list[str]) -> tuple[float, float]:
    top = found[:5]
    hits = sum(1 for k in top if k in expect)
    return hits / min(5, len(expect)), (hits / len(top) if top else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a database URL (default: SQLite in a temporary directory)")
    ap.add_argument("--show", action="store_true", help="print every query with what it found")
    args = ap.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"bench.search_quality: {SHARED} is absent (the shared GAO material)")
    from bot.service import Gaorec
    from config.settings import Settings

    labels = json.loads((HERE / "labels.json").read_text())["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        app = Gaorec(Settings(database_url=args.url or f"sqlite:///{tmp}/quality.db", _env_file=None))
        app.import_sources([str(SHARED / s) for s in SOURCES])
        rows = []
        for lab in labels:
            views, total = app.search(lab["query"], limit=5)
            found = [v.key for v in views]
            r, p = score(found, lab["expect"])
            rows.append((lab, found, r, p))
            if args.show:
                miss = [k for k in lab["expect"][:5] if k not in found]
                print(f"{'H' if lab['held_out'] else ' '} R={r:.2f} P={p:.2f} {lab['query']!r}: {found} "
                      f"{'missing ' + ' '.join(miss) if miss and r < 1 else ''}")
        app.db.dispose()
    print(f"### Search quality on ../shared/gao — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Database: {app.db.dialect}. {len(labels)} labelled queries over {len(SOURCES)} sources.\n")
    print("| set | queries | recall@5 | precision@5 | queries with recall@5 = 1 |\n|---|---|---|---|---|")
    for name, sel in (("tuning", [x for x in rows if not x[0]["held_out"]]),
                      ("held out", [x for x in rows if x[0]["held_out"]]), ("all", rows)):
        print(f"| {name} | {len(sel)} | {statistics.mean(x[2] for x in sel):.3f} | "
              f"{statistics.mean(x[3] for x in sel):.3f} | {sum(1 for x in sel if x[2] == 1.0)} |")
    misses = [x for x in rows if x[2] < 1.0]
    if misses:
        print("\nQueries below recall 1: " + "; ".join(f"`{x[0]['query']}` {x[2]:.2f}" for x in misses) + ".")


if __name__ == "__main__":
    main()
