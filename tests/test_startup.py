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
