"""Shared fixtures: a real database per test (SQLite file in WAL mode, and
PostgreSQL at 127.0.0.1:5432 where it runs), the shared GAO material."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = ROOT.parent / "shared" / "gao"
CBP_PAGE = SHARED / "cbp-agency-page-2024.txt"
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


def needs_shared(path: Path = SHARED):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is absent (shared GAO material)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gaorec.db'}"
        return
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


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
