"""In-process CPU per /gaorec answer, by query: ``Gaorec.handle`` then the ack's JSON body, each the median
process CPU time of ``--repeat`` runs after one warm-up, at a fixed time, on a database given by URL.

    python -m bench.answer_cpu --db sqlite:////tmp/100k.db"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.answers_same import NOW
from bench.slack_http import QUERIES
from bot.listeners.commands import answer_payload
from bot.reply import Caller
from bot.service import Gaorec
from config.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    service = Gaorec(Settings(database_url=args.db, owner_rules=[]))
    caller = Caller(user_id="U0BENCH", name="dana", channel_id="C0BENCH")
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.1f}\n")
    print("| query | handle | render |\n|---|---|---|")
    for q in QUERIES:
        answer_payload(service.handle(q, caller, now=NOW))  # warm-up: statements compiled, pages cached
        handle, render = [], []
        for _ in range(args.repeat):
            t0 = time.process_time()
            reply = service.handle(q, caller, now=NOW)
            t1 = time.process_time()
            answer_payload(reply)
            t2 = time.process_time()
            handle.append((t1 - t0) * 1000)
            render.append((t2 - t1) * 1000)
        print(f"| `{q}` | {statistics.median(handle):.1f} ms | {statistics.median(render):.1f} ms |", flush=True)
    print(f"\nload average (1 min) at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
