"""A durable intake queue for Slack requests the database could not take.

Slack never resends what got an HTTP 200. When the work behind an accepted
event, action or command meets a busy or unreachable database (a long import
holds SQLite's write lock), the request is written here, one JSON file per
request (written to a temporary name, fsynced, then renamed), and a job
replays the queue, oldest first, until each is recorded. Requests that fail
for another reason are moved to ``failed/`` with a reference id (their sender
is told). The queue is a directory, not a table: it must work exactly when
the database does not. No Slack and no database knowledge here."""
from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def new_ref() -> str:
    """A short reference id a user can quote and an operator can find in the log."""
    return "ERR-" + secrets.token_hex(4).upper()


@dataclass
class Item:
    path: Path
    kind: str
    body: dict
    ref: str
    received: float
    attempts: int


class Intake:
    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        self._lock = threading.Lock()  # one replay at a time in this process

    @classmethod
    def for_database(cls, db, configured: str | None = None) -> Intake:
        if configured:
            return cls(configured)
        path = db.sqlite_path
        if path is not None:
            return cls(str(path) + ".intake")
        import hashlib

        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gaorec"
        return cls(base / f"intake-{hashlib.sha256(db.url.encode()).hexdigest()[:12]}")  # one queue per database

    def put(self, kind: str, body: dict, ref: str | None = None) -> str:
        """Store a request durably; returns its reference. Raises OSError when it cannot (disk full…)."""
        ref = ref or new_ref()
        self.dir.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"kind": kind, "body": body, "ref": ref, "received": time.time(), "attempts": 0},
                          ensure_ascii=False).encode()
        name = f"{time.time_ns():020d}-{ref}.json"
        tmp = self.dir / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.dir / name)
        dfd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return ref

    def items(self) -> list[Item]:
        if not self.dir.is_dir():
            return []
        out = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                out.append(Item(path, d["kind"], d["body"], d["ref"], d.get("received", 0.0), d.get("attempts", 0)))
            except (OSError, ValueError, KeyError):
                self._move(path, "failed")
        return out

    def count(self) -> int:
        return len(list(self.dir.glob("*.json"))) if self.dir.is_dir() else 0

    def done(self, item: Item) -> None:
        item.path.unlink(missing_ok=True)

    def failed(self, item: Item) -> None:
        self._move(item.path, "failed")

    def _move(self, path: Path, sub: str) -> None:
        target = self.dir / sub
        target.mkdir(exist_ok=True)
        try:
            os.replace(path, target / path.name)
        except FileNotFoundError:
            pass
