"""Owners' thread replies while a large SQLite import holds the write lock
(issue #15, finding 1): how many are recorded, and how late.

    python -m bench.intake [--n 100000] [--every 1.0]

A real `gaorec serve` (tests/slackserver.py), the fake Slack, a real
`gaorec import` of N synthetic rows into a database that already has reminders
in their threads. While the import holds SQLite's write lock, one signed
thread reply is sent every `--every` seconds (each from another admin, so
each is its own acknowledgement). Reports: replies sent, recorded and lost;
the HTTP acknowledgement (p50/p99); the delay from sending to being recorded
(p50/p99/max; queued replies wait for the lock, then the replay job); and how
long the import held the lock."""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.generate import export
from bench.run import machine, pct
from bot.adapters.slack import SlackPoster, make_client
from bot.reply import Caller
from bot.service import Gaorec
from config.settings import Settings
from storage import models
from tests.fakeslack import FakeSlack, event_body, post, signed_headers
from tests.slackserver import ROOT, SECRET, ServeProcess


def locked(path: str) -> bool:
    c = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        c.execute("BEGIN IMMEDIATE")
        c.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        c.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--every", type=float, default=1.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gaorec-intake-"))
    url = f"sqlite:///{tmp / 'gaorec.db'}"
    users = {f"U0A{i:05d}": {"is_admin": True} for i in range(2000)}
    fake = FakeSlack(users=users).start()
    (tmp / "first.csv").write_bytes(export(300))
    (tmp / "big.csv").write_bytes(export(args.n))
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=fake.api_url, _env_file=None)
    app = Gaorec(settings)
    app.import_sources([str(tmp / "first.csv")])
    app.handle("subscribe", Caller(user_id="U0A00000", is_admin=True, channel_id="C0001"))
    app.reminders.run_pass(poster=SlackPoster(make_client(settings)))
    threads = [m["ts"] for m in fake.posts("C0001", top_level=True)  # reminders (not the pass's summary)
               if str(((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")).startswith("r")]
    serve = ServeProcess(url, fake.api_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
    env["DATABASE_URL"] = url
    importer = subprocess.Popen([sys.executable, "-m", "bot", "import", str(tmp / "big.csv")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    path = str(tmp / "gaorec.db")
    while not locked(path):
        if importer.poll() is not None:
            raise SystemExit("the import ended before it took the lock")
        time.sleep(0.02)
    lock_start = time.time()
    sent: dict[str, float] = {}
    acks: list[float] = []
    n = 0
    while importer.poll() is None:
        user = f"U0A{n + 1:05d}"
        ev = {"type": "message", "channel": "C0001", "user": user, "text": f"reply {n}",
              "ts": f"{1800000000 + n}.000100", "thread_ts": threads[n % len(threads)], "channel_type": "channel"}
        body = event_body(ev, event_id=f"EvBench{n:06d}")
        status, _, seconds = post(serve.url, body, signed_headers(SECRET, body, content_type="application/json"))
        assert status == 200
        sent[user] = time.time()
        acks.append(seconds)
        n += 1
        time.sleep(args.every)
    lock_held = time.time() - lock_start
    importer.wait()
    deadline = time.time() + 120
    recorded: dict[str, float] = {}
    while time.time() < deadline and len(recorded) < len(sent):
        with app.db.session() as s:
            recorded = {u: at.timestamp()
                        for u, at in s.execute(select(models.Acknowledgement.user_id, models.Acknowledgement.at))}
        time.sleep(0.5)
    serve.stop()
    fake.stop()
    delays = sorted(recorded[u] - t for u, t in sent.items() if u in recorded)
    queued = serve.log.count("queued as ERR-")
    print(f"machine: {machine()}")
    print(f"import of {args.n:,} rows held the write lock ~{lock_held:.0f} s (from the first probe that found it)")
    intake = tmp / "gaorec.db.intake"
    waiting = len(list(intake.glob("*.json"))) if intake.is_dir() else 0
    failed = len(list((intake / "failed").glob("*.json"))) if (intake / "failed").is_dir() else 0
    print(f"replies sent {len(sent)}, recorded {len(delays)} within 120 s of the import's end, queued {queued}; "
          f"still queued {waiting}, failed {failed}")
    print(f"HTTP ack: p50 {statistics.median(acks) * 1000:.0f} ms, p99 {pct(sorted(acks), 99) * 1000:.0f} ms")
    missing = sorted(set(sent) - set(recorded))
    if missing:
        print(f"not recorded: {', '.join(missing[:10])}")
        for line in serve.log.splitlines():
            if any(u in line for u in missing) or (" ERROR " in line or "failed" in line):
                print("  log:", line[:300])
    if delays:
        print(f"sent -> recorded: p50 {statistics.median(delays):.1f} s, p99 {pct(delays, 99):.1f} s, "
              f"max {delays[-1]:.1f} s")


if __name__ == "__main__":
    main()
