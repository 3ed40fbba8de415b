"""What new users tripped on in the CLI and the shell (issue 12, "everyday use"), each pinned by a test that
failed before its fix: the audit log and `show` at 80 columns, `/gaorec help` in the shell, a report with no
rows, `clocks` in a pipe, `export` order and byte-order mark, report numbers in search, a relative SQLite path,
an unsupported database, a confirmation that replaces a correction, JSON instants, and `--by`."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli_reports import cli_actor
from bot.gao.calendar import local_day
from bot.commands import help_rows
from bot.commands.base import SHELL

from .conftest import CBP_PAGE, ROOT
from .test_config_errors import in_process, one_line
from .test_lifecycle import EXPORT, GONE, key_with, stamped, without, write
from .test_reports import gao_export, gao_row
from .test_shell_time import run_shell
from .forkserver import gaorec_argv

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(db_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    env.update(DATABASE_URL=db_url, COLUMNS="80", LINES="24", TERM="xterm", **extra)
    return env


def in_terminal(db_url: str, *args: str) -> str:
    """`gaorec ARGS` with its stdout on a terminal 80 columns wide (a pseudo-terminal), as a person sees it."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([*gaorec_argv(), *args], cwd=ROOT, env=_env(db_url), stdout=follower,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the other end closed: all read
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(leader)
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def piped(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*gaorec_argv(), *args], cwd=ROOT, env=_env(db_url), capture_output=True,
                          text=True, timeout=120)


# What the terminal and files show does not differ by dialect (sqlite_only); the export's order and the
# report-number starts are queries, so they run on PostgreSQL too.


# 2. the audit log at 80 columns wraps between words -----------------------------------------------------------

@pytest.mark.sqlite_only("terminal layout")
def test_audit_at_80_columns_never_cuts_a_word(cli, db_url):
    cli("import", str(CBP_PAGE))
    cli("justify", "m6g9g", "The agency decided this is not worth doing: costs far exceed any benefit",
        "--by", "cli:a-rather-long-login-name")  # the oldest event
    cli("promise", "p75nw", "--set", "2027-06-30", "--reason", "the program office agreed a new plan in 2026")
    cli("shell", input="/gaorec subscribe\n")
    events = json.loads(cli("audit", "--json").stdout)["events"]
    words = {"at", "actor", "action", "on", "detail"}  # every word the table may show, whole
    for e in events:
        words |= {e["at"], e["actor"], e["action"], e["key"] or "-", f"#{e['channel']}"}
        for k, v in e["detail"].items():
            words |= {f"{k}:", *str(v).split()}
    for args, layout in ((["--limit", "2"], "table"), ([], "one block an event")):  # all: with a long actor
        out = in_terminal(db_url, "audit", *args)
        lines = out.splitlines()
        assert all(len(ln) <= 80 for ln in lines), out
        assert (lines[1].split() == ["at", "actor", "action", "on", "detail"]) == (layout == "table"), out
        shown = {w for ln in lines[1:] if " more older event" not in ln for w in ln.split()}  # below the title
        assert shown <= words, sorted(shown - words)  # a word cut in two would be two strange words
        assert {"read_due:", "2024-03-31", "#C_LOCAL"} <= shown
    assert {"cli:a-rather-long-login-name", "justification:"} <= shown
    rows = [ln.split("\t") for ln in piped(db_url, "audit").stdout.splitlines()]  # a pipe: as it was
    assert rows[0] == ["at", "actor", "action", "key", "channel", "detail"]
    assert any(r[5].startswith("due=2027-06-30, read_due=2024-03-31") for r in rows[1:])


# 3. show wraps long text to the terminal --------------------------------------------------------------------

@pytest.mark.sqlite_only("terminal layout")
def test_show_wraps_to_the_terminal_and_not_in_a_pipe(cli, db_url):
    cli("import", str(CBP_PAGE))
    out = in_terminal(db_url, "show", "p75nw")
    pipe = piped(db_url, "show", "p75nw").stdout
    assert max(len(ln) for ln in out.splitlines()) <= 80 < max(len(ln) for ln in pipe.splitlines()), out
    assert out.split() == pipe.split()  # the same words, none cut
    assert "  > CBP estimated that review of the draft guidance would be complete by March\n    2024." in out


# 4. the shell's /gaorec help keeps each command apart from what it does -------------------------------------

@pytest.mark.sqlite_only("the shell's help: no query")
def test_shell_help_separates_each_command_from_its_description(app):
    out = run_shell(app, ["/gaorec help"])
    lines = out.splitlines()
    for usage, what, example in help_rows(SHELL):
        at = next(i for i, ln in enumerate(lines) if ln.startswith(usage + " ") or ln == usage)
        line = lines[at] if lines[at] != usage else lines[at] + lines[at + 1]
        assert re.match(re.escape(usage) + r" {2,}" + re.escape(f"{what} (e.g. {example})") + "$", line), line


# 5. a report with no rows says why -----------------------------------------------------------------------------

@pytest.mark.sqlite_only("what the CLI prints; reports run on both in test_reports")
def test_a_report_with_no_rows_says_why_on_stderr(cli):
    cli("import", str(CBP_PAGE))  # an agency page: no report dates
    r = cli("report", "giaa")
    assert r.stdout.splitlines()[0].startswith("report_number,") and len(r.stdout.splitlines()) == 1
    assert "for at least one year as of" in r.stderr and ": 0." in r.stderr
    assert "10 open recommendation(s) are left out because their report's date is unknown" in r.stderr


# 6. clocks: a header in a pipe, and days said as the other lists say them -----------------------------------

@pytest.mark.sqlite_only("what a pipe shows; clocks run on both in test_reports")
def test_clocks_in_a_pipe_have_a_header_and_say_overdue_or_due_in(cli, tmp_path):
    cli("import", gao_export(tmp_path / "e.csv", [
        gao_row("Old Report: Something Late", "GAO-24-100001", "Feb 1, 2024", "Department of Agriculture",
                "The Secretary should act.", 1),
        gao_row("New Report: Something Due", "GAO-26-100002", "Sep 1, 2026", "Department of Agriculture",
                "The Secretary should act soon.", 1)]))
    rows = [ln.split("\t") for ln in cli("clocks", "--all", "--as-of", "2026-10-01").stdout.splitlines()]
    assert rows[0] == ["due", "when", "report", "clock", "falls on", "sentence"]
    when = {r[2]: r[1] for r in rows[1:]}
    assert when == {"GAO-24-100001": "793 days overdue", "GAO-26-100002": "due in 150 days"}
    assert all(r[0] in r[5] and r[1] in r[5] for r in rows[1:])  # the sentence says the same


@pytest.mark.sqlite_only("what the CLI prints; clocks run on both in test_reports")
def test_clocks_say_why_none_and_never_suggest_the_flag_given(cli, tmp_path):
    cli("import", str(CBP_PAGE))  # an agency page gives no publication dates: no clock can run
    for args in (("clocks", "--all"), ("clocks",)):
        out = cli(*args).stdout
        assert "no report with recommendations has a publication date" in out and "--all" not in out, out
    cli("import", gao_export(tmp_path / "e.csv", [
        gao_row("Old Report: Something Late", "GAO-24-100001", "Feb 1, 2024", "Department of Agriculture",
                "The Secretary should act.", 1)]))
    out = cli("clocks", "--as-of", "2026-10-01").stdout  # the only clock is long past: --all would show it
    assert "use --all for the clocks done and those long past" in out, out
    assert "GAO-24-100001" in cli("clocks", "--all", "--as-of", "2026-10-01").stdout


# 7. export: rows in order; the byte-order mark in files only ---------------------------------------------------

def test_export_is_ordered_and_has_no_bom_on_standard_output(cli, tmp_path):
    rows = [gao_row("Zebra Report: Last by Title", "GAO-25-100009", "Feb 1, 2025", "Department of Agriculture",
                    f"The Secretary should do thing {n}.", n) for n in (2, 10, 1)]
    rows += [gao_row("Alpha Report: First by Title", "GAO-26-100001", "Feb 1, 2026", "Department of Agriculture",
                     "The Secretary should act.", 1)]
    cli("import", gao_export(tmp_path / "e.csv", rows))
    cli("import", str(CBP_PAGE))  # reports without numbers: after the numbered ones, by title
    r = cli("export")
    assert not r.stdout_bytes.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    order = [(t["Report number"], t["Report title"], t["Recommendation"]) for t in table]
    assert order[:4] == [("GAO-25-100009", "Zebra Report: Last by Title", "1"),
                         ("GAO-25-100009", "Zebra Report: Last by Title", "2"),
                         ("GAO-25-100009", "Zebra Report: Last by Title", "10"),
                         ("GAO-26-100001", "Alpha Report: First by Title", "1")]
    titles = [t for n, t, _ in order[4:]]
    assert len(titles) == 10 and titles == sorted(titles) and not any(n for n, _, _ in order[4:])
    cli("export", "--output", str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 by it


# 8. search: the report number is shown, and its start finds it -----------------------------------------------

def test_search_shows_report_numbers_and_finds_their_start(cli, tmp_path):
    cli("import", gao_export(tmp_path / "e.csv", [
        gao_row("Grain Storage: Track Silos", "GAO-24-100001", "Feb 1, 2024", "Department of Agriculture",
                "The Secretary should track silo inspections.", 1),
        gao_row("Harbor Dredging: Cost Data", "GAO-26-100777", "Jan 16, 2026", "Department of the Army",
                "The Chief of Engineers should collect dredging costs.", 1),
        gao_row("Old Matters: From 2019", "GAO-19-100123", "Jan 16, 2019", "Department of the Army",
                "The Chief of Engineers should keep old records.", 1)]))
    rows = [ln.split("\t") for ln in cli("search", "silo").stdout.splitlines()]
    assert rows[1][1] == "GAO-24-100001 Grain Storage"
    for query, numbers in (("GAO-2", {"GAO-24-100001", "GAO-26-100777"}), ("GAO-24", {"GAO-24-100001"}),
                           ("gao-26-", {"GAO-26-100777"}), ("GAO-1", {"GAO-19-100123"})):
        found = json.loads(cli("search", query, "--json").stdout)["results"]
        assert {v["report_number"] for v in found} == numbers, query


# 9. a relative SQLite path: where the database is, said once ---------------------------------------------------

def test_a_relative_sqlite_path_says_where_it_created_the_database(tmp_path):
    first = in_process("stats", tmp_path=tmp_path, DATABASE_URL="sqlite:///relative.db")
    assert first.returncode == 0 and (tmp_path / "relative.db").is_file(), first.stderr
    assert first.stderr.splitlines() == [
        f"Created a new database at {tmp_path / 'relative.db'} (DATABASE_URL 'sqlite:///relative.db' is relative to "
        "the current directory; give an absolute path, sqlite:////…, to use one database from anywhere)."]
    again = in_process("stats", tmp_path=tmp_path, DATABASE_URL="sqlite:///relative.db")
    assert again.returncode == 0 and again.stderr == ""  # once: on creation
    absolute = in_process("stats", tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'abs.db'}")
    assert absolute.returncode == 0 and absolute.stderr == ""  # an absolute path says where it is itself


# 10. a database gaorec does not run on ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["mysql://u:secret@127.0.0.1/x", "mysql+pymysql://u:secret@127.0.0.1/x",
                                 "oracle://u:secret@127.0.0.1/x"])
def test_an_unsupported_database_is_named_plainly(tmp_path, url):
    line = one_line(in_process("stats", tmp_path=tmp_path, DATABASE_URL=url), "DATABASE_URL",
                    "supports only SQLite and PostgreSQL", "postgresql+psycopg://")
    assert "driver" not in line and "pip install" not in line and "secret" not in line


# 11. a confirmation that replaces an owner's correction says so ---------------------------------------------

@pytest.mark.sqlite_only("the answer's words; corrections run on both in test_promise_corrections")
def test_confirm_after_a_correction_says_what_it_replaces(cli):
    cli("import", str(CBP_PAGE))
    r = cli("promise", "p75nw", "--set", "2027-06-30", "--reason", "new plan")
    assert r.exit_code == 0 and "replaces" not in r.stdout  # nothing was there to replace
    r = cli("promise", "p75nw", "--confirm")
    at = json.loads(cli("show", "p75nw", "--json").stdout)["correction"]["at"]
    day = local_day(at, ZoneInfo("America/New_York"))  # the day in GAOREC_TIMEZONE, not UTC's
    assert r.stdout.strip() == (f"p75nw: confirmed “March 2024”, due 2024-03-31; this replaces the corrected date "
                                f"2027-06-30 set by {cli_actor()} on {day}")
    r = cli("promise", "p75nw", "--none")
    assert "replaces" not in r.stdout  # a confirmation is GAO's own date: nothing of the owner's was replaced


# 12. JSON instants: ISO 8601 in UTC to the second ---------------------------------------------------------

@pytest.mark.sqlite_only("JSON's format")
def test_json_instants_are_to_the_second(cli, app):
    cli("import", str(CBP_PAGE))
    cli("promise", "p75nw", "--set", "2027-06-30")
    shown = json.loads(cli("show", "p75nw", "--json").stdout)
    assert ISO_UTC.match(shown["first_seen"]) and ISO_UTC.match(shown["correction"]["at"]), shown
    events = json.loads(cli("audit", "--json").stdout)["events"]
    assert events and all(ISO_UTC.match(e["at"]) for e in events)
    corrections = json.loads(cli("promises", "--corrections", "--json").stdout)
    assert corrections["examples"] and all(ISO_UTC.match(c["at"]) for c in corrections["examples"]), corrections


# 13. --by: one default for every CLI command that records who acted ----------------------------------------

@pytest.mark.sqlite_only("the CLI's actor name; the audit runs on both in test_lifecycle")
def test_outcome_justify_and_promise_record_the_same_cli_actor(cli, app, tmp_path):
    cli("import", str(EXPORT), "--complete")
    gone = key_with(app, GONE)
    cli("import", write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE)),
        "--complete")
    assert cli("outcome", gone, "implemented").exit_code == 0
    assert cli("justify", gone, "superseded").exit_code == 0
    actors = {e["action"]: e["actor"] for e in json.loads(cli("audit", gone, "--json").stdout)["events"]}
    assert actors["outcome"] == actors["justify"] == cli_actor() != "cli"
    assert cli_actor("dana") == "dana"


@pytest.mark.sqlite_only("the CLI's actor name; corrections run on both in test_promise_corrections")
def test_promise_takes_by_like_the_others(cli):
    cli("import", str(CBP_PAGE))
    r = cli("promise", "p75nw", "--set", "2027-06-30", "--by", "dana")
    assert r.exit_code == 0, r.output
    events = json.loads(cli("audit", "p75nw", "--json").stdout)["events"]
    assert [e["actor"] for e in events if e["action"].startswith("promise")] == ["dana"]
    assert "--by NAME" in cli("promise", "--help").stdout


def test_cli_actor_is_the_login():
    import getpass

    assert cli_actor() == f"cli:{getpass.getuser()}"
    assert Path(ROOT / "bot" / "samples" / "cbp-agency-page.txt").is_file()


# 14. gaorec assign / unassign: ownership without Slack, through the same handler as /gaorec assign ----------

@pytest.mark.sqlite_only("the CLI's words; ownership's writes run on both in test_lifecycle and test_cards")
def test_cli_assign_and_unassign(cli):
    cli("import", str(CBP_PAGE))
    r = cli("assign", "p75nw", "@U0DANA", "--by", "lead")
    assert (r.exit_code, r.stdout) == (0, "p75nw is now owned by @U0DANA.\n"), r.output
    shown = json.loads(cli("show", "p75nw", "--json").stdout)
    assert (shown["owner"], shown["owner_source"]) == ("U0DANA", "assigned")
    r = cli("assign", "p75nw", "subteam:S0TEAM")
    assert r.stdout == "p75nw is now owned by @S0TEAM (was @U0DANA).\n", r.output
    assert cli("unassign", "p75nw").stdout == "p75nw has no owner now (was @S0TEAM).\n"
    assert cli("unassign", "p75nw").stdout == "p75nw had no owner.\n"
    events = json.loads(cli("audit", "p75nw", "--json").stdout)["events"]
    assert [(e["action"], e["actor"]) for e in reversed(events) if "assign" in e["action"]][:3] == [
        ("assign", "lead"), ("assign", cli_actor()), ("unassign", cli_actor())]
    bad = cli("assign", "p75nw", "@dana")
    assert bad.exit_code == 2 and "not a Slack user or group id" in bad.output
    missing = cli("assign", "zzzzz", "U0DANA")
    assert missing.exit_code == 1 and "no recommendation has the key 'zzzzz'" in missing.output
    for name in ("assign", "unassign"):
        assert "--by NAME" in cli(name, "--help").stdout
