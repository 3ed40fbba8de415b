"""search finds word forms: FTS5 porter tokenizer, PostgreSQL 'english'; the index is rebuilt

Revision ID: 0010
Revises: 0006 (re-chained after main brought 0013 and 0006; written against 0005)
Create Date: 2026-11-28
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FTS_COLUMNS = "key, report_number, title, agency, text, comments"
FILL_SQLITE = (
    "INSERT INTO recommendations_fts(rowid, key, report_number, title, agency, text, comments) "
    "SELECT r.id, r.key, COALESCE(p.number, ''), COALESCE(p.title, ''), COALESCE(r.agency, ''), "
    "COALESCE(r.text, ''), COALESCE(r.comments, '') FROM recommendations r JOIN reports p ON p.id = r.report_id"
)


def _fill_postgresql(words: str) -> str:
    """The document of every recommendation: key and report number as given ('simple'), the rest in `words`."""
    return (
        "INSERT INTO recommendation_search (recommendation_id, document) "
        "SELECT r.id, "
        "setweight(to_tsvector('simple', r.key || ' ' || COALESCE(p.number, '')), 'A') || "
        f"setweight(to_tsvector('{words}', COALESCE(p.title, '')), 'B') || "
        f"setweight(to_tsvector('{words}', COALESCE(r.agency, '')), 'C') || "
        f"setweight(to_tsvector('{words}', COALESCE(r.text, '')), 'C') || "
        f"setweight(to_tsvector('{words}', COALESCE(r.comments, '')), 'D') "
        "FROM recommendations r JOIN reports p ON p.id = r.report_id "
        "ON CONFLICT (recommendation_id) DO UPDATE SET document = EXCLUDED.document"
    )


def _rebuild(tokenize: str, words: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS recommendations_fts")
        op.execute(f"CREATE VIRTUAL TABLE recommendations_fts USING fts5({FTS_COLUMNS}, tokenize='{tokenize}')")
        op.execute(FILL_SQLITE)
    elif dialect == "postgresql":
        op.execute(_fill_postgresql(words))


def upgrade() -> None:
    _rebuild("porter unicode61 remove_diacritics 2", "english")


def downgrade() -> None:
    _rebuild("unicode61 remove_diacritics 2", "simple")
