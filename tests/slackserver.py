"""Run `gaorec serve` as a real process against the fake Slack API."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class ServeProcess:
    def __init__(self, db_url: str, api_url: str, *, extra_env: dict | None = None, secret: str = SECRET,
                 ready: str = r"listening on http://127\.0\.0\.1:(\d+)"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
        env.update({"DATABASE_URL": db_url, "SLACK_API_URL": api_url, "SLACK_BOT_TOKEN": "xoxb-test-token-123",
                    "SLACK_SIGNING_SECRET": secret, "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", "0"], cwd=ROOT, env=env,
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

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
