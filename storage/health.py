"""Is the database usable? Reads gaorec's own tables (a corrupt or foreign
file fails here, where `SELECT 1` would not) and, on SQLite, checks that a
write could start within a second (a database whose write lock is held is
"locked": every command that writes would wait and fail)."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from .problems import explain

PROBE_TIMEOUT = 1.0


def check(db) -> str:
    """"ok", or what is wrong: "locked", "corrupt", "foreign", "read-only", "full", "unavailable", "error"."""
    try:
        with db.engine.connect() as conn:
            if db.dialect == "postgresql":
                conn.execute(text("SET LOCAL statement_timeout = 2000"))
            conn.execute(text("SELECT version_num FROM alembic_version")).first()
            conn.execute(text("SELECT id, key FROM recommendations ORDER BY id DESC LIMIT 1")).first()
            conn.execute(text("SELECT id FROM audit_log ORDER BY id DESC LIMIT 1")).first()
            conn.rollback()
        path = db.sqlite_path
        if path is not None:
            probe = sqlite3.connect(str(path), timeout=PROBE_TIMEOUT, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            finally:
                probe.close()
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        problem = explain(exc, db.describe())
        if problem is None:
            return "error"
        return {"busy": "locked"}.get(problem.kind, problem.kind)
    return "ok"
