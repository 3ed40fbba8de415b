"""The command line: --help everywhere, --json contracts, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from bot.cli import main

from .conftest import CBP_PAGE, FIXTURES, ROOT
from .forkserver import gaorec_argv

pytestmark = pytest.mark.sqlite_only  # output and contracts; their queries run on PostgreSQL elsewhere

RECORD_FIELDS = {"key", "report_number", "report_title", "rec_number", "agency", "status", "priority", "text",
                 "comments", "url", "first_seen", "last_changed", "promises", "overdue"}


def all_commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(all_commands(main)), ids=lambda p: " ".join(p) or "gaorec")
def test_every_command_has_help(cli, path):
    r = cli(*path, "--help")
    assert r.exit_code == 0 and "Usage:" in r.output


def test_import_search_show_stats_json(cli):
    r = cli("import", "--json", str(FIXTURES / "agency-page.html"))
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert (summary["new"], summary["changed"], summary["unchanged"]) == (3, 0, 0)
    r = cli("search", "closeout", "tracker", "--json")  # "closeout" alone also finds the title's "Closeouts" now
    data = json.loads(r.output)
    assert data["total"] == 1 and set(data["results"][0]) >= RECORD_FIELDS
    key = data["results"][0]["key"]
    rec = json.loads(cli("show", key, "--json").output)
    assert rec["key"] == key and rec["status_events"] == [] and rec["rec_number"] == 2
    assert rec["promises"][0]["due"] == "2025-12-31"
    assert rec["promises"][0]["why"]  # the reader's reason is stored with the promise
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


def test_promises_command_shows_why_for_every_date_seen(cli):
    text = "In January 2024, CBP stated it would finish by March 2024, and we will follow up in FY2025."
    r = cli("promises", "--text", text)
    lines = r.output.splitlines()
    assert lines[0].startswith("current month: “March 2024” due 2024-03-31")
    assert "why: the agency's ‘would’ governs ‘March 2024’" in r.output
    assert "Not promises (2):" in r.output and "statement: “January 2024”" in r.output
    assert "gao: “FY2025”" in r.output and r.output.count("why: ") == 3
    assert all(len(line) <= 80 for line in lines)
    data = json.loads(cli("promises", "--json", "--text", text).output)
    assert data["promises"][0]["why"] and [(x["phrase"], x["role"]) for x in data["rejected"]] == [
        ("January 2024", "statement"), ("FY2025", "gao")]
    assert all(x["why"] for x in data["rejected"])
    long = cli("promises", "--text", "In March 2026, the bureau said it expects to finish the review by the beginning "
                                     "of fiscal year 2027.").output.splitlines()
    assert long[0].startswith("current fiscal year: “the beginning of fiscal year 2027” due 2027-01-31")
    assert all(len(line) <= 80 for line in long)  # the first line wraps too


def test_shell_from_a_pipe_as_a_process(db_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("GAOREC_CONFIG", None)
    subprocess.run([*gaorec_argv(), "import", str(CBP_PAGE)], check=True, env=env,
                   capture_output=True, cwd=ROOT)
    out = subprocess.run([*gaorec_argv(), "shell"], input="/gaorec 232\n:as U123\ngaorec help\n",
                         env=env, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "2 results for “232”" in out.stdout
    assert "Recommendation 3" in out.stdout and "Recommendation 4" in out.stdout
    assert "overdue by" in out.stdout and "Now acting as U123." in out.stdout


def test_run_loads_the_bundled_sample_then_reads_stdin(cli, tmp_path):
    r = cli("run", "--sample", str(ROOT / "bot" / "samples" / "agency-page-sample.txt"), input="/gaorec stats\n")
    assert r.exit_code == 0, r.output
    assert "5 recommendations in" in r.output


def test_shell_walks_the_reminder_loop_with_simulated_time(cli):
    cli("import", str(CBP_PAGE))
    import json as _json

    key = [r["key"] for r in _json.loads(cli("search", "232", "--json").output)["results"] if r["rec_number"] == 3][0]
    script = "\n".join([
        "/gaorec subscribe", f"/gaorec assign {key} @U0DANA", ":now 2026-12-01T14:00:00Z",
        ":now 2026-12-01T15:00:00Z", ":as U0OTHER", f":react {key}", ":as U0DANA",
        f":reply {key} guidance is in final review", f":react {key}", ":now 2026-12-09T14:00:00Z", ""])
    out = cli("shell", input=script).output
    assert "Reminder pass at 2026-12-01T14:00:00Z: 7 posts." in out
    assert "Reminder pass at 2026-12-01T15:00:00Z: 0 posts." in out
    assert "[only visible to U0OTHER] Only @U0DANA or an admin can acknowledge" in out
    assert out.count("Acknowledged by @U0DANA") == 2  # the thread confirmation and the updated reminder, once
    assert "(already acknowledged by you: nothing new recorded)" in out
    assert "Reminder pass at 2026-12-09T14:00:00Z: 6 posts." in out


def test_remind_needs_a_token_unless_dry_run(cli):
    r = cli("remind", "--now", "2026-12-01T14:00:00Z")
    assert r.exit_code == 2 and "SLACK_BOT_TOKEN" in r.output  # a configuration mistake
    r = cli("remind", "--now", "2026-12-01T14:00:00Z", "--dry-run", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["planned"] == []
    r = cli("remind", "--now", "tomorrow")
    assert r.exit_code == 2


def test_due_lists_coming_promises(cli):
    cli("import", str(ROOT / "bot" / "samples" / "agency-page-sample.txt"))
    from bot.reply import Caller
    from bot.service import Gaorec
    from config.settings import Settings
    from datetime import datetime, timezone

    app = Gaorec(Settings(_env_file=None))
    reply = app.handle("due 365d", Caller("U1"), now=datetime(2026, 11, 28, tzinfo=timezone.utc))
    assert reply.kind == "list" and reply.total == 2
    assert [v.current_promise.due.isoformat() for v in reply.records] == ["2027-03-31", "2027-08-31"]
    assert app.handle("due 10d", Caller("U1"), now=datetime(2026, 11, 28, tzinfo=timezone.utc)).kind == "empty"
