"""Database problems a person must fix (a full disk, a corrupt, foreign or
read-only file, a busy database), each as one line naming the database and
the fix. ``explain(exc, db)`` turns a driver error into that line;
``check_database`` refuses, before any migration, a file that is not a
gaorec database (so gaorec never adds its tables to another program's file)."""
from __future__ import annotations

import re

import sqlite3

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError

SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseProblem(Exception):
    """One line for a person: what is wrong with which database, and what to do."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind  # "busy" | "full" | "corrupt" | "foreign" | "read-only" | "unavailable"


def _text(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0].lower() if str(orig) else type(orig).__name__.lower()


def explain(exc: BaseException, where: str) -> DatabaseProblem | None:
    """The problem behind a database error, or None when it is not one a person can fix (a bug)."""
    if isinstance(exc, DatabaseProblem):
        return exc
    if not isinstance(exc, (DBAPIError, sqlite3.Error)):
        return None
    msg = _text(exc)
    if "database is locked" in msg or "database table is locked" in msg or "lock timeout" in msg \
            or "could not obtain lock" in msg:
        return DatabaseProblem(f"{where} is busy: another process holds its write lock (an import?); "
                               "try again when it finishes", "busy")
    if "disk is full" in msg or "no space left" in msg or "disk full" in msg:
        return DatabaseProblem(f"{where}: the disk is full; free some space on its file system and try again",
                               "full")
    if "malformed" in msg or "corrupt" in msg:
        return DatabaseProblem(f"{where} is corrupt; restore it from a backup (or try the sqlite3 shell's "
                               "`.recover`), or move it away to start a new database", "corrupt")
    if "file is not a database" in msg or "not a database" in msg:
        return DatabaseProblem(f"{where} is not a SQLite database; point DATABASE_URL (or --database) at a "
                               "gaorec database, or move the file away to start a new one", "foreign")
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return DatabaseProblem(f"{where} is read-only; gaorec needs to write the file and its directory "
                               "(for the -wal and -shm files): fix the permissions or the mount", "read-only")
    if "unable to open database file" in msg:
        if _read_only_fs(where):
            return DatabaseProblem(f"{where} is on a read-only file system; remount it read-write or move the "
                                   "database (DATABASE_URL or --database) to a writable place", "read-only")
        return DatabaseProblem(f"cannot open or create {where}: check that its directory exists and is "
                               "writable", "read-only")
    if "disk i/o error" in msg:
        return DatabaseProblem(f"{where}: the disk failed a write (disk I/O error); check that the file "
                               "system has space and is healthy", "full")
    missing = re.search(r'(database|role) "([^"]+)" does not exist', msg)
    if missing:  # the server answered: it is running, and lacks what the URL names
        what, which = missing.groups()
        return DatabaseProblem(f"the PostgreSQL server of {where} has no {what} named {which!r}; create it "
                               f"({'createdb' if what == 'database' else 'createuser'} {which}) or correct "
                               "DATABASE_URL (or --database)", "unavailable")
    if "connection" in msg or "could not connect" in msg or "server closed" in msg or "timeout" in msg:
        return DatabaseProblem(f"cannot reach the database {where}: is PostgreSQL running, and is "
                               "DATABASE_URL right?", "unavailable")
    return None


def _read_only_fs(where: str) -> bool:
    import os
    from pathlib import Path

    try:
        parent = Path(where).parent
        return parent.is_dir() and bool(os.statvfs(parent).f_flag & os.ST_RDONLY)
    except (OSError, ValueError):
        return False


def check_database(db) -> None:
    """Refuse a file that is not gaorec's before migrations would write gaorec's tables into it."""
    path = db.sqlite_path
    where = db.describe()
    if path is not None:
        try:
            if not path.exists() or path.stat().st_size == 0:
                return
            with path.open("rb") as f:
                head = f.read(16)
        except OSError as exc:
            raise DatabaseProblem(f"cannot read {where}: {exc.strerror or exc}", "read-only") from None
        if len(head) < 16 or head != SQLITE_MAGIC:
            raise DatabaseProblem(f"{where} is not a SQLite database; point DATABASE_URL (or --database) at a "
                                  "gaorec database, or move the file away to start a new one", "foreign")
    try:
        with db.engine.connect() as conn:
            tables = set(sa_inspect(conn).get_table_names())
    except DBAPIError as exc:
        problem = explain(exc, where)
        if problem is None:
            raise
        raise problem from None
    if tables and "alembic_version" not in tables:
        raise DatabaseProblem(f"{where} holds another program's tables ({', '.join(sorted(tables)[:3])}…), not "
                              "gaorec's; use another file or database for gaorec", "foreign")
