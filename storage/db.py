"""Engines and sessions. SQLite: WAL, foreign keys, busy timeout, and write
transactions opened with BEGIN IMMEDIATE. PostgreSQL through psycopg 3.
Migrations are applied on first use."""
from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_MS = 30_000
# How long a write waits for SQLite's write lock, in ms (this thread or task). Interactive Slack work waits
# briefly and queues its request when the database stays busy (bot/intake.py); the CLI waits longer.
busy_timeout_ms: ContextVar[int] = ContextVar("gaorec_busy_timeout_ms", default=BUSY_MS)
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine made here and still alive (dispose_all)


def dispose_all() -> None:
    """Close the pooled connections of every engine still alive, as the interpreter's exit would (SQLite
    checkpoints its WAL and removes the -wal and -shm files when the last connection closes)."""
    for engine in list(_ENGINES):
        engine.dispose()


def default_url() -> str:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gaorec"
    return f"sqlite:///{base / 'gaorec.db'}"


class MissingDirectory(Exception):
    """A SQLite URL whose directory does not exist: a typo more often than a wish for a new directory, so it is
    refused (only the default path, which gaorec manages itself, has its directory made)."""

    def __init__(self, directory: Path):
        super().__init__(f"the directory {directory} does not exist")
        self.directory = directory


class UnsupportedDatabase(Exception):
    """A DATABASE_URL for a database gaorec does not run on (MySQL, Oracle, …): only SQLite and PostgreSQL."""

    def __init__(self, backend: str):
        super().__init__(f"gaorec runs on SQLite and PostgreSQL only, not {backend}")
        self.backend = backend


class InMemoryDatabase(Exception):
    """sqlite:// or :memory:: a database that keeps nothing, and that each pooled connection would see apart."""

    def __init__(self):
        super().__init__("an in-memory SQLite database keeps nothing")


SUPPORTED = ("sqlite", "postgresql")


def normalize_url(url: str) -> str:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    u = make_url(url)
    if u.get_backend_name() not in SUPPORTED:
        u.get_dialect()  # a name SQLAlchemy does not know at all raises NoSuchModuleError (a typo, not a choice)
        raise UnsupportedDatabase(u.get_backend_name())
    if u.get_backend_name() == "sqlite":
        if not u.database or u.database == ":memory:" or "mode=memory" in url:
            raise InMemoryDatabase()
        if not Path(u.database).parent.is_dir():
            if url != normalize_url(default_url()):
                raise MissingDirectory(Path(u.database).parent)
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _ENGINES.add(engine)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA mmap_size=268435456")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            write = conn.get_execution_options().get("gaorec_write")
            if write:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(busy_timeout_ms.get())}")
            conn.exec_driver_sql(f"BEGIN {'IMMEDIATE' if write else 'DEFERRED'}")

        return engine
    engine = create_engine(url, pool_pre_ping=True)
    _ENGINES.add(engine)
    return engine


def chunks(items: list, n: int) -> Iterator[list]:
    """``items`` in lists of at most ``n``: a statement's parameters stay under the drivers' limits."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


class Database:
    """One database: sessions to read, ``write()`` to change it in one transaction."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True):
        self.url = normalize_url(url or default_url())
        path = self.sqlite_path
        self.created = path is not None and not path.exists()  # a new SQLite file, made by this opening
        self.engine = make_engine(self.url)
        self._write_engine = self.engine.execution_options(gaorec_write=True)
        self.upgraded: tuple[list[str], list[str]] | None = None  # (before, after) when opening upgraded the schema
        if upgrade:
            from .problems import check_database

            check_database(self)
            self.upgraded = upgrade_to_head(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite): commit on success, roll back on error."""
        with Session(self._write_engine, expire_on_commit=False) as s:
            with s.begin():
                yield s

    def ping(self) -> bool:
        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))
        return True

    @property
    def sqlite_path(self) -> Path | None:
        u = make_url(self.url)
        if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
            return None
        return Path(u.database)

    def describe(self) -> str:
        """The database for messages: the SQLite file, or the PostgreSQL host/database (no password)."""
        path = self.sqlite_path
        return str(path) if path else make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


_REVISION = re.compile(r"""^(down_)?revision(?:\s*:[^=]+)?\s*=\s*(?:None|['"](\w+)['"])\s*$""", re.M)


@lru_cache(maxsize=1)
def script_heads() -> frozenset[str] | None:
    """The migration heads read straight from the version files (importing Alembic costs a process ~0.5 s);
    None when any file is not a plain `revision = '…'` / `down_revision = '…' | None` pair (Alembic decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith(("_", ".")):
            continue
        pairs = _REVISION.findall(path.read_text(encoding="utf-8"))  # [(down_ or "", revision or "")]
        if sorted(kind for kind, _ in pairs) != ["", "down_"]:
            return None
        names = dict(pairs)
        if not names[""]:
            return None
        revisions.add(names[""])
        if names["down_"]:
            downs.add(names["down_"])
    heads = frozenset(revisions - downs)
    return heads if heads and downs <= revisions else None


def at_heads(engine: Engine) -> bool:
    """True when the database's alembic_version rows are exactly the heads of the version files."""
    heads = script_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:  # no alembic_version table yet: a new database
        return False
    return current == heads


def upgrade_to_head(engine: Engine) -> tuple[list[str], list[str]] | None:
    """Bring the schema to the migrations' head; returns (revisions before, after) when it upgraded, else None."""
    if at_heads(engine):  # the usual case, without importing Alembic
        return None
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    heads = set(script.get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return None
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        raise SchemaTooNew(sorted(current - known), sorted(heads))
    try:
        command.upgrade(cfg, "head")
    except Exception as exc:  # the whole upgrade is one transaction (migrations/env.py): nothing was changed
        raise SchemaUpgradeFailed(sorted(current), sorted(heads), exc) from exc
    return sorted(current), sorted(heads)


class SchemaTooNew(Exception):
    """The database was upgraded by a newer gaorec: this one does not know its schema, and must not use it."""

    def __init__(self, revisions: list[str], heads: list[str]):
        super().__init__(f"the database's schema ({', '.join(revisions)}) is newer than this gaorec knows "
                         f"({', '.join(heads)})")
        self.revisions, self.heads = revisions, heads


class SchemaUpgradeFailed(Exception):
    """Bringing the schema up to date failed; the upgrade is one transaction, so the database is as it was."""

    def __init__(self, current: list[str], heads: list[str], cause: BaseException):
        why = " ".join(str(getattr(cause, "orig", None) or cause).split())[:200]
        super().__init__(f"upgrading the schema from {', '.join(current) or 'nothing'} to {', '.join(heads)} "
                         f"failed ({why})")
        self.current, self.heads, self.why = current, heads, why
