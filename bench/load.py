"""Load: 50 concurrent signed /gaorec commands against `gaorec serve` while a
reminder pass of 1,000 reminders and an import of 100,000 recommendations run.

    python -m bench.load [--db sqlite|postgres] [--clients 50] [--per-client 20]

Counts errors and acks over 3 s; ack p50/p99. Slack is the fake Web API."""
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
from tests.slackserver import SECRET, ServeProcess

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["232", "oversight", "overdue", "due 90d", "tariffs exclusions", "help", "GAO-20-100007", "payments"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--per-client", type=int, default=20)
    args = ap.parse_args()
    fake = FakeSlack().start()
    tmp = tempfile.mkdtemp()
    if args.db == "sqlite":
        url = f"sqlite:///{tmp}/load.db"
    else:
        import psycopg

        base = os.environ.get("GAOREC_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as c:
            c.execute("DROP SCHEMA IF EXISTS bench_load CASCADE")
            c.execute("CREATE SCHEMA bench_load")
        url = base + "?options=-csearch_path%3Dbench_load"
    db = Database(url)
    repo.import_results(db, [parse(export(args.n, seed=1), "first.csv")])
    # 100 channels x 10 = 1,000 reminders in one pass
    with db.write() as s:
        for i in range(100):
            repo.subscribe(s, f"C{i:04d}", "", "bench", repo.utcnow())
    second = Path(tmp) / "second.csv"
    second.write_bytes(re.sub(rb"(GAO-\d\d-)1", rb"\g<1>5", export(args.n, seed=2)))  # other numbers: 100k new rows
    env = {"GAOREC_POST_INTERVAL": "0", "GAOREC_REMIND_CRON": "0 0 1 1 *"}
    serve = ServeProcess(url, fake.api_url, extra_env=env)
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
    cli_env.update({"DATABASE_URL": url, "SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": "xoxb-load", **env})
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        for j in range(args.per_client):
            body = command_body(QUERIES[(k + j) % len(QUERIES)], user_id=f"U{k:04d}",
                                response_url=fake.response_url(f"{k}-{j}"))
            try:
                status, _, seconds = post(serve.url, body, signed_headers(SECRET, body, content_type=
                                                                         "application/x-www-form-urlencoded"),
                                          timeout=30)
            except Exception as exc:  # noqa: BLE001 - counted
                with lock:
                    errors.append(type(exc).__name__)
                continue
            with lock:
                lat.append(seconds)
                if status != 200:
                    errors.append(str(status))

    background = {}

    def run(name, *cli):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "bot", *cli], cwd=ROOT, env=cli_env, capture_output=True,
                             text=True)
        background[name] = (time.perf_counter() - t, out.returncode, out.stdout[-300:] + out.stderr[-300:])

    try:
        jobs = [threading.Thread(target=run, args=("remind", "remind", "--now", "2026-12-01T14:00:00Z")),
                threading.Thread(target=run, args=("import", "import", str(second)))]
        jobs += [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        started = time.perf_counter()
        for t in jobs:
            t.start()
        for t in jobs:
            t.join()
        wall = time.perf_counter() - started
        time.sleep(2)
        answered = len(fake.of("response_url"))
    finally:
        serve.stop()
        fake.stop()
    posts = len(fake.posts())
    keys = [m["metadata"]["event_payload"]["key"] for m in fake.posts() if m.get("metadata")]
    print(f"### Load on {args.db}: {args.clients} concurrent clients x {args.per_client} commands, with a reminder "
          f"pass and a 100k import — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Machine: {machine()}.\n")
    print("| measure | value |\n|---|---|")
    print(f"| commands sent | {len(lat) + len([e for e in errors if not e.isdigit()])} |")
    print(f"| **errors** | **{len(errors)}** {sorted(set(errors)) if errors else ''} |")
    print(f"| **acks over 3 s** | **{sum(1 for x in lat if x > 3)}** |")
    print(f"| ack p50 / p99 | {statistics.median(lat) * 1000:.1f} ms / {pct(lat, 99) * 1000:.1f} ms |")
    print(f"| answers seen (in the ack or at response_url) | {answered} |")
    print(f"| reminder pass (1,000 due) | {background['remind'][0]:.1f} s, exit {background['remind'][1]}, "
          f"{posts} posts, {len(keys) - len(set(keys))} duplicates |")
    print(f"| import of 100,000 | {background['import'][0]:.1f} s, exit {background['import'][1]} |")
    print(f"| wall time | {wall:.1f} s |")
    for name, (_, rc, tail) in background.items():
        if rc:
            print(f"\n{name} failed: {tail}")


if __name__ == "__main__":
    main()
