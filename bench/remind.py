"""The reminder pass at 100k recommendations with about 1,000 overdue.

    python -m bench.remind [--n 100000] [--due 1000] [--runs 20]

Selection = finding the overdue recommendations of every subscription and
their reminder rows; the full dry-run pass adds loading and rendering the
posts (cap raised so all ~1,000 are rendered)."""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

from bench.generate import export
from bench.run import machine, pct
from bot.gao.parse import parse
from bot.service import Gaorec
from config.settings import Settings
from storage import repo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--due", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Gaorec(Settings(database_url=f"sqlite:///{tmp}/b.db", reminder_cap=100_000, _env_file=None))
        repo.import_results(app.db, [parse(export(args.n), "bench.csv")], now=datetime(2019, 1, 1, tzinfo=timezone.utc))
        # the day on which about --due recommendations are overdue
        with app.db.session() as s:
            lo, hi = date(2019, 1, 1), date(2031, 1, 1)
            while (hi - lo).days > 1:
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if repo.count_overdue(s, mid) < args.due else (lo, mid)
            as_of, due = hi, repo.count_overdue(s, hi)
        with app.db.write() as s:
            repo.subscribe(s, "C_ALL", "", "bench", repo.utcnow())
            repo.subscribe(s, "C_QUERY", "oversight", "bench", repo.utcnow())
        now = datetime(as_of.year, as_of.month, as_of.day, 14, tzinfo=timezone.utc)
        sel, full = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            result = app.reminders.run_pass(now, dry_run=True)
            full.append(time.perf_counter() - t)
            sel.append(result.selection_seconds)
        planned = len(result.planned)
    print(f"### Reminder pass, {args.n:,} recommendations, {due:,} overdue — "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Machine: {machine()}. Two subscribed channels (all; a query), dry run, {args.runs} runs.\n")
    print("| measure | p50 | p99 |\n|---|---|---|")
    print(f"| **selection** (overdue × subscriptions, reminder rows) | **{statistics.median(sel) * 1000:.0f} ms** | "
          f"{pct(sel, 99) * 1000:.0f} ms |")
    print(f"| whole dry-run pass, {planned:,} posts planned | {statistics.median(full) * 1000:.0f} ms | "
          f"{pct(full, 99) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
