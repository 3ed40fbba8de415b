"""The smaller defects a new user met from a fresh clone (issue 12, item 8), each pinned by a test that failed
before its fix: the shell's scratch copy outliving a killed shell, `gaorec run` status lines hard-wrapped in a
pipe, the README session after `make run`, TOML mistakes without file and line, a second identical outcome
audited again, "1 status events", :now going backwards, audit times without a zone, `search` capped in a pipe,
a missing SQLite directory created silently."""
from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.generate import export
from bot.reply import Caller
from bot.service import Gaorec
from bot.words import plural
from storage.models import AuditEvent

from .conftest import FIXTURES, ROOT
from .test_config_errors import in_process, one_line
from .test_lifecycle import EXPORT, GONE, key_with, stamped, without, write
from .test_shell_time import run_shell
from .forkserver import COLD, gaorec_argv

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'gaorec.db'}"
    env.update(extra)
    return env


# 1. a killed shell leaves no scratch copy behind ----------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_killed_shell_removes_its_scratch_copy(tmp_path, sig):
    env = _env(tmp_path)
    subprocess.run([*gaorec_argv(), "import", str(FIXTURES / "agency-page.html")], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen([*gaorec_argv(), "shell"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdin.write("/gaorec subscribe\n:now 2030-12-01T14:00:00Z\n")
        proc.stdin.flush()  # stdin stays open: the shell waits for the next line, as a person's would
        scratch, deadline = None, time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            found = re.search(r"sqlite:///(\S+)/gaorec-scratch\.db", line)
            scratch = Path(found.group(1)) if found else scratch
            if line.startswith("Reminder pass at"):
                break
        assert scratch is not None and scratch.is_dir()
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 128 + sig
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not scratch.exists(), f"the scratch copy survived {sig.name}: {scratch}"


def test_the_next_shell_removes_what_a_shell_killed_with_sigkill_left(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = _env(tmp_path, TMPDIR=str(tmp))
    subprocess.run([*gaorec_argv(), "import", str(FIXTURES / "agency-page.html")], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen([*COLD, "shell"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdin.write(":now 2030-12-01T14:00:00Z\n")
        proc.stdin.flush()
        scratch, deadline = None, time.monotonic() + 120
        while scratch is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            found = re.search(r"sqlite:///(\S+)/gaorec-scratch\.db", line)
            scratch = Path(found.group(1)) if found else None
        assert scratch is not None and scratch.parent == tmp
        proc.kill()  # SIGKILL: no handler runs, the copy stays
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert scratch.is_dir()
    not_ours = tmp / "gaorec-shell-notours"  # no owner file: not a directory a shell made, left alone
    not_ours.mkdir()
    alive = tmp / "gaorec-shell-alive"  # a live shell's copy (this process stands for it), left alone
    alive.mkdir()
    (alive / "gaorec-shell.pid").write_text(f"{os.getpid()}\n")
    r = subprocess.run([*gaorec_argv(), "shell"], cwd=ROOT, env=env, input="", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not scratch.exists() and not_ours.is_dir() and alive.is_dir()


def test_a_scratch_copy_that_cannot_be_removed_is_named(tmp_path, capsys):
    from bot.adapters.shell import discard

    stuck = tmp_path / "gaorec-shell-x"
    stuck.write_text("a file where a directory was: rmtree refuses it")
    assert discard(str(stuck)) is False
    err = capsys.readouterr().err
    assert f"could not remove the scratch copy of the database at {stuck}" in err and "remove it yourself" in err
    assert discard(str(tmp_path / "gone")) is True  # already gone: nothing to say


# 2. `gaorec run` status lines: stderr, one line each, never hard-wrapped --------------------------------

def test_run_status_lines_go_to_stderr_unwrapped(tmp_path):
    deep = tmp_path / ("a-directory-with-a-long-name-" * 3)
    deep.mkdir()
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{deep / 'gaorec.db'}")
    sample = str(ROOT / "bot" / "samples" / "agency-page-sample.txt")
    r = subprocess.run([*gaorec_argv(), "run", "--sample", sample], cwd=ROOT, env=env, input="",
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    loaded = [ln for ln in lines if ln.startswith("Loaded 5 recommendations from ")]
    assert loaded and loaded[0].endswith(f"into sqlite:///{deep / 'gaorec.db'}") and len(loaded[0]) > 80
    assert "No Slack tokens set (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): starting the local shell." in lines
    assert r.stdout == ""  # status is not data


# 3. the README's session, after `make run` ------------------------------------------------------------------

def test_the_readme_session_is_true_after_make_run(tmp_path):
    """`make run` loads the bundled CBP page into a fresh default database; then the README's commands, as written
    (on a fresh clone: nothing from ../shared)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## A session\n.*?```text\n(.*?)```", readme, re.S).group(1)
    env = _env(tmp_path, XDG_DATA_HOME=str(tmp_path / "xdg"))
    del env["DATABASE_URL"]  # the default database, as after `make run` on a fresh machine
    r = subprocess.run([*gaorec_argv(), "run"], cwd=ROOT, env=env, input="", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and "Loaded 10 recommendations" in r.stderr, r.stderr

    def said(command: str) -> list[str]:
        """What the README shows after ``$ command`` (up to the next blank line), without the '...' lines."""
        part = block.split(f"$ {command}\n", 1)[1].split("\n\n", 1)[0]
        return [ln for ln in part.splitlines() if ln != "..."]

    source = re.search(r"^\$ gaorec import (\S+)$", block, re.M).group(1)
    assert (ROOT / source).resolve().is_relative_to(ROOT) and (ROOT / source).is_file(), \
        f"README's session imports {source}, which a fresh clone does not have"
    out = subprocess.run([*gaorec_argv(), "import", source],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120).stdout.splitlines()
    assert said(f"gaorec import {source}")[-1] == out[-1]
    out = subprocess.run([*gaorec_argv(), "shell"], cwd=ROOT, env=env, input="/gaorec 232\n",
                         capture_output=True, text=True, timeout=120).stdout.splitlines()
    shown = [ln for ln in said("echo '/gaorec 232' | gaorec shell")  # what does not move with today's date
             if not ln.endswith("...") and " days" not in ln and " since " not in ln]
    rest = iter(out)
    assert len(shown) >= 5 and all(ln in rest for ln in shown), (shown, out)  # in this order
    out = subprocess.run("gaorec_() { " + f"{shlex.join(gaorec_argv())} \"$@\"; }}; gaorec_ overdue --as-of 2026-12-01 "
                         "| cut -f1,7", shell=True, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120).stdout.splitlines()
    shown = said("gaorec overdue --as-of 2026-12-01 | cut -f1,7     # a pipe gets tab-separated lines, all of them")
    assert out[:len(shown)] == shown
    text = "In January 2024, CBP stated it would finish by March 2024."
    out = subprocess.run([*gaorec_argv(), "promises"], cwd=ROOT, env=env, input=text + "\n",
                         capture_output=True, text=True, timeout=120).stdout.splitlines()
    assert out == said(f'echo "{text}" | gaorec promises')


# 4. TOML: unknown keys and syntax errors name the file and the line ---------------------------------------

def test_toml_mistakes_name_the_file_and_line(tmp_path):
    """Messages, not process behaviour: in process (test_config_errors.in_process; the process itself in
    test_config_errors)."""
    conf = tmp_path / "gaorec.toml"
    conf.write_text('timezone = "America/Chicago"\n\ntimezon = "America/Denver"\n')
    line = one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(conf)), f"{conf}:3:", "'timezon'",
                    "unknown setting", "did you mean 'timezone'")
    conf.write_text('# the Slack part\n[slack]\nbot_token = "xoxb-1"\n')
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(conf)), f"{conf}:2:", "unknown setting 'slack'")
    conf.write_text('timezone = "America/Chicago"\nowner_rules = [{agency = "CBP" owner = "U1"}]\n')
    line = one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(conf)), "not valid TOML")
    assert line.removeprefix("Error: ").startswith(f"{conf}:2: ")
    conf.write_text('timezone = "America/Chicago"\nreminder_cap = "lots"\n')
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(conf)), f"{conf}:2:", "reminder_cap", "integer")
    r = in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(ROOT / "config" / "gaorec.example.toml"))
    assert r.returncode == 0, r.stderr  # every key of the example is a setting
    assert "Traceback" not in line


# 5. the same outcome twice is recorded once --------------------------------------------------------------

def test_the_same_outcome_twice_is_recorded_once(app, tmp_path):
    app.import_sources([str(EXPORT)], complete=True)
    gone = key_with(app, GONE)
    app.import_sources([write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))],
                       complete=True)
    admin = Caller("U0ADMIN", is_admin=True, channel_id="C1")

    def outcomes() -> int:
        with app.db.session() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "outcome"))

    r = app.handle(f"outcome {gone} implemented", admin)
    assert r.kind == "text" and "already" not in r.mrkdwn and outcomes() == 1
    r = app.handle(f"outcome {gone} implemented", admin)
    assert r.kind == "text" and "already recorded" in r.mrkdwn and outcomes() == 1
    r = app.handle(f"outcome {gone} not-implemented", admin)  # a different one is recorded
    assert "already" not in r.mrkdwn and outcomes() == 2


# 6. counted nouns ------------------------------------------------------------------------------------------

def test_counts_take_the_right_form():
    assert plural(1, "status event") == "1 status event" and plural(2, "slip") == "2 slips"
    assert plural(0, "entry", "entries") == "0 entries" and plural(1, "day") == "1 day"
    from datetime import date

    from bot.services.clocks import CLOCKS, Clock

    late = Clock(1, "GAO-24-1", None, "gao", date(2024, 1, 2), 1, CLOCKS[0], date(2024, 7, 1), -1, False)
    assert "was due on 2024-07-01: 1 day overdue" in late.sentence()
    # no f-string prints a bare count before a plural noun anywhere in the code this item fixed
    nouns = "status events|slips|days|rows|recommendations|new reminders"
    pattern = re.compile(r"\{(?![A-Z_]+\}|cmd\})[^{}]*\} (" + nouns + r")\b")
    # (a constant such as MAX_SNOOZE_DAYS is never 1; "{cmd} recommendations" is "assign recommendations")
    files = ["bot/cli.py", "bot/cli_reports.py", "bot/adapters/shell.py", "bot/service.py", "bot/services/clocks.py",
             "bot/reminders/engine.py", "bot/reminders/planning.py", "bot/reminders/answers.py",
             "bot/reminders/digest.py", "bot/listeners/mentions/__init__.py", "bot/commands/records.py",
             "bot/commands/reminders.py"]
    found = [f"{f}: {m.group(0)}" for f in files for m in pattern.finditer((ROOT / f).read_text())]
    assert not found, found


def test_an_import_of_one_status_event_says_so(cli, tmp_path):
    cli("import", str(EXPORT))
    text = EXPORT.read_text()
    changed = stamped(text, "Oct 28, 2026")
    line = next(ln for ln in changed.splitlines() if GONE in ln)
    changed = changed.replace(line, line.replace(",Open,", ",Closed - Implemented,", 1))
    assert changed.count("Closed - Implemented") == text.count("Closed - Implemented") + 1
    r = cli("import", write(tmp_path, "oct.csv", changed))
    assert "(1 status event, 0 slips)" in r.stdout, r.stdout


# 7. simulated time only moves forward ---------------------------------------------------------------------

def test_now_refuses_to_go_backwards(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    out = run_shell(app, ["/gaorec subscribe", ":now 2030-12-01T14:00:00Z", ":now 2030-11-01T14:00:00Z",
                          ":now 2030-12-01T15:00:00Z"])
    refusal = [ln for ln in out.splitlines() if ln.startswith("Time only moves forward")]
    assert len(refusal) == 1 and "2030-11-01T14:00:00Z is before the simulated time, " \
        "2030-12-01T14:00:00Z" in refusal[0] and ":quit" in refusal[0]
    assert "Reminder pass at 2030-11-01" not in out
    assert "Reminder pass at 2030-12-01T15:00:00Z: 0 posts." in out  # the clock was left where it was


def test_a_bare_now_runs_a_pass_at_the_shells_clock(app):
    """`:now` alone after a simulated time is that time again (not the real clock, which is behind it)."""
    app.import_sources([str(FIXTURES / "agency-page.html")])
    out = run_shell(app, ["/gaorec subscribe", ":now 2030-12-01T14:00:00Z", ":now"])
    assert "Time only moves forward" not in out
    assert out.count("Reminder pass at 2030-12-01T14:00:00Z:") == 2, out


# 8. audit times carry their zone --------------------------------------------------------------------------

def test_audit_times_are_iso_8601_in_utc(cli, app):
    cli("import", str(FIXTURES / "agency-page.html"))
    cli("shell", input="/gaorec subscribe\n:now 2030-12-01T14:00:00Z\n")  # the :now part is discarded
    app.handle("subscribe", Caller("U0ADMIN", is_admin=True, channel_id="C9"))
    rows = [ln.split("\t") for ln in cli("audit").stdout.splitlines()]
    assert rows[0][0] == "at" and len(rows) == 3
    assert all(ISO_UTC.match(r[0]) for r in rows[1:]), rows
    assert "UTC" in cli("audit", "--help").stdout
    import csv

    from bot.adapters.shell import ShellPoster
    from storage.models import Recommendation, Reminder

    key = app.search("closeouts")[0][0].key
    app = Gaorec(app.settings.model_copy(update={"post_interval": 0.0}), app.db)  # no pacing between posts
    at = datetime(2030, 12, 1, 14, tzinfo=timezone.utc)  # an acknowledgement through the engine, on the real database
    app.reminders.run_pass(at, poster=ShellPoster(lambda _t: None))
    with app.db.session() as s:
        rid = s.scalar(select(Reminder.id).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                       .where(Recommendation.key == key, Reminder.channel_id == "C9"))
    assert app.reminders.acknowledge(rid, "U0DANA", "reply", "on it", at).ok

    table = list(csv.DictReader(io.StringIO(cli("export").stdout_bytes.decode("utf-8-sig"))))
    acked = [r for r in table if r["Key"] == key][0]
    assert acked["Acknowledged at (UTC)"] == "2030-12-01T14:00:00Z"
    assert all(ISO_UTC.match(r["Acknowledged at (UTC)"]) or r["Acknowledged at (UTC)"] == "" for r in table)


# 9. search in a pipe prints every match up to --limit; one "N more" note ------------------------------------

def test_search_in_a_pipe_prints_all_matches(cli, tmp_path):
    src = tmp_path / "export.csv"
    src.write_bytes(export(40))
    cli("import", str(src))
    total = json.loads(cli("search", "recommendation", "--json", "--limit", "1000").stdout)["total"]
    assert total > 20
    r = cli("search", "recommendation")
    assert len(r.stdout.splitlines()) == 1 + total and "more" not in r.stderr
    r = cli("search", "recommendation", "--limit", "5")
    assert len(r.stdout.splitlines()) == 6 and r.stderr.strip() == f"{total - 5} more (use --limit)"
    r = cli("overdue", "--as-of", "2030-01-01", "--limit", "1")
    n = json.loads(cli("overdue", "--as-of", "2030-01-01", "--json").stdout)["total"]
    assert r.stderr.strip().startswith(f"{n - 1} more (use --limit)")  # the same note


# 10. a SQLite URL whose directory does not exist ----------------------------------------------------------

def test_a_missing_sqlite_directory_is_refused_not_created(tmp_path):
    where = tmp_path / "no-such-dir"
    line = one_line(in_process("stats", tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{where / 'gaorec.db'}"),
                    "DATABASE_URL", str(where), "does not exist", f"mkdir -p {where}")
    assert not where.exists() and "Traceback" not in line
    # the default path is gaorec's own: its directory is made (no DATABASE_URL: the default database)
    r = in_process("stats", tmp_path=tmp_path, DATABASE_URL=None, XDG_DATA_HOME=str(tmp_path / "xdg"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "xdg" / "gaorec" / "gaorec.db").exists()
