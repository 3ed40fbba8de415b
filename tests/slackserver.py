"""Run `gaorec serve` as a real process against the fake Slack API."""
from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from .forkserver import COLD, gaorec_argv

ROOT = Path(__file__).resolve().parent.parent
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class ServeProcess:
    def __init__(self, db_url: str, api_url: str, *, extra_env: dict | None = None, secret: str = SECRET,
                 ready: str = r"listening on http://127\.0\.0\.1:(\d+)", cold: bool = False):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
        env.update({"DATABASE_URL": db_url, "SLACK_API_URL": api_url, "SLACK_BOT_TOKEN": "xoxb-test-token-123",
                    "SLACK_SIGNING_SECRET": secret, "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        self.proc = subprocess.Popen([*(COLD if cold else gaorec_argv()), "serve", "--port", "0"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.port: int | None = None
        ready_re = ready
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(ready_re, line)
                if m:
                    self.port = int(m.group(1)) if m.groups() else 0
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(120) or self.port is None:  # returns once ready; a loaded machine may take long
            self.stop()
            raise RuntimeError("gaorec serve did not start:\n" + "".join(self.lines))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def metric(self, name: str, **labels: str) -> float:
        """GET /metrics: the sum of the samples called ``name`` whose labels include ``labels`` (0 when none)."""
        from prometheus_client.parser import text_string_to_metric_families

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as r:
            text = r.read().decode()
        return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                   if sample.name == name and labels.items() <= sample.labels.items())

    def wait_metric(self, name: str, at_least: float, *, timeout: float = 30.0, **labels: str) -> float:
        """Wait until metric(name, **labels) reaches ``at_least``; its value then."""
        deadline = time.monotonic() + timeout
        while (value := self.metric(name, **labels)) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}{labels or ''} stayed at {value}, not {at_least}, for {timeout} s")
            time.sleep(0.05)
        return value

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
