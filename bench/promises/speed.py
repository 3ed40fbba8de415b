"""How fast the promise reader reads a 1 MB comment.

    python -m bench.promises.speed [--runs 15] [--against REV ...]

Four 1 MB comments: GAO-like prose (statements, promises, GAO's plans), the
challenge sentences repeated (every role the reader knows), an adversarial
one (digits, slashes, prepositions and month names with no sentence end) and
GAO-like prose in which no two sentences are alike. Each is read ``--runs``
times; the median and the worst (p99 of so few runs is the worst) are
printed, in CPU time (``time.process_time``: what the reader costs, whatever
else the machine runs) and wall-clock time. The target is well under a second.

``--against REV`` also reads each comment with the reader as it was at git
revision REV (``git show REV:bot/gao/promises.py``), interleaved run by run
with this one, so both see the same load; it checks that both give the same
reading.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import random
import statistics
import subprocess
import sys
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


def reader_at(rev: str):
    """read() of bot/gao/promises.py as it was at git revision ``rev``."""
    root = Path(__file__).resolve().parents[2]
    src = subprocess.run(["git", "show", f"{rev}:bot/gao/promises.py"], cwd=root, capture_output=True, text=True)
    if src.returncode:
        sys.exit(f"error: no promise reader at {rev}: {src.stderr.strip()}")
    name = "bot.gao._promises_at_" + "".join(c if c.isalnum() else "_" for c in rev)
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "bot.gao"  # its "from . import calendar" finds today's calendar
    sys.modules[name] = module
    exec(compile(src.stdout, f"{rev}:bot/gao/promises.py", "exec"), module.__dict__)
    return module.read


def _same(a, b) -> bool:
    def key(r):
        return ([dataclasses.astuple(p) for p in r.promises], list(r.statements),
                [dataclasses.astuple(s) for s in getattr(r, "rejected", [])])
    return key(a) == key(b)


def timed(fn, text):
    c, w = time.process_time(), time.perf_counter()
    r = fn(text)
    return r, time.process_time() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--against", action="append", default=[], metavar="REV",
                    help="also time the reader at this git revision, interleaved (repeatable)")
    args = ap.parse_args()
    readers = [("this reader", read)] + [(rev, reader_at(rev)) for rev in args.against]
    print("| 1 MB comment | reader | CPU median | CPU worst | wall median | wall worst | promises | others seen |")
    print("|---|---|---|---|---|---|---|---|")
    for name, text in comments().items():
        cpu = {r: [] for r, _ in readers}
        wall = {r: [] for r, _ in readers}
        got = {}
        for _ in range(args.runs):
            for label, fn in readers:
                got[label], c, w = timed(fn, text)
                cpu[label].append(c)
                wall[label].append(w)
        for label, _ in readers:
            r = got[label]
            same = "" if label == "this reader" or _same(r, got["this reader"]) else " (reads differently)"
            print(f"| {name} | {label}{same} | {statistics.median(cpu[label]):.2f} s | {max(cpu[label]):.2f} s "
                  f"| {statistics.median(wall[label]):.2f} s | {max(wall[label]):.2f} s | {len(r.promises):,} "
                  f"| {len(getattr(r, 'rejected', [])):,} |", flush=True)


if __name__ == "__main__":
    main()
