"""The search index's documents: one per recommendation, in SQLite's FTS5 table or PostgreSQL's tsvector table
(read by storage/queries/search.py). Written by the import and by the scratch copy."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, text

from .db import chunks


class Document(NamedTuple):
    """What search reads of a recommendation ("" for what it lacks)."""
    id: int
    key: str
    report_number: str
    title: str
    agency: str
    text: str
    comments: str


def document(id: int, key: str, report_number: str | None, title: str | None, agency: str | None,
             text: str | None, comments: str | None) -> Document:
    return Document(id, key, report_number or "", title or "", agency or "", text or "", comments or "")


def index(conn: Connection, docs: list[Document]) -> None:
    """Write (or rewrite) these documents."""
    if not docs:
        return
    dialect = conn.dialect.name
    if dialect == "sqlite":
        for chunk in chunks([d.id for d in docs], 500):
            conn.execute(text(f"DELETE FROM recommendations_fts WHERE rowid IN ({','.join(map(str, chunk))})"))
        # plain DB-API executemany: plain strings need none of SQLAlchemy's per-row processing
        conn.exec_driver_sql(
            "INSERT INTO recommendations_fts(rowid, key, report_number, title, agency, text, comments) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", docs)
    elif dialect == "postgresql":
        conn.execute(text(
            "INSERT INTO recommendation_search (recommendation_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', CAST(:key AS text) || ' ' || CAST(:report_number AS text)), 'A') || "
            "setweight(to_tsvector('english', CAST(:title AS text)), 'B') || "
            "setweight(to_tsvector('english', CAST(:agency AS text)), 'C') || "
            "setweight(to_tsvector('english', CAST(:text AS text)), 'C') || "
            "setweight(to_tsvector('english', CAST(:comments AS text)), 'D')) "
            "ON CONFLICT (recommendation_id) DO UPDATE SET document = EXCLUDED.document"),
            [d._asdict() for d in docs])
