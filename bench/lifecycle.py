"""Snapshots at 100k recommendations: a newer complete export (every record's snapshot date moves, a few
are no longer listed), an older export (every entry history-checked, nothing applied), and the newer one
again (nothing changes). Figures in docs/performance.md.

    python -m bench.lifecycle [--n 100000] [--runs 3] [--db sqlite|postgres]
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bot.gao.parse import parse
from storage import repo
from storage.db import Database

from .generate import export
from .run import machine


def one_run(url: str, data: bytes, n: int) -> dict:
    db = Database(url)
    base = parse(data, "bench.csv")
    assert base.as_of == date(2026, 11, 1)
    repo.import_results(db, [base])
    # the next month's complete export: one recommendation in 400 is gone (closed), the rest unchanged
    newer = dataclasses.replace(base, source="newer.csv", as_of=date(2026, 12, 1),
                                recommendations=[r for i, r in enumerate(base.recommendations) if i % 400 != 7])
    older = dataclasses.replace(base, source="older.csv", as_of=date(2026, 10, 1))
    t0 = time.perf_counter()
    s1 = repo.import_results(db, [newer], complete=True, force=True)
    t1 = time.perf_counter()
    s2 = repo.import_results(db, [older])
    t2 = time.perf_counter()
    s3 = repo.import_results(db, [newer], complete=True)
    t3 = time.perf_counter()
    assert len(s1.unlisted_keys) == n // 400 and s2.older == n and s3.status_events == 0, \
        (len(s1.unlisted_keys), s2.older, s3.status_events)
    db.dispose()
    return {"newer_complete_s": t1 - t0, "older_s": t2 - t1, "again_s": t3 - t2, "unlisted": len(s1.unlisted_keys)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    data = export(args.n)
    rows = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            if args.db == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            else:  # a fresh schema per run
                import uuid

                import psycopg

                from tests.conftest import PG_URL

                schema = f"bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as c:
                    c.execute(f"CREATE SCHEMA {schema}")
                url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            rows.append(one_run(url, data, args.n))
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in rows[-1].items()), flush=True)
    print(f"\n{machine()}, {args.db}, n={args.n:,}, {args.runs} runs (median, max)")
    for k in ("newer_complete_s", "older_s", "again_s"):
        vals = [r[k] for r in rows]
        print(f"| {k} | {statistics.median(vals):.1f} s | {max(vals):.1f} s |")


if __name__ == "__main__":
    main()
