"""How fast the promise reader reads a 1 MB comment.

    python -m bench.promises.speed [--runs 15]

Three 1 MB comments: GAO-like prose (statements, promises, GAO's plans), the
challenge sentences repeated (every role the reader knows), and an adversarial
one (digits, slashes, prepositions and month names with no sentence end).
Each is read ``--runs`` times; the median and the worst (p99 of so few runs is
the worst) are printed. The target is well under a second.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.gao.promises import read

HERE = Path(__file__).parent
SIZE = 1_000_000


def comments() -> dict[str, str]:
    prose = ("In March 2024, the agency stated that it expects to finish the review by June 2025. "
             "We will follow up in the second quarter of fiscal year 2026. ")
    challenge = " ".join(x["text"] for x in json.loads((HERE / "challenge.json").read_text())["sentences"]) + " "
    hostile = "by in 9/30/ 12/ May June within 90 days of FY 20 2025 before the end of ((( 1/1/ "
    return {name: (s * (SIZE // len(s) + 1))[:SIZE] for name, s in
            (("GAO-like prose", prose), ("challenge sentences", challenge), ("adversarial", hostile))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    print("| 1 MB comment | median | worst | promises | others seen |")
    print("|---|---|---|---|---|")
    for name, text in comments().items():
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            r = read(text)
            times.append(time.perf_counter() - t)
        print(f"| {name} | {statistics.median(times):.2f} s | {max(times):.2f} s | {len(r.promises):,} "
              f"| {len(r.rejected):,} |")


if __name__ == "__main__":
    main()
