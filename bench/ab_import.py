"""Two revisions' imports side by side, alternately (the machine is shared: one after the other, in turns, so
both see the same load): the first import of N synthetic recommendations into an empty SQLite database, the
same again (nothing changes), and bench/lifecycle.py's newer complete / older / newer-again imports. Prints one
line per run (wall seconds, and CPU seconds of the process and its promise-reading workers in brackets) and
the medians.

    git archive main | tar -x -C /tmp/before      # any two source trees
    python -m bench.ab_import /tmp/before . [--n 100000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

RUNS = ("import", "reimport", "newer_complete", "older", "newer_again")


def child(n: int) -> None:
    """Run in a revision's directory (it comes first on the path): time its imports and print JSON."""
    import dataclasses
    import tempfile
    import time
    from datetime import date

    from bench.generate import export
    from bot.gao.parse import parse
    from storage import repo
    from storage.db import Database

    base = parse(export(n), "bench.csv")
    newer = dataclasses.replace(base, source="newer.csv", as_of=date(2026, 12, 1),
                                recommendations=[r for i, r in enumerate(base.recommendations) if i % 400 != 7])
    older = dataclasses.replace(base, source="older.csv", as_of=date(2026, 10, 1))
    out: dict = {"code": repo.__file__}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/ab.db")
        for name, res, kw in zip(RUNS, (base, base, newer, older, newer),
                                 ({}, {}, {"complete": True, "force": True}, {}, {"complete": True}), strict=True):
            t, c = time.perf_counter(), os.times()
            summary = repo.import_results(db, [res], **kw)
            c2 = os.times()
            out[name] = [round(time.perf_counter() - t, 2), round(sum(c2[:4]) - sum(c[:4]), 2)]
            out[name + "_stages"] = {k: round(v, 2) for k, v in summary.timings.items()}
        db.dispose()
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.n)
        return
    got: dict[str, list[dict]] = {"before": [], "after": []}
    for i in range(args.rounds):
        for label in ("before", "after"):
            where = Path(getattr(args, label)).resolve()
            load = os.getloadavg()[0]
            me = str(Path(__file__).resolve())
            run = subprocess.run([sys.executable, me, ".", ".", "--n", str(args.n), "--child"], cwd=where,
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "PYTHONPATH": str(where)})
            d = json.loads(run.stdout.strip().splitlines()[-1])
            assert Path(d["code"]).resolve().is_relative_to(where), (d["code"], where)  # that revision's code
            got[label].append(d)
            print(f"| {label} | {i + 1} | {load:.1f} | " + " | ".join(f"{d[k][0]:.1f} ({d[k][1]:.1f})" for k in RUNS)
                  + " |", flush=True)
    for label, runs in got.items():
        print(f"| **{label}, median** | | | " + " | ".join(
            f"{statistics.median(r[k][0] for r in runs):.1f} ({statistics.median(r[k][1] for r in runs):.1f})"
            for k in RUNS) + " |")


if __name__ == "__main__":
    main()
