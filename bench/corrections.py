"""What owners' corrections cost: the overdue page and one record's view with
no corrections and with 1,000 of them, and the time to record one correction.
Prints a Markdown block for docs/performance.md.

    python -m bench.corrections [--n 20000] [--runs 300]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.generate import export
from bench.run import machine, pct
from bot.gao.parse import parse
from bot.service import Gaorec
from bot.services import promises as sp
from config.settings import Settings
from storage import repo

AS_OF = date(2026, 12, 1)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(app: Gaorec, key: str, runs: int) -> dict:
    def page():
        with app.db.session() as s:
            repo.overdue(s, AS_OF, limit=50)

    return {"page": timed(page, runs), "show": timed(lambda: app.show(key), runs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--corrections", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Gaorec(Settings(database_url=f"sqlite:///{Path(tmp) / 'b.db'}", _env_file=None))
        repo.import_results(app.db, [parse(export(args.n), "bench.csv")])
        with app.db.session() as s:
            overdue = repo.overdue(s, AS_OF)
        keys = [v.key for v in overdue]
        before = measure(app, keys[0], args.runs)
        applied = timed(lambda: None, 0)
        for i, key in enumerate(keys[:args.corrections]):
            t0 = time.perf_counter()
            sp.apply(app, key, "set" if i % 2 else "none", actor="bench", via="cli", due=date(2030, 1, 31),
                     reason="bench", check=False)
            applied.append((time.perf_counter() - t0) * 1000)
        after = measure(app, keys[1], args.runs)
        app.db.dispose()
    n_corr = min(args.corrections, len(keys))
    print(f"Machine: {machine()}; SQLite; {args.n:,} recommendations, {len(keys):,} overdue; {args.runs} runs each")
    print(f"| | no corrections p50 / p99 | with {n_corr:,} corrections p50 / p99 |")
    print("|---|---|---|")
    for name, label in (("page", "overdue page (50 rows)"), ("show", "one record (show)")):
        b, a = before[name], after[name]
        print(f"| {label} | {statistics.median(b):.2f} ms / {pct(b, 99):.2f} ms "
              f"| {statistics.median(a):.2f} ms / {pct(a, 99):.2f} ms |")
    print(f"| record one correction (`gaorec promise`, in process) | | "
          f"{statistics.median(applied):.2f} ms / {pct(applied, 99):.2f} ms ({n_corr:,} runs) |")


if __name__ == "__main__":
    main()
