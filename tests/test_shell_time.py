"""The shell never pollutes the real database with simulated time; :press,
:home and :as U_LOCAL; the README's shell session replayed."""
from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, func, select

from bot.adapters.shell import Shell
from config.settings import Settings
from bot.service import Gaorec
from storage.models import Base, Reminder
from storage.types import UTCDateTime

from .conftest import CBP_PAGE, FIXTURES, ROOT
from .forkserver import gaorec_argv

pytestmark = pytest.mark.sqlite_only  # the shell's simulated time


def latest_instants(db) -> dict[str, datetime]:
    """The latest value of every timestamp column of every table that has rows."""
    out = {}
    with db.session() as s:
        for table in Base.metadata.sorted_tables:
            for col in table.columns:
                if isinstance(col.type, (DateTime, UTCDateTime)):
                    v = s.scalar(select(func.max(col)))
                    if v is not None:
                        out[f"{table.name}.{col.name}"] = v
    return out


def assert_nothing_future_dated(db, started: datetime) -> None:
    limit = datetime.now(timezone.utc) + timedelta(minutes=1)
    late = {k: v for k, v in latest_instants(db).items() if v > limit}
    assert not late, f"future-dated rows in the real database: {late}"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 0


def run_shell(app, lines: list[str]) -> str:
    out = io.StringIO()
    Shell(app, out=out).run(io.StringIO("\n".join(lines) + "\n"))
    return out.getvalue()


def test_simulated_time_goes_to_a_scratch_copy(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    app = Gaorec(Settings(database_url=db_url, _env_file=None))
    real = app.db
    app.import_sources([str(FIXTURES / "agency-page.html")])
    key = [v for v in app.overdue(datetime(2026, 12, 1).date()) if v.rec_number == 2][0].key
    started = datetime.now(timezone.utc)
    out = run_shell(app, [
        "/gaorec subscribe", f"/gaorec assign {key} @U0DANA",
        ":now 2030-12-01T14:00:00Z",
        ":as U0DANA", f":reply {key} closeout tracker in review",
        ":as U0OTHER", "/gaorec assign " + key + " @U0OTHER",
        ":as U_LOCAL", f"/gaorec unassign {key}",
        ":home",
        ":now 2031-01-15T14:00:00Z",
    ])
    assert out.count("scratch copy of the database") == 1
    assert "Reminder pass at 2030-12-01T14:00:00Z: 2 posts." in out
    assert "Acknowledged by @U0DANA on 2030-12-01" in out
    assert "Only workspace admins" in out  # U0OTHER is no admin ...
    assert f"{key} has no owner now (was @U0DANA)." in out  # ... and :as U_LOCAL is one again (words, no markup)
    assert "#C_LOCAL: all recommendations" in out  # App Home shows the shell's channel
    assert app.db is real  # back on the real database; the scratch copy is gone
    assert not any(w.startswith("(Simulated time") and os.path.exists(w.split(", ")[1].removeprefix("sqlite:///"))
                   for w in out.splitlines())
    assert_nothing_future_dated(real, started)
    with real.session() as s:  # what was done before :now is real, and stayed
        from storage import repo
        assert [x.channel_id for x in repo.subscriptions(s)] == ["C_LOCAL"]
    real.dispose()


def test_press_a_button_of_the_last_message(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    app = Gaorec(Settings(database_url=db_url, _env_file=None))
    app.import_sources([str(FIXTURES / "agency-page.html")])
    out = run_shell(app, ["/gaorec subscribe", ":now 2030-12-01T14:00:00Z", ":press Snooze 1 week",
                          ":press Acknowledge", "/gaorec closeouts", ":press Details", ":press Nope"])
    assert "Snoozed by U_LOCAL until 2030-12-08" in out  # the last reminder's button, pressed
    assert "Acknowledged by U_LOCAL on 2030-12-01" in out  # the updated reminder's button
    assert "Last reminder: 2030-12-01" in out  # Details: the full card (its detail lines), of the first result
    assert "Usage: :press BUTTON; the last message has: Details" in out
    details = out[out.index("Last reminder: 2030-12-01"):out.index("Usage: :press BUTTON")]
    assert "Details" not in details  # the detail view offers no Details of itself
    app.db.dispose()


@pytest.mark.sqlite_only("the shell's own words; the reminder SQL it runs is tested on both in test_reminders")
def test_home_refresh_a_second_ack_and_a_bad_now_each_answer(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    app = Gaorec(Settings(database_url=db_url, _env_file=None))
    app.import_sources([str(FIXTURES / "agency-page.html")])
    out = run_shell(app, [":home", ":press Refresh", ":now 2026-13-01", "/gaorec subscribe",
                          ":now 2030-12-01T14:00:00Z", ":press Snooze 1 week", ":press Snooze 1 week",
                          ":press Acknowledge", ":press Acknowledge"])
    assert out.count("Your channels that get reminders") == 2  # :home, then its Refresh button pressed
    assert "‘2026-13-01’ is not a date and time. Usage: :now 2026-12-01T14:00:00Z" in out
    assert out.count("Already snoozed to that day: nothing changed.") == 1  # the second press, not the first
    assert out.count("Already acknowledged: nothing changed.") == 1
    app.db.dispose()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.sqlite_only("how the shell prints; what it reads is tested on both elsewhere")
def test_the_shell_wraps_to_the_terminal_and_not_in_a_pipe(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    app = Gaorec(Settings(database_url=db_url, _env_file=None))
    app.import_sources([str(FIXTURES / "agency-page.html")])
    term = _Terminal()
    Shell(app, out=term).run(io.StringIO("/gaorec subscribe\n:now 2030-12-01T14:00:00Z\n:home\n:help\n"))
    long = [x for x in term.getvalue().splitlines() if len(x) > 79 and " " in x.strip()]
    assert long == []  # in a terminal every line with a space in it fits: reminders, App Home, help
    help_term = _Terminal()
    Shell(app, out=help_term).run(io.StringIO(":help\n"))
    help_piped = run_shell(app, [":help"])
    assert max(len(x) for x in help_piped.splitlines()) > 80  # in a pipe, as is
    assert " ".join(help_term.getvalue().split()) == " ".join(help_piped.split())  # wrapped at spaces only
    app.db.dispose()


def test_the_readme_session_leaves_no_future_dated_row(tmp_path):
    """Replays the README's `gaorec shell` session (its input lines, as written) as a real process."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```text\n\$ gaorec shell\n(.*?)```", readme, re.S).group(1)
    lines = [ln.removeprefix("gaorec> ") for ln in block.splitlines() if ln.startswith("gaorec> /gaorec")
             or ln.startswith("gaorec> :")]  # what the person types after the prompt
    assert any(ln.startswith(":now") for ln in lines) and len(lines) >= 6
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'gaorec.db'}"
    started = datetime.now(timezone.utc)
    r = subprocess.run([*gaorec_argv(), "import", str(CBP_PAGE)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*gaorec_argv(), "shell"], cwd=ROOT, env=env, input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    for expected in ("This channel will hear reminders for all recommendations.", "p75nw is now owned by @U0DANA.",
                     "scratch copy of the database", "Reminder pass at 2026-12-01T14:00:00Z: 7 posts.",
                     "Acknowledged by @U0DANA on 2026-12-01: “guidance is in final review”",
                     "Reminder pass at 2026-12-09T14:00:00Z: 6 posts.",
                     "Time only moves forward in a shell session: 2026-12-02T09:00:00Z is before the simulated time, "
                     "2026-12-09T14:00:00Z."):
        assert expected in r.stdout, expected
    app = Gaorec(Settings(database_url=env["DATABASE_URL"], _env_file=None))
    assert_nothing_future_dated(app.db, started)
    app.db.dispose()


def test_the_shell_never_delivers_posts_waiting_for_slack(db_url, monkeypatch):
    """Posts planned for a real channel (by `remind` or an import) stay pending for `serve` and `remind`: the
    shell delivers its own channel's only, before simulated time and after it."""
    from bot.reply import Caller
    from storage.models import Outbox

    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    app = Gaorec(Settings(database_url=db_url, post_interval=0.0, _env_file=None))  # no pacing
    app.import_sources([str(CBP_PAGE)])
    app.handle("subscribe", Caller("U0ADMIN", is_admin=True, channel_id="C0REAL"))
    app.reminders.run_pass(datetime(2026, 12, 1, 14, tzinfo=timezone.utc))  # planned, not delivered
    with app.db.session() as s:
        waiting = s.scalar(select(func.count()).select_from(Outbox).where(Outbox.state == "pending"))
    assert waiting > 0
    out = run_shell(app, ["/gaorec stats", ":digest", "/gaorec subscribe", ":now 2026-12-02T14:00:00Z", ":digest"])
    assert "C0REAL" not in out and "#C_LOCAL" in out  # its own channel's reminders, in the scratch copy
    with app.db.session() as s:  # the real database: the same posts, still pending
        assert s.scalar(select(func.count()).select_from(Outbox).where(Outbox.state == "pending",
                                                                       Outbox.channel_id == "C0REAL")) == waiting
    # the shell's subscription, left in the real database: `remind` and the digest never plan posts for it
    with app.db.write() as s:
        from storage import repo

        repo.subscribe(s, "C_LOCAL", "", "U_LOCAL", repo.utcnow())
    app.reminders.run_pass(datetime(2026, 12, 3, 14, tzinfo=timezone.utc))
    app.reminders.digest(datetime(2026, 12, 3, 15, tzinfo=timezone.utc))
    with app.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Outbox).where(Outbox.channel_id == "C_LOCAL")) == 0
        assert s.scalar(select(func.count()).select_from(Reminder).where(Reminder.channel_id == "C_LOCAL")) == 0
    # a post a shell left for its channel in the real database is never delivered by serve or remind
    from bot import messages as M
    from bot.adapters.shell import ShellPoster
    from bot.messages import Message
    from storage.queries import reminders as rq

    with app.db.write() as s:
        rq.plan_post(s, "left-by-a-shell", "digest", "C_LOCAL", None, None, repo.utcnow(),
                     {"message": Message(text=M.text("from a shell")).to_dict()})
    said: list[str] = []
    app.reminders.deliver(ShellPoster(said.append))
    assert not [t for t in said if "from a shell" in t]
    app.db.dispose()
