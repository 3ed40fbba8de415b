"""Issue #15, finding 8: honest health and one-line errors. /healthz reads the
database; a full disk and corrupt, foreign or read-only files give one line
naming the file and the fix (exit 2); `gaorec audit` pages newest first;
NULs and forged button values are refused cleanly; Slack's escaping is undone
exactly once; a users.info or upload failure still leaves an answer."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select, text

from bench.generate import export
from bot.blocks import BUTTON_VALUE_MAX, escape, reply_blocks
from bot.reply import Caller, Reply
from storage import models

from .fakeslack import FakeSlack, action_body, answered_in_ack, command_body, post, signed_headers
from .slackserver import ROOT, SECRET, ServeProcess
from .forkserver import gaorec_argv

FORM = "application/x-www-form-urlencoded"
ADMIN = Caller(user_id="U0ADMIN", is_admin=True, channel_id="C0001")


def with_rd(n: int = 30) -> bytes:
    """A synthetic export plus one recommendation about R&D."""
    data = export(n).decode()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([
        "Research Spending: Agencies Should Track R&D Obligations", "GAO-25-900777", "Mar 3, 2025", "A. Director",
        "(202) 512-0000", "Department of Example Affairs",
        "The Secretary should report R&D obligations by program. (Recommendation 1)", "Open", "No",
        "The agency estimated that this would be complete by March 2025.", "Defense"])
    return (data + out.getvalue()).encode()


def cli(db_url: str, *args, env_extra: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    env.update(env_extra or {})
    return subprocess.run([*gaorec_argv(), "--database", db_url, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def one_line(out, path) -> str:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert str(path) in lines[0]
    return lines[0]


@pytest.fixture
def served(app, tmp_path):
    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    src = tmp_path / "recs.csv"
    src.write_bytes(with_rd())
    app.import_sources([str(src)])
    proc = ServeProcess(app.db.url, fake.api_url)
    yield app, fake, proc
    proc.stop()
    fake.stop()


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=15) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def command(proc, fake, text_: str, name: str, user="U0USER") -> tuple[int, str]:
    body = command_body(text_, user_id=user, response_url=fake.response_url(name))
    status, answer, _ = post(proc.url, body, signed_headers(SECRET, body, content_type=FORM))
    return status, answer


# -- /healthz ---------------------------------------------------------------------

def test_healthz_is_503_when_the_database_is_locked(served):
    app, fake, proc = served
    assert health(proc.port) == (200, {"ok": True, "database": "ok", "scheduler": health(proc.port)[1]["scheduler"],
                                       "queued": 0})
    if app.db.sqlite_path is not None:
        holder = sqlite3.connect(str(app.db.sqlite_path), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = lambda: (holder.execute("ROLLBACK"), holder.close())  # noqa: E731
    else:
        conn = app.db.engine.connect()
        conn.execute(text("LOCK TABLE recommendations IN ACCESS EXCLUSIVE MODE"))
        release = lambda: (conn.rollback(), conn.close())  # noqa: E731
    try:
        status, body = health(proc.port)
        assert status == 503 and body["ok"] is False and body["database"] in ("locked", "unavailable"), body
    finally:
        release()
    assert health(proc.port)[0] == 200


def test_healthz_is_503_when_the_sqlite_file_is_corrupt(sqlite_url, tmp_path):
    from config.settings import Settings
    from bot.service import Gaorec

    app = Gaorec(Settings(database_url=sqlite_url, _env_file=None))
    (tmp_path / "r.csv").write_bytes(export(300))
    app.import_sources([str(tmp_path / "r.csv")])
    path = app.db.sqlite_path
    app.db.dispose()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'recommendations'").fetchone()[0]
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    fake = FakeSlack().start()
    proc = ServeProcess(sqlite_url, fake.api_url)
    try:
        status, body = health(proc.port)
        assert status == 503 and body["database"] == "corrupt", body
        # and a command on it is answered, not dropped
        assert command(proc, fake, "oversight", "c")[0] == 200
        (answer,) = fake.wait_for("response_url", 1, timeout=15)
        assert "went wrong" in answer.params["text"]
        ref = re.search(r"ERR-[0-9A-F]{8}", answer.params["text"]).group(0)
    finally:
        proc.stop()
        fake.stop()
    assert f"(ref {ref})" in proc.log  # the operator finds the user's reference, with the cause


# -- one-line database errors -------------------------------------------------------

def test_corrupt_and_foreign_files_give_one_line(tmp_path):
    text_file = tmp_path / "notes.db"
    text_file.write_text("these are my notes, not a database\n" * 20)
    line = one_line(cli(f"sqlite:///{text_file}", "stats"), text_file)
    assert "not a SQLite database" in line
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE people (name TEXT)")
    line = one_line(cli(f"sqlite:///{other}", "stats"), other)
    assert "another program" in line
    with sqlite3.connect(other) as c:  # and gaorec did not add its tables to it
        assert [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["people"]
    good = tmp_path / "good.db"
    (tmp_path / "r.csv").write_bytes(export(50))
    assert cli(f"sqlite:///{good}", "import", str(tmp_path / "r.csv")).returncode == 0
    with open(good, "r+b") as f:
        f.seek(100)
        f.write(b"\xa5" * 3000)  # the schema page
    line = one_line(cli(f"sqlite:///{good}", "stats"), good)
    assert "corrupt" in line and "backup" in line


def mount_tmpfs(path, size: str) -> None:
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                      capture_output=True).returncode:
        pytest.skip("cannot mount a small file system here (needs root)")


@pytest.fixture
def tiny_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mount_tmpfs(mnt, "400k")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mount_tmpfs(mnt, "8m")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_disk_full_gives_one_line(tiny_fs, tmp_path):
    src = tmp_path / "big.csv"
    src.write_bytes(export(3000))
    db = tiny_fs / "gaorec.db"
    line = one_line(cli(f"sqlite:///{db}", "import", str(src)), db)
    assert "disk is full" in line or "disk failed a write" in line


def test_read_only_file_system_gives_one_line(small_fs, tmp_path):
    tiny_fs = small_fs
    src = tmp_path / "r.csv"
    src.write_bytes(export(20))
    db = tiny_fs / "gaorec.db"
    assert cli(f"sqlite:///{db}", "import", str(src)).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    for args in (("stats",), ("import", str(src))):
        line = one_line(cli(f"sqlite:///{db}", *args), db)
        assert "read-only" in line
    line = one_line(cli(f"sqlite:///{tiny_fs / 'new.db'}", "stats"), tiny_fs / "new.db")
    assert "read-only" in line


# -- the audit log pages --------------------------------------------------------------

def test_audit_pages_newest_first_and_says_how_many_more(app):
    for n in range(7):
        app.handle(f"subscribe topic{n}", ADMIN)
    out = cli(app.db.url, "audit", "--limit", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()  # a pipe: a header line, then tab-separated events, newest first
    assert lines[0].split("\t")[:3] == ["at", "actor", "action"] and len(lines) == 4
    assert [line.split("query=")[-1] for line in lines[1:4]] == ["topic6", "topic5", "topic4"]
    assert out.stderr.splitlines()[-1] == "4 more older events: gaorec audit --offset 3 --limit 3"
    data = json.loads(cli(app.db.url, "audit", "--limit", "3", "--offset", "6", "--json").stdout)
    assert (data["total"], data["more"], len(data["events"])) == (7, 0, 1)
    assert data["events"][0]["detail"]["query"] == "topic0"


# -- hostile arguments --------------------------------------------------------------------

def test_nul_in_any_argument_is_refused_or_dropped_cleanly(served):
    app, fake, proc = served
    status, ack = command(proc, fake, "over\x00sight", "nul")
    assert status == 200 and "NUL character" in json.loads(ack)["text"]
    body = action_body("gaorec_page_next", json.dumps({"t": "x\x00y", "o": 5}), response_url=fake.response_url("a"))
    assert post(proc.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    # the command's refusal came in its ack (recorded as what the user saw); the button's through response_url
    (told,) = [c for c in fake.wait_for("response_url", 2, timeout=15) if not answered_in_ack(c)]
    assert "NUL character" in told.params["text"]
    # a thread reply with a NUL is not refused: the NUL is dropped (PostgreSQL cannot store it)
    with app.db.session() as s:
        assert s.scalar(select(func.count()).select_from(models.Subscription)) == 0
    assert "Traceback" not in proc.log


def test_forged_and_huge_button_values_are_refused(served):
    app, fake, proc = served
    cases = [("gaorec_page_next", "{" * 5000), ("gaorec_page_next", json.dumps({"t": "é" * 3000, "o": 5})),
             ("gaorec_share", "[1, 2, 3]"), ("gaorec_page_next", "{not json"),
             ("gaorec_ack", json.dumps({"r": 10 ** 30})), ("gaorec_ack", json.dumps({"r": 424242})),
             ("gaorec_page_next", json.dumps({"t": {"x": 1}, "o": "1e999"}))]
    for n, (action_id, value) in enumerate(cases):
        body = action_body(action_id, value, response_url=fake.response_url(f"f{n}"))
        assert post(proc.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    got = fake.wait_for("response_url", len(cases), timeout=20)
    by_url = {c.headers.get("Host", "") + str(i): c.params for i, c in enumerate(got)}
    texts = " ".join(str(p.get("text")) for p in by_url.values())
    assert texts.count("out of date") >= 4 and "no longer known" in texts
    assert "Only nobody" not in texts and "Traceback" not in proc.log and "went wrong" not in texts


def test_paging_value_stays_whole_json_for_long_non_ascii_queries():
    for query in ("é" * 500, "&" * 500, "Ω<>&\"" * 100, "漢字" * 250):
        reply = Reply(kind="list", title="t", records=[], total=40, offset=5, query=query, command="search",
                      source_text=query[:500])
        blocks = reply_blocks(reply)
        nav = [b for b in blocks if b.get("block_id") == "nav"][0]
        for element in nav["elements"]:
            assert len(element["value"]) <= BUTTON_VALUE_MAX
            state = json.loads(element["value"])  # never cut mid-JSON
            assert escape(query[:500]).startswith(state["t"]) and state["t"]


def test_slash_command_text_is_unescaped_once(served):
    app, fake, proc = served
    assert command(proc, fake, "R&amp;D obligations", "rd")[0] == 200  # what Slack sends for "R&D obligations"
    (answer,) = fake.wait_for("response_url", 1, timeout=15)
    blob = json.dumps(answer.params, ensure_ascii=False)
    assert "Track R&amp;D Obligations" in blob and "&amp;amp;" not in blob


@pytest.mark.sqlite_only("Slack's failures; the export's queries run on both in test_cards")
def test_users_info_and_upload_failures_still_answer(served):
    app, fake, proc = served
    fake.fail("users.info", 0, times=10, reset=True)
    assert command(proc, fake, "subscribe", "sub", user="U0ADMIN")[0] == 200
    (answer,) = fake.wait_for("response_url", 1, timeout=30)
    assert "Only workspace admins" in answer.params["text"]
    fake.fail("files.getUploadURLExternal", 500, times=10)
    assert command(proc, fake, "export", "exp", user="U0ADMIN")[0] == 200
    answer = fake.wait_for("response_url", 2, timeout=30)[1]
    assert "could not be sent" in json.dumps(answer.params)
    assert "Traceback" not in proc.log
