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
import random
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
    out = {name: (s * (SIZE // len(s) + 1))[:SIZE] for name, s in
           (("GAO-like prose, repeated", prose), ("challenge sentences, repeated", challenge),
            ("adversarial, one run-on sentence", hostile))}
    out["GAO-like prose, no two sentences alike"] = varied()
    return out


def varied() -> str:
    """1 MB of GAO-like sentences in which no two are alike (the reader analyses a repeated sentence once)."""
    rnd = random.Random(7)
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    who = ["the agency", "the bureau", "the office", "officials", "the department", "the service", "management"]
    say = ["stated", "said", "told us", "reported", "noted", "indicated"]
    will = ["expects to", "plans to", "intends to", "anticipates that it will", "estimated that it would",
            "is scheduled to"]
    act = ["finish the review", "issue the guidance", "update the handbook", "complete the plan", "close the gap",
           "publish the rule", "train its staff", "replace the system"]
    parts, size, n = [], 0, 0
    while size < SIZE:
        n += 1
        y = rnd.randint(2018, 2030)
        kind = rnd.randrange(4)
        if kind == 0:
            s = (f"In {rnd.choice(months)} {y}, {rnd.choice(who)} {rnd.choice(say)} that it {rnd.choice(will)} "
                 f"{rnd.choice(act)} by {rnd.choice(months)} {y + 1} (item {n}).")
        elif kind == 1:
            s = f"As of {rnd.choice(months)} {y}, the recommendation {n} remains open."
        elif kind == 2:
            s = (f"We will follow up in the {rnd.choice(['first', 'second', 'third', 'fourth'])} quarter of fiscal "
                 f"year {y} on item {n}.")
        else:
            s = (f"{rnd.choice(who).capitalize()} {rnd.choice(will)} {rnd.choice(act)} in fiscal year {y}, "
                 f"after our {rnd.choice(months)} {y - 2} report on item {n}.")
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)[:SIZE]


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
