"""Several `gaorec serve` replicas on one database: every one answers Slack,
one runs the scheduled passes; kill it and another takes over, exactly once."""
from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.request

from storage import repo

from .conftest import CBP_PAGE
from .fakeslack import FakeSlack, command_body, post, signed_headers
from .slackserver import SECRET, ServeProcess


def health(proc) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/healthz", timeout=5) as r:
        return json.loads(r.read())


def wait_until(cond, timeout=40.0, what=""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def ticks(proc) -> float:
    """Reminder passes this replica's scheduler came to: run as the leader, or skipped as a follower."""
    return proc.metric("gaorec_job_runs_total", job="reminder pass")


def more_ticks(replicas, n: int = 2) -> None:
    """Wait until every replica's scheduler came to n more reminder passes."""
    target = [ticks(r) + n for r in replicas]
    for r, t in zip(replicas, target, strict=True):
        r.wait_metric("gaorec_job_runs_total", t, job="reminder pass", timeout=40)


def test_three_replicas_post_once_and_fail_over(app):
    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    with app.db.write() as s:
        repo.subscribe(s, "C0001", "", "U0ADMIN", repo.utcnow())
    env = {"GAOREC_REMIND_CRON": "@every 1s", "GAOREC_POST_INTERVAL": "0.05"}
    started: list = [None] * 3

    def start(i: int) -> None:
        started[i] = ServeProcess(app.db.url, fake.api_url, extra_env=env, cold=True)  # one is killed -9

    starting = [threading.Thread(target=start, args=(i,)) for i in range(3)]  # side by side, as replicas do
    for t in starting:
        t.start()
    for t in starting:
        t.join()
    replicas: list[ServeProcess] = [r for r in started if r is not None]
    try:
        assert len(replicas) == 3, "a replica did not start"
        wait_until(lambda: len(fake.posts("C0001")) >= 7, what="the first pass")
        more_ticks(replicas)  # several more passes on every replica: nothing more is posted
        assert len(fake.posts("C0001")) == 7
        keys = [m["metadata"]["event_payload"]["key"] for m in fake.posts("C0001")]
        assert len(set(keys)) == 7
        roles = [health(r)["scheduler"] for r in replicas]
        assert roles.count("leader") == 1, roles
        # every replica answers Slack
        for i, r in enumerate(replicas):
            body = command_body("232", response_url=fake.response_url(f"r{i}"))
            headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
            assert post(r.url, body, headers)[0] == 200
        fake.wait_for("response_url", 3)
        # kill the leader without warning; a new channel subscribes; the next pass comes from another replica
        leader = replicas[roles.index("leader")]
        os.kill(leader.proc.pid, signal.SIGKILL)
        leader.proc.wait(10)
        with app.db.write() as s:
            repo.subscribe(s, "C0002", "", "U0ADMIN", repo.utcnow())
        wait_until(lambda: len(fake.posts("C0002")) >= 7, what="a pass by a new leader")
        survivors = [r for r in replicas if r is not leader]
        more_ticks(survivors)
        assert len(fake.posts("C0002")) == 7 and len(fake.posts("C0001")) == 7
        assert sorted(health(r)["scheduler"] for r in survivors) == ["follower", "leader"]
    finally:
        for r in replicas:
            r.stop()
        fake.stop()


def test_metrics_and_health(app):
    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    proc = ServeProcess(app.db.url, fake.api_url)
    try:
        body = command_body("overdue", response_url=fake.response_url("m"))
        post(proc.url, body, signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded"))
        fake.wait_for("response_url")
        with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/metrics", timeout=5) as r:
            text = r.read().decode()
        assert 'gaorec_commands_total{command="overdue"} 1.0' in text
        assert "gaorec_recommendations 10.0" in text and "gaorec_overdue 7.0" in text
        assert "gaorec_outbox_pending 0.0" in text
        h = health(proc)
        assert h["ok"] and h["scheduler"] in ("leader", "follower")
    finally:
        proc.stop()
        fake.stop()
