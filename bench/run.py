"""Benchmarks: import throughput and search latency at 100k recommendations,
promise extraction speed. Prints a Markdown block for docs/performance.md.

    python -m bench.run [--n 100000] [--db sqlite|postgres] [--runs 2000]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from bench.generate import export
from bot.gao.parse import parse
from bot.gao.promises import extract
from storage import repo
from storage.db import Database

QUERIES = ["232", "oversight", "tariffs exclusions", "GAO-20-100007", "Section 512", "cybersecurity privacy",
           "payments", '"232', "NEAR(", "housing loans"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def bench_import(url: str, n: int) -> dict:
    data = export(n)
    db = Database(url)
    t0 = time.perf_counter()
    result = parse(data, "bench.csv")
    t1 = time.perf_counter()
    summary = repo.import_results(db, [result])
    t2 = time.perf_counter()
    again = repo.import_results(db, [result])
    t3 = time.perf_counter()
    assert summary.new == n and again.unchanged == n, (summary.new, again.unchanged)
    return {"db": db, "parse_s": t1 - t0, "store_s": t2 - t1, "total_s": t2 - t0, "reimport_s": t3 - t2,
            "rate": n / (t2 - t0), "mb": len(data) / 1e6}


def bench_search(db: Database, runs: int) -> dict:
    lat: list[float] = []
    with db.session() as s:
        for q in QUERIES:  # warm
            repo.search(s, q, limit=5)
        for i in range(runs):
            q = QUERIES[i % len(QUERIES)]
            t = time.perf_counter()
            repo.search(s, q, limit=5)
            lat.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(lat), "p99": pct(lat, 99), "runs": runs}


def bench_worst_query(db: Database, runs: int = 200) -> dict:
    """A word in every record ANDed with a rare one: FTS5 reads the whole common doclist."""
    lat = []
    with db.session() as s:
        for _ in range(runs):
            t = time.perf_counter()
            repo.search(s, "head 512", limit=5)
            lat.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(lat), "p99": pct(lat, 99)}


def bench_overdue(db: Database, runs: int = 20) -> dict:
    lat = []
    with db.session() as s:
        for _ in range(runs):
            t = time.perf_counter()
            found = repo.overdue(s, date(2026, 12, 1))
            lat.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(lat), "p99": pct(lat, 99), "found": len(found)}


def bench_promise_1mb() -> dict:
    chunk = ("In March 2024, the agency stated that it expects to finish the review by June 2025. "
             "We will follow up in the second quarter of fiscal year 2026. ")
    text = chunk * (1_000_000 // len(chunk))
    times = []
    for _ in range(5):
        t = time.perf_counter()
        found = extract(text)
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "promises": len(found)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--runs", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            url = os.environ.get("GAOREC_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
            import psycopg

            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as c:
                c.execute("DROP SCHEMA IF EXISTS bench CASCADE")
                c.execute("CREATE SCHEMA bench")
            url += "?options=-csearch_path%3Dbench"
        imp = bench_import(url, args.n)
        srch = bench_search(imp["db"], args.runs)
        od = bench_overdue(imp["db"])
        worst = bench_worst_query(imp["db"])
        pr = bench_promise_1mb()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"### Import and search, {args.n:,} recommendations ({args.db}) — {now}\n")
    print(f"Machine: {machine()}\n")
    print("| measure | value |\n|---|---|")
    print(f"| export size | {imp['mb']:.1f} MB CSV |")
    print(f"| parse | {imp['parse_s']:.1f} s |")
    print(f"| store (one transaction, FTS, promises) | {imp['store_s']:.1f} s |")
    print(f"| **import throughput** | **{imp['rate']:,.0f} recommendations/s** |")
    print(f"| re-import, nothing changed | {imp['reimport_s']:.1f} s |")
    print(f"| **search p50 / p99** ({srch['runs']} queries, limit 5) "
          f"| **{srch['p50']:.2f} ms / {srch['p99']:.2f} ms** |")
    print(f"| worst case: a word in every record AND a rare one, p50 / p99 "
          f"| {worst['p50']:.2f} ms / {worst['p99']:.2f} ms |")
    print(f"| overdue selection p50 / p99 ({od['found']:,} overdue) | {od['p50']:.0f} ms / {od['p99']:.0f} ms |")
    print(f"| promises in a 1 MB comment | {pr['median_s']:.2f} s (median of 5), {pr['promises']:,} found |")


if __name__ == "__main__":
    main()
