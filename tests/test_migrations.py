"""Migrations match the models (alembic check) on every backend, and upgrade is idempotent."""
from __future__ import annotations

import pytest
from alembic import command

from storage.db import Database, alembic_config, script_heads, upgrade_to_head

HEAD = ", ".join(sorted(script_heads() or []))


def test_alembic_check_finds_no_drift(db_url):
    db = Database(db_url)
    command.check(alembic_config(db.engine))  # raises when models and migrations differ
    upgrade_to_head(db.engine)  # already at head: nothing to do


def test_downgrade_and_upgrade_again(sqlite_url):
    db = Database(sqlite_url)
    cfg = alembic_config(db.engine)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    command.check(cfg)


def test_0008_reads_markers_the_old_parser_left_in_the_text(db_url):
    """Rows stored before recommendations had a kind and a label: a marker the
    earlier parser did not read still ends the text; the upgrade sets number,
    label, kind and identity from it, and every key stays."""
    from datetime import datetime

    from sqlalchemy import text

    db = Database(db_url)
    cfg = alembic_config(db.engine)
    from alembic.script import ScriptDirectory

    command.downgrade(cfg, ScriptDirectory.from_config(cfg).get_revision("0008").down_revision)
    rows = [  # key, ident, number, agency, text
        ("aaaa2", "3|department of energy", 3, "Department of Energy", "Do the third thing."),
        ("aaaa3", "-|department of energy|1", None, "Department of Energy", "Do it. (Recommendations 5)"),
        ("aaaa4", "-|internal revenue service|1", None, "Internal Revenue Service", "Fix. (Recommendation 19-01)"),
        ("aaaa5", "-|congress|1", None, "Congress", "Consider it. (Matter 4)"),
        ("aaaa6", "-|congress|2", None, "Congress", "Consider that. (Matter for Congressional Consideration)"),
        ("aaaa7", "1|congress", 1, "Congress", "Consider this."),
        # GAO's marker read elsewhere already holds the identity: this one is left as it was
        ("aaaa8", "-|department of energy|2", None, "Department of Energy", "Do the third thing. [Recommendation 3]"),
    ]
    now = datetime(2026, 11, 1)
    with db.engine.begin() as c:
        rid = c.execute(text("INSERT INTO reports (number, title) VALUES ('GAO-24-900700', 'T') RETURNING id")).scalar()
        for key, ident, number, agency, body in rows:
            c.execute(text("INSERT INTO recommendations (key, report_id, ident, number, agency, text, status, "
                           "priority, comments_cut, first_seen) "
                           "VALUES (:k, :r, :i, :n, :a, :t, 'Open', false, false, :now)"),
                      {"k": key, "r": rid, "i": ident, "n": number, "a": agency, "t": body, "now": now})
    command.upgrade(cfg, "head")
    with db.engine.connect() as c:
        got = {r[0]: tuple(r[1:]) for r in c.execute(text(
            "SELECT key, ident, kind, number, label, text FROM recommendations"))}
    assert got == {
        "aaaa2": ("3|department of energy", "recommendation", 3, None, "Do the third thing."),
        "aaaa3": ("5|department of energy", "recommendation", 5, None, "Do it."),
        "aaaa4": ("19-01|internal revenue service", "recommendation", None, "19-01", "Fix."),
        "aaaa5": ("matter 4|congress", "matter", 4, None, "Consider it."),
        "aaaa6": ("-|congress|2", "matter", None, None, "Consider that."),
        "aaaa7": ("matter 1|congress", "matter", 1, None, "Consider this."),
        "aaaa8": ("-|department of energy|2", "recommendation", None, None, "Do the third thing. [Recommendation 3]"),
    }
    db.dispose()


def test_0016_subscriptions_name_owners_as_who_tokens(db_url):
    """A subscription saved as Slack sent it (``owner:<@U0DANA|dana>``) is rewritten in the "who" tokens the core
    reads (bot/people.py), so it still finds the owner's recommendations; one the channel also has in the new
    words already is the same subscription, kept once."""
    from datetime import datetime

    from sqlalchemy import text

    db = Database(db_url)
    cfg = alembic_config(db.engine)
    command.downgrade(cfg, "0015")
    rows = [("C1", "owner:<@U0DANA|dana> tariff"), ("C1", "owner:<!subteam^S0TEAM|@team>"), ("C2", "owner:<@W0LEE>"),
            ("C2", "owner:@W0LEE"), ("C3", "cyber <!channel> & <@U1"), ("C3", "")]
    with db.engine.begin() as c:
        for channel, query in rows:
            c.execute(text("INSERT INTO subscriptions (channel_id, query, created_by, created_at) "
                           "VALUES (:c, :q, 'U0ADMIN', :at)"), {"c": channel, "q": query, "at": datetime(2026, 11, 1)})
    command.upgrade(cfg, "head")
    with db.engine.connect() as c:
        got = sorted(tuple(r) for r in c.execute(text("SELECT channel_id, query FROM subscriptions")))
    assert got == [("C1", "owner:@U0DANA tariff"), ("C1", "owner:@subteam:S0TEAM"), ("C2", "owner:@W0LEE"),
                   ("C3", ""), ("C3", "cyber <!channel> & <@U1")]


def _populated(url: str) -> tuple[Database, dict[str, int]]:
    """A database with an export imported (records, promises, status events, audit rows) and its row counts."""
    from pathlib import Path

    from sqlalchemy import text

    from bot.gao.parse import parse
    from storage import repo

    db = Database(url)
    fixture = Path(__file__).parent / "fixtures" / "export-dhs.csv"
    repo.import_results(db, [parse(fixture.read_text(), fixture.name)])
    with db.engine.connect() as c:
        counts = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                  ("reports", "recommendations", "promises", "audit_log", "imports")}
    assert counts["recommendations"] > 0 and counts["promises"] > 0
    return db, counts


def _version(db: Database) -> set[str]:
    from sqlalchemy import text

    with db.engine.connect() as c:
        return {r[0] for r in c.execute(text("SELECT version_num FROM alembic_version"))}


@pytest.mark.sqlite_only("the half-done upgrade was SQLite's: batch mode copies tables, and Alembic committed each "
                         "migration on its own there; PostgreSQL alters in place in one transaction (0018's SQL, which "
                         "differs by dialect, runs on both in test_0018_…)")
def test_a_populated_database_upgrades_from_an_early_schema(db_url):
    """0007 and 0013 copy the recommendations table on SQLite (batch mode): with promises and status events
    pointing at its rows, enforced foreign keys made that fail half way (finding of session 6's trial)."""
    from sqlalchemy import text

    db, counts = _populated(db_url)
    command.downgrade(alembic_config(db.engine), "0005")
    assert _version(db) == {"0005"}
    db.dispose()
    db = Database(db_url)  # opening upgrades
    assert _version(db) == {HEAD}
    with db.engine.connect() as c:
        assert {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in counts} == counts
        if db.dialect == "sqlite":
            assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again afterwards
    from storage import repo

    with db.session() as s:
        assert repo.search(s, "scanners", 5)[1] > 0  # the search index rebuilt on the way
    db.dispose()


def test_a_failed_upgrade_changes_nothing(db_url, tmp_path):
    """Every pending migration runs in one transaction, on SQLite too: one failing leaves the schema and the
    data as they were."""
    import shutil

    from sqlalchemy import inspect, text

    from storage.db import MIGRATIONS

    db, counts = _populated(db_url)
    command.downgrade(alembic_config(db.engine), "0009")
    before = {c["name"] for c in inspect(db.engine).get_columns("recommendations")}
    assert "listed" not in before
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_fails.py").write_text(
        f"revision = '9999'\ndown_revision = '{HEAD}'\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade():\n    raise RuntimeError('a migration that fails')\n\n\ndef downgrade():\n    pass\n")
    cfg = alembic_config(db.engine)
    cfg.set_main_option("script_location", str(scripts))
    import pytest

    with pytest.raises(RuntimeError, match="a migration that fails"):
        command.upgrade(cfg, "head")
    assert _version(db) == {"0009"}
    assert {c["name"] for c in inspect(db.engine).get_columns("recommendations")} == before
    with db.engine.connect() as c:
        assert {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in counts} == counts
    db.dispose()


def test_a_database_from_a_newer_gaorec_is_refused_in_one_line(sqlite_url):
    import subprocess

    from sqlalchemy import text

    db = Database(sqlite_url)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    db.dispose()
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GAOREC_", "SLACK_"))} | {
        "DATABASE_URL": sqlite_url}
    from .forkserver import gaorec_argv

    r = subprocess.run([*gaorec_argv(), "stats"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"Error: DATABASE_URL '{sqlite_url}': the database's schema (0099) is newer than this gaorec knows ({HEAD}); "
        "a newer gaorec upgraded it: run that gaorec (or a newer one) on this database, never an older one"]
    with Database(sqlite_url, upgrade=False).engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0099"  # untouched


def test_a_failed_upgrade_is_one_line_naming_where_the_url_came_from():
    from bot.startup import database_error
    from storage.db import SchemaUpgradeFailed

    exc = SchemaUpgradeFailed(["0005"], ["0017"], RuntimeError("a  migration\nthat fails"))
    assert database_error("sqlite:////x/g.db", exc, "--database") == (
        "--database 'sqlite:////x/g.db': upgrading the schema from 0005 to 0017 failed (a migration that fails); "
        "nothing was changed (the upgrade is one transaction); keep using the gaorec that wrote it and report this "
        "upgrade failure")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_replicas_that_start_together_take_turns_upgrading(kind, tmp_path, request):
    """Four processes open one new database at the same moment (replicas starting): one upgrades, the others wait
    for it (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), then find the schema at head."""
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import _schema_url

    pool = schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'gaorec.db'}"
    else:
        pool = request.getfixturevalue("postgres_schemas")
        schema = pool._new()  # an empty schema, not the pool's (those are at head already)
        url = _schema_url(schema)
    try:
        code = "import sys; from storage.db import Database; Database(sys.argv[1]).dispose()"
        root = Path(__file__).resolve().parent.parent
        procs = [subprocess.Popen([sys.executable, "-c", code, url], cwd=root, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        outs = [p.communicate(timeout=180) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-400:] for _, err in outs]
        db = Database(url, upgrade=False)
        assert _version(db) == {HEAD}
        db.dispose()
    finally:
        if pool is not None and schema is not None:
            pool.drop(schema)


def test_an_upgrade_says_so_once_and_db_upgrade_says_what_it_did(sqlite_url, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main
    from bot.gao.promises import READER

    db, _counts = _populated(sqlite_url)
    command.downgrade(alembic_config(db.engine), "0016")
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    first = CliRunner().invoke(main, ["stats"], catch_exceptions=False)
    assert first.exit_code == 0
    assert f"Upgraded the database's schema from 0016 to {HEAD} (one transaction;" in first.stderr
    again = CliRunner().invoke(main, ["db", "upgrade"], catch_exceptions=False)
    assert "Upgraded" not in again.stderr and again.stdout.endswith(f": at the latest schema ({HEAD}), nothing to do\n")
    version = CliRunner().invoke(main, ["--version"], catch_exceptions=False).stdout
    assert version.endswith(f"(brings a database to schema {HEAD}; promise reader {READER})\n")
    assert version.startswith("gaorec ")


def test_0018_dates_each_last_change_by_its_snapshot_and_forgets_the_reader_edition(db_url):
    from datetime import datetime

    from sqlalchemy import text

    db, _counts = _populated(db_url)
    command.downgrade(alembic_config(db.engine), "0017")
    seen = datetime(2026, 11, 29, 15, 0)
    with db.engine.begin() as c:
        a, b = c.execute(text("SELECT id FROM recommendations ORDER BY id LIMIT 2")).scalars().all()
        c.execute(text("UPDATE recommendations SET last_changed = :t WHERE id IN (:a, :b)"),
                  {"t": seen, "a": a, "b": b})
        c.execute(text("INSERT INTO status_events (recommendation_id, observed_at, old_status, new_status, "
                       "old_comments, new_comments, as_of, kind) VALUES (:a, :t, 'Open', 'Open', 'x', 'y', "
                       "'2025-09-30', 'change'), (:a, :t, 'Open', 'Open', 'y', 'y', '2026-01-31', 'relisted'), "
                       "(:a, :t, NULL, 'Open', NULL, 'z', '2026-02-28', 'older')"), {"a": a, "t": seen})
        assert c.execute(text("SELECT count(*) FROM store_facts")).scalar() == 1
    command.upgrade(alembic_config(db.engine), "head")
    with db.engine.connect() as c:
        days = dict(c.execute(text("SELECT id, changed_on FROM recommendations WHERE id IN (:a, :b)"),
                              {"a": a, "b": b}).all())
        assert c.execute(text("SELECT count(*) FROM store_facts")).scalar() == 0  # the next import reads again
    # the change event's snapshot (a relisting that changed nothing and an older snapshot are not changes); with
    # no dated event, the day gaorec saw the change
    assert {k: str(v) for k, v in days.items()} == {a: "2025-09-30", b: "2026-11-29"}
    db.dispose()
