"""Output that works in 80 columns and in a pipe: wrapped tables that keep
every key whole and every column; tab-separated lines when piped; "N more
(use --limit)"; stats as sentences."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from rich.console import Console

from bot.cli import _table, main

from .conftest import FIXTURES

pytestmark = pytest.mark.sqlite_only  # terminal layout

COLUMNS = ["key", "report", "rec", "status", "promise", "due", "overdue"]
AS_OF = "2026-12-01"


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)
    run("import", str(FIXTURES / "agency-page.html"), str(FIXTURES / "listing.html"))
    return run


def test_80_columns_wrap_and_keep_keys_and_columns(cli, app):
    views = app.search("office")[0]
    for v in views:  # the longest report titles and statuses GAO writes
        v.report_title = "Federal Research: Additional Actions Needed to Improve Oversight of Cooperative Agreements"
        v.status = "Open – Partially Addressed"
    buf = io.StringIO()
    _table(views, date(2026, 12, 1), "results", console=Console(file=buf, width=80, color_system=None), tty=True)
    lines = buf.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[1].split() == COLUMNS
    text = buf.getvalue()
    assert "…" not in text
    for v in views:
        assert f"{v.key} " in text  # whole keys, never p7…


def test_a_pipe_gets_tab_separated_lines(cli):
    r = cli("overdue", "--as-of", AS_OF)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows[0] == COLUMNS and all(len(row) == 7 for row in rows)
    total = json.loads(cli("overdue", "--as-of", AS_OF, "--json").stdout)["total"]
    assert len(rows) == 1 + total and total >= 2  # in a pipe, all of them
    assert all(row[6].endswith(" days") for row in rows[1:])


def test_long_lists_say_how_many_more(cli):
    total = json.loads(cli("overdue", "--as-of", AS_OF, "--json").stdout)["total"]
    r = cli("overdue", "--as-of", AS_OF, "--limit", "1")
    assert len(r.stdout.splitlines()) == 2 and f"{total - 1} more (use --limit)" in r.stderr
    r = cli("search", "office", "--limit", "1")
    assert len(r.stdout.splitlines()) == 2 and "more (use --limit)" in r.stderr


def test_import_audit_and_stats_read_well(cli):
    r = cli("import", str(FIXTURES / "agency-page.html"))
    assert r.stdout.splitlines()[0].split("\t") == ["source", "format", "recs", "notes"]
    assert r.stdout.splitlines()[1].split("\t")[:3] == [str(FIXTURES / "agency-page.html"), "agency-page-html", "3"]
    cli("shell", input="/gaorec subscribe\n")
    r = cli("stats", "--as-of", AS_OF)
    assert "{" not in r.stdout and "recommendations in" in r.stdout and "overdue as of 2026-12-01" in r.stdout
    rows = [line.split("\t") for line in cli("audit").stdout.splitlines()]
    assert rows[0] == ["at", "actor", "action", "key", "channel", "detail"]
    assert rows[1][1:5] == ["U_LOCAL", "subscribe", "-", "C_LOCAL"]
