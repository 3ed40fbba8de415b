"""One import at a time per database: a PostgreSQL advisory lock (per schema),
or on SQLite an exclusive lock on a file next to the database (the SQLite write
lock alone would make the second import fail after the busy timeout). A second
import waits, up to a bound, and then says plainly that one is running."""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text

POLL = 0.25


class ImportBusy(Exception):
    """Another import held the lock for longer than we were willing to wait."""


@contextmanager
def import_lock(db, wait: float = 600.0, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    deadline = time.monotonic() + max(0.0, wait)
    told = False

    def waiting() -> None:
        nonlocal told
        if time.monotonic() >= deadline:
            raise ImportBusy(f"another import into {db.describe()} is running; try again when it finishes "
                             f"(waited {wait:.0f} s)")
        if not told and on_wait is not None:
            on_wait()
        told = True
        time.sleep(POLL)

    path = db.sqlite_path
    if path is not None or db.dialect == "sqlite":
        lock_path = (path or "gaorec.db").__str__() + ".import-lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waiting()
            yield
        finally:
            os.close(fd)  # closing releases the lock
        return
    # PostgreSQL: a session advisory lock on a dedicated connection, keyed by the schema
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        key = conn.execute(text("SELECT hashtext(current_schema() || :suffix)"),
                           {"suffix": "/gaorec-import"}).scalar_one()
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
            waiting()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


PASS_LOCK = 0x6761_6F73  # advisory lock id of the reminder pass's planning transaction


def passes_take_turns(session) -> None:
    """Reminder passes plan one at a time, so a second sees the first's work: PostgreSQL takes a transaction
    advisory lock; SQLite's write transaction (BEGIN IMMEDIATE) already serializes them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PASS_LOCK})
