"""Process start-up stays cheap (issue #13 item 8): `gaorec --help` loads no database, Slack, scheduler,
spreadsheet or HTML package; a command imports only what it uses."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "alembic", "slack_bolt", "slack_sdk", "apscheduler", "openpyxl", "docx", "holidays", "bs4",
         "lxml", "rich.progress", "pydantic")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_cli_module_imports_no_heavy_package():
    loaded = _loaded_after("import bot.cli")
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_the_clock_choices_match_the_clock_service():
    from bot.cli_reports import CLOCKS
    from bot.services.clocks import CLOCKS as SERVICE_CLOCKS

    assert CLOCKS == SERVICE_CLOCKS


def test_the_migration_heads_read_from_the_files_are_alembics(tmp_path):
    from alembic.script import ScriptDirectory
    from storage.db import Database, at_heads, script_heads, alembic_config

    assert script_heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")  # a new file: Alembic creates the schema
    assert at_heads(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    assert not at_heads(db.engine)
    db.dispose()


def test_a_text_import_loads_no_html_parser():
    sample = ROOT / "bot" / "samples" / "agency-page-sample.txt"
    loaded = _loaded_after(f"from bot.gao.parse import parse\n"
                           f"assert parse(open({str(sample)!r}).read()).recommendations")
    assert "bs4" not in loaded and "lxml" not in loaded


def test_a_setting_mistake_is_told_before_the_database_packages_load(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "GAOREC_TIMEZONE": "Mars/Olympus", "DATABASE_URL": f"sqlite:///{tmp_path}/g.db"}
    probe = ("import sys\nsys.argv = ['gaorec', 'stats']\nfrom bot.cli import main\ntry:\n    main()\n"
             "except SystemExit as exc:\n"
             "    print(exc.code, 'sqlalchemy' in sys.modules, 'bot.service' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["2", "False", "False"], out.stderr
    assert "GAOREC_TIMEZONE" in out.stderr and not (tmp_path / "g.db").exists()


def test_gaorec_leaves_its_sqlite_database_closed(tmp_path, fake_slack):
    """The light exit (bot/cli.py: program) closes every connection as the interpreter's exit did: SQLite's WAL is
    checkpointed and its -wal and -shm files go, after a command and after `serve` stops on SIGTERM."""
    from .conftest import CBP_PAGE
    from .slackserver import ServeProcess

    url = f"sqlite:///{tmp_path / 'g.db'}"
    for args in (("import", str(CBP_PAGE)), ("stats",)):
        subprocess.run([sys.executable, "-m", "bot", "--database", url, *args], cwd=ROOT, check=True,
                       capture_output=True)
        assert sorted(p.name for p in tmp_path.glob("g.db*")) == ["g.db", "g.db.import-lock"], args
    proc = ServeProcess(url, fake_slack.api_url)
    assert sorted(p.name for p in tmp_path.glob("g.db*")) != ["g.db", "g.db.import-lock"]  # open while it serves
    proc.stop()
    assert proc.proc.returncode == 0, proc.log
    assert sorted(p.name for p in tmp_path.glob("g.db*")) == ["g.db", "g.db.import-lock"]
