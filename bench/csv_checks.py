"""What reading GAO's CSV export strictly costs: parse time of a synthetic
export (CPU seconds, so a busy shared machine weighs less), median and worst
of several runs. Run it on two checkouts to compare.

    python -m bench.csv_checks [--n 30000] [--runs 7]
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.generate import export
from bot.gao.parse import parse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30_000, help="recommendations in the export")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    data = export(args.n)
    cpu, wall = [], []
    for _ in range(args.runs):
        c, w = time.process_time(), time.perf_counter()
        result = parse(data, "bench.csv")
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    assert len(result.recommendations) == args.n
    print(f"| parse {len(data) / 1e6:.1f} MB, {args.n:,} records, {args.runs} runs | "
          f"CPU median {statistics.median(cpu):.2f} s, worst {max(cpu):.2f} s | "
          f"wall median {statistics.median(wall):.2f} s, worst {max(wall):.2f} s |")


if __name__ == "__main__":
    main()
