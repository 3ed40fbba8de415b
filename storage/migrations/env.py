"""Alembic environment: the engine comes from storage.db (no alembic.ini)."""
from alembic import context

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
    with engine.connect() as conn:
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
                context.run_migrations()
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the upgrade would break {len(broken)} foreign key(s), e.g. {broken[0]}")
            conn.commit()
        finally:
            if raw is not None:
                conn.rollback()
                raw.execute("PRAGMA foreign_keys=ON")


run()
