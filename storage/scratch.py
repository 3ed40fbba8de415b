"""A scratch copy of a database (always SQLite, in a temporary directory): the
shell moves to it when simulated time starts, so nothing future-dated ever
reaches the real database (its audit log is append-only and would keep it)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import insert, select

from . import fts
from .db import Database
from .models import Base, Recommendation, Report


def scratch_copy(db: Database, directory: str | Path) -> Database:
    """Everything in ``db`` copied into ``directory``/gaorec-scratch.db; returns the copy, opened."""
    path = Path(directory) / "gaorec-scratch.db"
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:  # SQLite's online backup: every table, the search index included
            target = sqlite3.connect(path)
            try:
                raw = conn.connection.driver_connection  # the sqlite3 connection under SQLAlchemy's
                assert raw is not None
                raw.backup(target)
            finally:
                target.close()
        return Database(f"sqlite:///{path}")
    copy = Database(f"sqlite:///{path}")
    with db.engine.connect() as src, copy.write() as dst:
        for table in Base.metadata.sorted_tables:  # parents before children
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            for i in range(0, len(rows), 1000):
                dst.execute(insert(table), rows[i:i + 1000])
        reports = {r.id: (r.number, r.title) for r in dst.scalars(select(Report))}
        fts.index(dst.connection(), [fts.document(r.id, r.key, *reports[r.report_id], r.agency, r.text, r.comments)
                                     for r in dst.scalars(select(Recommendation))])
    return copy
