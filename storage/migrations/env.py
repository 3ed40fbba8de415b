"""Alembic environment: the engine comes from storage.db (no alembic.ini)."""
from alembic import context

from storage.db import BUSY_MS, busy_timeout_ms
from storage.models import Base

IGNORED_PREFIXES = ("recommendations_fts", "recommendation_search")


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name and name.startswith(IGNORED_PREFIXES))


def run() -> None:
    """Every pending migration in ONE transaction, on SQLite too (Alembic would commit each on its own there):
    a failure leaves the database as it was. On SQLite, foreign keys are not enforced while batch migrations
    copy tables (a DROP of a referenced table would fail on a populated database); they are checked once, before
    the commit, and enforced again after."""
    engine = context.config.attributes["engine"]
    # gaorec_write: SQLite's transaction begins IMMEDIATE (storage/db.py), so processes that start together take
    # turns (a DEFERRED one would be refused when it came to write after another had committed), each waiting up
    # to BUSY_MS for the one before, whatever wait the command set for its own writes
    token = busy_timeout_ms.set(BUSY_MS)
    try:
        _migrate(engine)
    finally:
        busy_timeout_ms.reset(token)


def _migrate(engine) -> None:
    with engine.connect().execution_options(gaorec_write=True) as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, where SQLite honours it
        try:
            context.configure(
                connection=conn,
                target_metadata=Base.metadata,
                render_as_batch=sqlite,
                include_name=include_name,
                compare_type=True,
                transactional_ddl=True,
            )
            with context.begin_transaction():
                if not sqlite:  # processes that start together take turns; each then sees what the one before did
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7431, hashtext(current_schema()))")
                context.run_migrations()
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the upgrade would break {len(broken)} foreign key(s), e.g. {broken[0]}")
            conn.commit()
        finally:
            if raw is not None:
                try:
                    conn.rollback()
                finally:
                    raw.execute("PRAGMA foreign_keys=ON")


run()
