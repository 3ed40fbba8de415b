"""One card that tells everything, and one owner resolution for every surface:
show (text and --json), exports, App Home, /gaorec mine and owners, reminders."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.adapters.shell import ShellPoster
from bot.cli import main
from bot.gao.calendar import local_day
from bot.reply import Caller
from bot.service import Gaorec
from config.settings import Settings
from storage import repo

from .conftest import FIXTURES
from bot.blocks.home import home_view
from bot.services.home import home as home_data

RULES = [{"query": "closeouts", "owner": "U0RULE"}, {"agency": "Office of Example Programs", "owner": "U0AGENCY"}]
ADMIN = Caller("U0ADMIN", is_admin=True, channel_id="C1")


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    """Three recommendations; one assigned, two given by the first rule (the second rule matches them too, but
    comes later); a reminder pass; one acknowledged with a note, one snoozed."""
    toml = tmp_path / "gaorec.toml"
    toml.write_text('owner_rules = [{query = "closeouts", owner = "U0RULE"}, '
                    '{agency = "Office of Example Programs", owner = "U0AGENCY"}]\n')
    monkeypatch.setenv("GAOREC_CONFIG", str(toml))
    monkeypatch.setenv("DATABASE_URL", db_url)
    app = Gaorec(Settings(post_interval=0, _env_file=None))
    assert app.settings.owner_rules == RULES
    app.import_sources([str(FIXTURES / "agency-page.html")])
    keys = {v.rec_number if "Data" not in v.report_title else "data": v.key for v in app.search("example")[0]}
    k_data, k_grant = keys["data"], keys[2]
    app.handle(f"assign {k_data} @U0DANA", ADMIN)
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", "U0ADMIN", repo.utcnow())
    now = datetime.now(timezone.utc)
    said: list[str] = []
    app.reminders.run_pass(now, poster=ShellPoster(said.append))
    rems = {r["key"]: r for r in app.reminders.run_pass(now, dry_run=True).planned} or None
    from sqlalchemy import select

    from storage.models import Recommendation, Reminder

    with app.db.session() as s:
        rid = dict(s.execute(select(Recommendation.key, Reminder.id).join(
            Reminder, Reminder.recommendation_id == Recommendation.id)).all())
    assert set(rid) == {k_data, k_grant}, (rid, rems)
    assert app.reminders.acknowledge(rid[k_grant], "U0RULE", "reply", "closeout tracker ships in Q1", now).ok
    assert app.reminders.snooze(rid[k_data], "U0DANA", now + timedelta(days=30), "waiting on OT", now).ok
    yield app, k_data, k_grant, now
    app.db.dispose()


def _show(key: str) -> dict:
    r = CliRunner().invoke(main, ["show", key, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_show_json_carries_owner_source_ack_and_snooze(world):
    app, k_data, k_grant, now = world
    data = _show(k_data)
    assert (data["owner"], data["owner_source"], data["owner_rule"]) == ("U0DANA", "assigned", None)
    assert data["snoozed_until"][:10] == (now + timedelta(days=30)).date().isoformat()
    assert data["acknowledged"] is None and data["last_reminded"][:10] == now.date().isoformat()
    grant = _show(k_grant)
    assert (grant["owner"], grant["owner_source"]) == ("U0RULE", "rule")
    assert grant["owner_rule"] == "rule 1: query “closeouts”"  # the first matching rule wins over rule 2
    assert grant["acknowledged"]["by"] == "U0RULE" and grant["acknowledged"]["note"] == "closeout tracker ships in Q1"
    assert grant["acknowledged"]["at"][:10] == now.date().isoformat() and grant["snoozed_until"] is None


def test_exports_app_home_mine_and_owners_agree_with_show(world):
    app, k_data, k_grant, now = world
    shown = {k: _show(k) for k in (v.key for v in app.search("example")[0])}
    assert {k: d["owner"] for k, d in shown.items()}.values() and len(shown) == 3
    r = CliRunner().invoke(main, ["export"], catch_exceptions=False)
    rows = {row["Key"]: row for row in csv.DictReader(io.StringIO(r.output.lstrip("\ufeff")))}
    for key, d in shown.items():
        assert rows[key]["Owner"] == (d["owner"] or "")
        ack = d["acknowledged"]
        day = local_day(ack["at"], ZoneInfo("America/New_York")) if ack else None  # the day in GAOREC_TIMEZONE
        assert rows[key]["Last acknowledgement"] == (f"{day} by {ack['by']}" if ack else "")
        assert rows[key]["Acknowledgement note"] == ((ack or {}).get("note") or "")
    # App Home: each owner sees exactly what show says they own
    for user in ("U0DANA", "U0RULE", "U0AGENCY"):
        home = json.dumps(home_view(home_data(app, user, None, now)).to_dict(), ensure_ascii=False)
        mine = {k for k, d in shown.items() if d["owner"] == user}
        assert f"you own {len(mine)} " in home
        for key, d in shown.items():
            if f"`{key}`" in home or d["overdue"]:  # App Home lists what is overdue, due, snoozed, acknowledged
                assert (f"`{key}`" in home) == (key in mine), (user, key)
        assert {v.key for v in app.mine(Caller(user))} == mine
    assert "Snoozed (1)" in json.dumps(home_view(home_data(app, "U0DANA", None, now)).to_dict())
    assert "Acknowledged in the last 30 days (1)" in json.dumps(
        home_view(home_data(app, "U0RULE", None, now)).to_dict())
    owners = app.handle("owners", Caller("U1")).mrkdwn
    assert "1. query `closeouts` → <@U0RULE>" in owners and "*0* open recommendations have no owner" in owners


def test_reminders_mention_the_owner_show_gives(world):
    app, k_data, k_grant, now = world
    with app.db.session() as s:
        views = app.reminders.planner.views(s, [app.show(k_grant).id, app.show(k_data).id])
    assert sorted(v.owner for v in views.values()) == ["U0DANA", "U0RULE"]


def test_the_card_tells_everything(world):
    app, k_data, k_grant, now = world
    today = app.today(now)  # dates shown are days in GAOREC_TIMEZONE
    text = CliRunner().invoke(main, ["show", k_grant], catch_exceptions=False).output
    assert "Owner: @U0RULE (by rule 1: query “closeouts”)" in text
    assert f"Acknowledged by @U0RULE on {today}: “closeout tracker ships in Q1”" in text
    assert f"Last reminder: {today}" in text and "Snoozed: no" in text
    text = CliRunner().invoke(main, ["show", k_data], catch_exceptions=False).output
    assert "Owner: @U0DANA (assigned)" in text
    assert f"Snoozed by @U0DANA until {app.today(now + timedelta(days=30))}: “waiting on OT”" in text
    assert "->" not in text


def test_status_events_read_as_changes_with_dates():
    from bot.blocks import status_event_line
    UTC = timezone.utc

    assert status_event_line({"observed_at": "2026-10-02T12:00:00Z", "old_status": "Open",
                              "new_status": "Closed – Implemented"}, UTC) == "Open → Closed – Implemented on 2026-10-02"
    assert status_event_line({"observed_at": "2026-10-02T12:00:00Z", "old_status": "Open",
                              "new_status": "Open"}, UTC) == "Open: GAO's comment updated on 2026-10-02"


def test_status_event_lines_say_what_gao_snapshots_did_and_when():
    from bot.blocks import status_event_line
    UTC = timezone.utc

    at = "2026-11-28T12:00:00Z"  # the day of the import; GAO's own dates must win for snapshot events
    assert status_event_line({"observed_at": at, "old_status": "Open", "new_status": "Open", "kind": "unlisted",
                              "as_of": "2026-10-28"}, UTC) == ("no longer listed as open by GAO "
                                                          "(its complete export of 2026-10-28)")
    assert status_event_line({"observed_at": at, "old_status": None, "new_status": "Open", "kind": "older",
                              "as_of": "2024-03-01"}, UTC) == ("an older GAO snapshot of 2024-03-01 (Open), "
                                                          "kept as history only")
    assert status_event_line({"observed_at": at, "old_status": "Closed – Implemented", "new_status": "Open",
                              "kind": "reopened", "as_of": "2026-10-28"}, UTC) == \
        "Closed – Implemented → Open as of 2026-10-28: reopened"
    assert status_event_line({"observed_at": at, "old_status": "Open", "new_status": "Open", "kind": "relisted",
                              "as_of": "2026-11-15"}, UTC) == "listed as open by GAO again (its export of 2026-11-15)"
    assert status_event_line({"observed_at": "2026-10-02T09:00:00Z", "old_status": "Open",
                              "new_status": "Closed – Implemented"}, UTC) == "Open → Closed – Implemented on 2026-10-02"


def test_history_says_promise_words_in_words():
    """A correction in `history` reads like the other lines: what, by whom, the date read and why (never the
    audit log's action code)."""
    from bot.blocks import history_line
    from bot.messages import to_plain

    at, read = "2026-11-29T01:40:00Z", {"read_due": "2024-03-31", "read_phrase": "March 2024", "via": "cli"}
    ny = ZoneInfo("America/New_York")

    def line(kind: str, **detail) -> str:
        return to_plain(history_line({"at": at, "kind": kind, "actor": "cli:root", "detail": read | detail}, ny))

    assert line("promise-set", due="2027-06-30", reason="new plan") == (
        "• 2026-11-28 promised date corrected to 2027-06-30 by cli:root (gaorec had read “March 2024”, "
        "2024-03-31): “new plan”")
    assert line("promise-none", due=None, reason="misread") == (
        "• 2026-11-28 promised date corrected by cli:root: no date was promised (gaorec had read “March 2024”, "
        "2024-03-31): “misread”")
    assert line("promise-confirm", due="2024-03-31") == "• 2026-11-28 promised date 2024-03-31 confirmed by cli:root"
    assert line("promise-clear", due=None) == "• 2026-11-28 correction cleared by cli:root: back to GAO's comment"
    assert line("promise-ask", due="2024-03-31", phrase="March 2024") == (
        "• 2026-11-28 asked the owner whether “March 2024” (2024-03-31) is the promised date")
    assert line("justify", justification="superseded") == (
        "• 2026-11-28 justification recorded: “superseded” by cli:root")


def test_exports_written_in_the_working_directory_are_ignored_by_git():
    import subprocess

    from .conftest import ROOT

    names = ["gao-overdue-2026-11-28.xlsx", "gao-recommendations-2026-11-28.csv"]
    r = subprocess.run(["git", "check-ignore", *names], cwd=ROOT, capture_output=True, text=True)
    assert r.stdout.split() == names, r.stderr


def _imported_key(cli, *, promised: bool) -> str:
    """Import the DHS export; the first key whose comment gaorec read a promise in (or none)."""
    import os

    from storage.db import Database
    from storage.models import Recommendation

    assert cli("import", str(FIXTURES / "export-dhs.csv")).exit_code == 0
    db = Database(os.environ["DATABASE_URL"])
    due = Recommendation.current_due
    with db.session() as s:
        key = s.scalar(repo.select(Recommendation.key).where(due.is_not(None) if promised else due.is_(None))
                       .order_by(Recommendation.id))
    db.dispose()
    return key


def test_an_owners_date_with_no_sentence_read_quotes_nothing(cli):
    """A date set by its owner on a recommendation whose comment promised nothing: the card shows the date, and
    no empty quotation line."""
    key = _imported_key(cli, promised=False)
    assert cli("promise", key, "--set", "2027-01-31").exit_code == 0
    out = cli("show", key).output
    assert "2027-01-31" in out
    assert not [ln for ln in out.splitlines() if ln.strip() == ">"], out


def test_an_owners_no_date_was_promised_shows_who_when_and_why(cli):
    key = _imported_key(cli, promised=True)
    assert cli("promise", key, "--none", "--reason", "that was the pilot's date", "--by", "U0DANA").exit_code == 0
    out = " ".join(cli("show", key).output.split())
    assert "No date was promised, said @U0DANA on " in out and "“that was the pilot's date” (gaorec had read one)" \
        in out and "No promised date in GAO's comment" not in out


def test_a_corrected_date_quotes_no_sentence_it_was_not_read_from(cli):
    key = _imported_key(cli, promised=True)
    assert cli("promise", key, "--set", "2031-03-31").exit_code == 0
    lines = cli("show", key).output.splitlines()
    at = next(i for i, ln in enumerate(lines) if "2031-03-31" in ln)
    assert not any(ln.lstrip().startswith(">") for ln in lines[at:at + 5]), lines[at:at + 5]
