"""Shared fixtures: a real database per test (SQLite file in WAL mode, and
PostgreSQL at 127.0.0.1:5432 where it runs), the shared GAO material.

Each test's database is at the head revision when the test starts, as the
app's first use would leave it, but the migrations run once per session (per
xdist worker): SQLite copies a migrated template file; PostgreSQL replays, in
the test's own schema, the statements the migrations sent to a template
schema. `sqlite_url` stays a path with no file, for tests of first use.
GAOREC_TEST_SHARED=/nonexistent runs the suite as it runs without ../shared."""
from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(os.environ.get("GAOREC_TEST_SHARED") or ROOT.parent / "shared" / "gao")
# GAO's CBP agency page (format A) retold in our own words: the same reports, numbers, statuses and dated
# sentences as ../shared's copy (the promise reader reads both alike), so the core tests run without ../shared;
# it is also the sample gaorec ships (`gaorec run` loads it; README's session imports it)
CBP_PAGE = ROOT / "bot" / "samples" / "cbp-agency-page.txt"
SHARED_CBP_PAGE = SHARED / "cbp-agency-page-2024.txt"
CSV_EXCERPT = SHARED / "export-2026-09-28-excerpt.csv"
PG_URL = os.environ.get("GAOREC_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_pg_state: dict = {}


def postgres_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
                _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_URL.split('@')[-1]}: {type(exc).__name__}"
    return _pg_state["reason"]


# Which tests run on PostgreSQL too (db_url, app and cli are parametrized over both databases):
# - Everything that searches, queries, writes, locks, imports or migrates runs on both: full-text search,
#   the overdue rule in SQL, reports, the import's matching, the outbox's claims and leases, reminders,
#   advisory and row locks, the migrations. The two dialects differ there, and only a run on each shows it.
# - A test whose verdict is decided before or apart from the database runs on SQLite only: a request's signature,
#   what reaches a log, how a command's text is parsed (a greeting, a typo, a bad number), Slack's transport
#   and rendering, a file format, the terminal. Its PostgreSQL run would repeat pure logic. It is marked
#   `sqlite_only` (a test or a module) with its reason, naming where the SQL it does run is tested on PostgreSQL;
#   tests/test_architecture.py fails on a marker without a reason (a string argument, or a comment on its line).


# The modules that hold the longest tests (real processes, servers, timed pacing; `--durations` on a quiet
# machine): run first, so that with several workers none of them is left running alone at the end.
LONGEST_FIRST = ("test_concurrent_imports", "test_intake", "test_replicas", "test_reminders", "test_honest_errors",
                 "test_reminders_e2e", "test_outbox_exactly_once", "test_reports", "test_outbox_e2e", "test_security",
                 "test_migrations", "test_small_defects", "test_reminders_truth", "test_http_hygiene",
                 "test_outbox_rows", "test_lifecycle")


def pytest_collection_modifyitems(config, items):
    """Deselect the PostgreSQL runs of tests marked sqlite_only (the rule above); the longest modules first
    (a stable sort: each module's tests stay together and in their order)."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rsplit(".", 1)[-1], len(rank))
               if getattr(item, "module", None) else len(rank))
    dropped = [item for item in items if item.get_closest_marker("sqlite_only") and getattr(item, "callspec", None)
               and "postgres" in (item.callspec.params.get("db_url"), item.callspec.params.get("module_db_url"))]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]


def needs_shared(path: Path = SHARED):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is absent (shared GAO material)")


# Commits on the test server do not wait for the disk (synchronous_commit=off): a test's server never crashes, and
# what each transaction sees, locks and commits is the same; a commit costs ~0.2 ms instead of ~2 ms here.
_PG_OPTIONS = "-csynchronous_commit=off"


def _schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}%20{_PG_OPTIONS.replace('=', '%3D')}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file the migrations brought to head, checkpointed (no -wal beside it): copy it, never open it."""
    from storage.db import Database

    path = tmp_path_factory.mktemp("template") / "gaorec.db"
    Database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


_FINGERPRINT = """
SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull
         || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  WHERE c.relnamespace = current_schema()::regnamespace
  UNION ALL SELECT 'constraint ' || pg_get_constraintdef(k.oid) FROM pg_constraint k
  WHERE k.connamespace = current_schema()::regnamespace
  UNION ALL SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
  UNION ALL SELECT 'at ' || version_num FROM alembic_version) f
"""


class PostgresSchemas:
    """Schemas at head for the PostgreSQL runs, one test at a time in each, made by the migrations. A schema a
    test leaves at head with the same tables, columns, indexes, constraints and triggers is emptied (every table
    as the migrations leave it, ids from 1) and given to the next test; any other is dropped."""

    def __init__(self) -> None:
        self.plain = PG_URL.replace("+psycopg", "")
        self.free: list[str] = []
        self.made: list[str] = []
        first = self._new()
        from storage.db import Database

        Database(_schema_url(first)).dispose()
        with self._connect(first) as c:
            self.fingerprint = c.execute(_FINGERPRINT).fetchone()[0]
            tables = [r[0] for r in c.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                              "AND tablename <> 'alembic_version'")]
            sequences = [r[0] for r in c.execute("SELECT sequencename FROM pg_sequences "
                                                 "WHERE schemaname = current_schema()")]
        # triggers off (the audit log refuses DELETE; foreign keys in any order), then ids from 1 again
        self.empty = "; ".join(["SET session_replication_role = replica", *(f"DELETE FROM {t}" for t in tables),
                                "SET session_replication_role = DEFAULT",
                                *(f"ALTER SEQUENCE {q} RESTART" for q in sequences)])
        self.free.append(first)

    def _connect(self, schema: str, **kw):
        import psycopg

        return psycopg.connect(self.plain, options=f"-csearch_path={schema} {_PG_OPTIONS}", **kw)

    def _new(self) -> str:
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.plain, autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {schema}")
        self.made.append(schema)
        return schema

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = self._new()
        from storage.db import Database

        Database(_schema_url(schema)).dispose()
        return schema

    def give_back(self, schema: str) -> None:
        try:
            with self._connect(schema, autocommit=True) as c:
                c.execute("SET lock_timeout = '5s'")
                if c.execute(_FINGERPRINT).fetchone()[0] == self.fingerprint:
                    c.execute(self.empty)
                    self.free.append(schema)
                    return
        except Exception:  # noqa: BLE001 - a schema that cannot be emptied is dropped instead
            pass
        self.drop(schema)

    def drop(self, schema: str) -> None:
        import psycopg

        with psycopg.connect(self.plain, autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.free = [s for s in self.free if s != schema]

    def close(self) -> None:
        for schema in self.made:
            self.drop(schema)


@pytest.fixture(scope="session")
def postgres_schemas():
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    pool = PostgresSchemas()
    yield pool
    pool.close()


def _database(request, tmp_path: Path):
    """A database at head for request.param ("sqlite" or "postgres"): its URL, then given back."""
    if request.param == "sqlite":
        path = tmp_path / "gaorec.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    pool = request.getfixturevalue("postgres_schemas")
    schema = pool.take()
    try:
        yield _schema_url(schema)
    finally:
        pool.give_back(schema)


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path):
    yield from _database(request, tmp_path)


@pytest.fixture(scope="module", params=DATABASES)
def module_db_url(request, tmp_path_factory):
    """One database for a module's tests that only read it (see read_only)."""
    yield from _database(request, tmp_path_factory.mktemp("module"))


def _contents(app) -> dict[str, list[str]]:
    """Every row of every table (a fixture's few dozen records), to compare before and after."""
    from sqlalchemy import select

    from storage.models import Base

    with app.db.session() as s:
        return {t.name: sorted(repr(tuple(r)) for r in s.execute(select(t))) for t in Base.metadata.sorted_tables}


@contextmanager
def read_only(db_url: str, *sources: Path):
    """A Gaorec with the sources imported once, shared by tests that only read (search, show, lists): importing the
    same page per test cost ~0.1-0.3 s each. When the module is done, every table must hold exactly the rows the
    import left: a test that writes fails there, and belongs on its own ``app``."""
    from config.settings import Settings
    from bot.service import Gaorec

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("GAOREC_CONFIG", raising=False)
        a = Gaorec(Settings(database_url=db_url, _env_file=None))
    try:
        a.import_sources([str(p) for p in sources])
        before = _contents(a)
        yield a
        assert _contents(a) == before, "a test sharing a read-only database wrote to it"
    finally:
        a.db.dispose()


@pytest.fixture
def fake_slack():
    """The recording fake Slack Web API (tests/fakeslack.py), started, on a port of its own; U0ADMIN is an admin."""
    from .fakeslack import FakeSlack

    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_slack):
    """fake_slack, by the name the reminder tests use."""
    return fake_slack


@pytest.fixture
def slack(fake_slack):
    """fake_slack, by the name the Slack end-to-end tests use."""
    return fake_slack


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'gaorec.db'}"


@pytest.fixture
def app(db_url, monkeypatch):
    from config.settings import Settings
    from bot.service import Gaorec

    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    a = Gaorec(Settings(database_url=db_url, _env_file=None))
    yield a
    a.db.dispose()


@pytest.fixture
def cli(db_url, monkeypatch):
    """The gaorec CLI in process on the test's database: ``cli("search", "232").output`` (a module may define its
    own ``cli`` with data loaded)."""
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)
    return run
