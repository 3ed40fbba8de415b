"""/gaorec over HTTP at 100k recommendations: gaorec's path vs a bare Bolt
app acking the same signed request on the same server, in the same run.

    python -m bench.slack_http [--n 100000] [--requests 1000]

Reports the HTTP ack latency of both (p50, p99, ratio) and, for gaorec, the
time until the answer reaches response_url (the work after the ack)."""
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
           "housing loans", "help", "due 90d"]
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
    args = ap.parse_args()
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        repo.import_results(Database(url), [parse(export(args.n), "bench.csv")])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
        env.update({"DATABASE_URL": url, "SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": "xoxb-bench",
                    "SLACK_SIGNING_SECRET": SECRET})
        procs = {}
        try:
            for mode in ("gaorec", "bare"):
                procs[mode] = start(mode, env)
            lat = {"gaorec": [], "bare": []}
            answer = []
            for i in range(args.requests + 20):
                q = QUERIES[i % len(QUERIES)]
                for mode in ("bare", "gaorec") if i % 2 else ("gaorec", "bare"):
                    name = f"{mode}-{i}"
                    body = command_body(q, response_url=fake.response_url(name))
                    answered = len(fake.of("response_url"))
                    t0 = time.perf_counter()
                    status, _, seconds = post(procs[mode][1], body,
                                              signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded"))
                    assert status == 200, (mode, status)
                    if mode == "gaorec":
                        fake.wait_for("response_url", answered + 1)
                        if i >= 20:
                            answer.append((time.perf_counter() - t0) * 1000)
                    if i >= 20:  # warm-up excluded
                        lat[mode].append(seconds * 1000)
        finally:
            for proc, _ in procs.values():
                proc.terminate()
                proc.wait(10)
            fake.stop()
    g, b = lat["gaorec"], lat["bare"]
    print(f"### /gaorec over HTTP, {args.n:,} recommendations — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Machine: {machine()}. {args.requests} signed requests to each server, interleaved, one at a time.\n")
    print("| server | ack p50 | ack p99 |\n|---|---|---|")
    print(f"| bare Bolt app (ack only) | {statistics.median(b):.2f} ms | {pct(b, 99):.2f} ms |")
    print(f"| gaorec | {statistics.median(g):.2f} ms | {pct(g, 99):.2f} ms |")
    print(f"| **ratio gaorec / bare** | **{statistics.median(g) / statistics.median(b):.2f}x** | "
          f"**{pct(g, 99) / pct(b, 99):.2f}x** |")
    print(f"\nAnswer at response_url (search + blocks + POST, after the ack): p50 {statistics.median(answer):.1f} ms, "
          f"p99 {pct(answer, 99):.1f} ms.")


if __name__ == "__main__":
    main()
