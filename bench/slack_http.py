"""/gaorec over HTTP at 100k recommendations: gaorec's path vs a bare Bolt
app acking the same signed request on the same server, in the same run.

    python -m bench.slack_http [--n 100000] [--requests 1000] [--runs 1] [--db URL] [--query TEXT ...]

Reports the HTTP ack latency of both (p50, p99, ratio) and the goal: the time
from the request to the user seeing gaorec's answer (the ack's body when the
answer is in it, else the POST to response_url) against the bare app's ack."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.generate import export
from bench.run import machine, pct
from bot.gao.parse import parse
from storage import repo
from storage.db import Database
from tests.fakeslack import FakeSlack, command_body, post, signed_headers

SECRET = "bench-signing-secret"
QUERIES = ["232", "oversight", "tariffs exclusions", "GAO-20-100007", "overdue", "cybersecurity privacy", "payments",
           "housing loans", "help", "due 90d", "cyber", "status:partial tariff", "priority overdue"]
ROOT = Path(__file__).resolve().parent.parent


def start(mode: str, env: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.slack_server", "--mode", mode], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, m.group(1) + "/slack/events"
    raise RuntimeError(f"{mode} server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=1, help="whole runs, one after another (servers restarted)")
    ap.add_argument("--db", help="an existing database URL to use instead of importing --n synthetic records")
    ap.add_argument("--query", action="append", dest="queries", metavar="TEXT",
                    help="a /gaorec text to send, repeatable (default: the 13 of QUERIES, in turn)")
    args = ap.parse_args()
    fake = FakeSlack().start()
    print(f"### /gaorec over HTTP, {args.n:,} recommendations — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Machine: {machine()}. Per run: {args.requests} signed requests to each server, interleaved, one at a "
          f"time, after 20 warm-up requests each.\n")
    print("| run | bare ack p50 / p99 | gaorec ack p50 / p99 | **gaorec answer seen p50 / p99** | answers in the ack "
          "| **p99 answer seen / bare ack** | load average (1 min) at start / end |\n|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        if not args.db:
            repo.import_results(Database(url), [parse(export(args.n), "bench.csv")])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
        env.update({"DATABASE_URL": url, "SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": "xoxb-bench",
                    "SLACK_SIGNING_SECRET": SECRET})
        for run in range(1, args.runs + 1):
            one_run(run, args, env, fake)
    fake.stop()


def one_run(run: int, args, env: dict, fake: FakeSlack) -> None:
    procs = {}
    load_start = os.getloadavg()[0]
    try:
        for mode in ("gaorec", "bare"):
            procs[mode] = start(mode, env)
        lat = {"gaorec": [], "bare": []}
        seen = []
        in_ack = 0
        for i in range(args.requests + 20):
            queries = args.queries or QUERIES
            q = queries[i % len(queries)]
            for mode in ("bare", "gaorec") if i % 2 else ("gaorec", "bare"):
                name = f"{mode}-{run}-{i}"
                body = command_body(q, response_url=fake.response_url(name))
                answered = len(fake.of("response_url"))
                t0 = time.perf_counter()
                headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
                status, text, seconds = post(procs[mode][1], body, headers)
                assert status == 200, (mode, status)
                if mode == "gaorec":
                    answer_in_ack = text.startswith("{") and '"blocks"' in text
                    if not answer_in_ack:  # the answer comes through response_url
                        fake.wait_for("response_url", answered + 1)
                    if i >= 20:
                        seen.append((time.perf_counter() - t0) * 1000)
                        in_ack += answer_in_ack
                if i >= 20:  # warm-up excluded
                    lat[mode].append(seconds * 1000)
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(10)
    g, b = lat["gaorec"], lat["bare"]
    print(f"| {run} | {statistics.median(b):.2f} / {pct(b, 99):.2f} ms "
          f"| {statistics.median(g):.2f} / {pct(g, 99):.2f} ms "
          f"| **{statistics.median(seen):.2f} / {pct(seen, 99):.2f} ms** | {in_ack} of {len(seen)} "
          f"| **{pct(seen, 99) / pct(b, 99):.2f}x** | {load_start:.1f} / {os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
