"""Alembic environment: the engine comes from storage.db (no alembic.ini)."""
from alembic import context

from storage.models import Base

IGNORED_PREFIXES = ("recommendations_fts", "recommendation_search")


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name and name.startswith(IGNORED_PREFIXES))


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=Base.metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run()
