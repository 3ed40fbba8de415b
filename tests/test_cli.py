"""The command line: --help everywhere, --json contracts, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import main

from .conftest import CBP_PAGE, FIXTURES, ROOT, needs_shared

RECORD_FIELDS = {"key", "report_number", "report_title", "rec_number", "agency", "status", "priority", "text",
                 "comments", "url", "first_seen", "last_changed", "promises", "overdue"}


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, prefix + (name,))


@pytest.fixture
def cli(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)
    return run


@pytest.mark.parametrize("path", [()] + list(all_commands(main)), ids=lambda p: " ".join(p) or "gaorec")
def test_every_command_has_help(cli, path):
    r = cli(*path, "--help")
    assert r.exit_code == 0 and "Usage:" in r.output


def test_import_search_show_stats_json(cli):
    r = cli("import", "--json", str(FIXTURES / "agency-page.html"))
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert (summary["new"], summary["changed"], summary["unchanged"]) == (3, 0, 0)
    r = cli("search", "closeout", "--json")
    data = json.loads(r.output)
    assert data["total"] == 1 and set(data["results"][0]) >= RECORD_FIELDS
    key = data["results"][0]["key"]
    rec = json.loads(cli("show", key, "--json").output)
    assert rec["key"] == key and rec["status_events"] == [] and rec["rec_number"] == 2
    assert rec["promises"][0]["due"] == "2025-12-31"
    stats = json.loads(cli("stats", "--json").output)
    assert stats["recommendations"] == 3 and stats["reports"] == 2 and stats["by_status"]["Open"] == 2


def test_errors_are_one_line_and_nonzero(cli):
    r = cli("import", str(FIXTURES / "broken.csv"))
    assert r.exit_code == 1
    assert "broken.csv:3: expected 11 fields" in r.output and "Traceback" not in r.output
    r = cli("show", "zzzzz")
    assert r.exit_code == 1 and "no recommendation has the key" in r.output
    r = cli("overdue", "--as-of", "yesterday")
    assert r.exit_code == 2 and "--as-of" in r.output


@needs_shared()
def test_overdue_json_contract(cli):
    cli("import", str(CBP_PAGE))
    data = json.loads(cli("overdue", "--as-of", "2026-12-01", "--json").output)
    assert data["total"] == 7
    days = [r["days_overdue"] for r in data["results"]]
    assert days == sorted(days, reverse=True) and all(r["overdue"] for r in data["results"])


def test_promises_command_reads_stdin(cli):
    r = cli("promises", "--json", input="In January 2024, CBP stated that it would finish by March 2024.")
    data = json.loads(r.output)
    assert [(p["due"], p["phrase"], p["stated"], p["current"]) for p in data["promises"]] == [
        ("2024-03-31", "March 2024", "2024-01-01", True)]
    r = cli("promises", "--text", "As of March 2024, this recommendation remains open.")
    assert "No promised date found." in r.output


@needs_shared()
def test_shell_from_a_pipe_as_a_process(sqlite_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    env.pop("GAOREC_CONFIG", None)
    subprocess.run([sys.executable, "-m", "bot", "import", str(CBP_PAGE)], check=True, env=env,
                   capture_output=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "bot", "shell"], input="/gaorec 232\n:as U123\ngaorec help\n",
                         env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "2 results for “232”" in out.stdout
    assert "Recommendation 3" in out.stdout and "Recommendation 4" in out.stdout
    assert "overdue by" in out.stdout and "Now acting as U123." in out.stdout


def test_run_loads_the_bundled_sample_then_reads_stdin(cli, tmp_path):
    r = cli("run", "--sample", str(ROOT / "bot" / "samples" / "agency-page-sample.txt"), input="/gaorec stats\n")
    assert r.exit_code == 0, r.output
    assert "5 recommendations in" in r.output
