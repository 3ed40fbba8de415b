"""Owners confirm or correct the promised date: the correction becomes the
current promise (source "corrected"), drives overdue, reminders and exports,
is in the audit log, and lapses when GAO changes the comment. On our own
fixtures (both databases), one of them GAO's CBP page retold (bot/samples/cbp-agency-page.txt)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.gao import effective as ge
from bot.gao.promises import Promise
from bot.reminders.answers import Admins
from bot.reply import Caller
from bot.service import Gaorec
from bot.services import promises as sp
from storage import repo
from storage.models import Outbox, PromiseCorrection
from storage.models import Promise as PromiseRow

from .conftest import CBP_PAGE, FIXTURES
from bot.services.records import record_json, stats
from bot.services.exports import audit, export as export_file

AS_OF = date(2026, 12, 1)
PAGE = FIXTURES / "corrections-agency-page.txt"
TRACKER = ("In April 2024, bureau officials said a review tracker was being built, and the bureau expected to put "
           "it into use by December 2024.")
TRACKER_LATER = ("In October 2026, bureau officials said the tracker had been rebuilt, and the bureau expected to "
                 "put it into use by March 2027.")
TRACKER_SPRING = ("In April 2026, bureau officials said the tracker had been rebuilt, and the bureau expected to "
                  "put it into use by September 2026.")


def key_of(app, title_word: str, number: int) -> str:
    return [v.key for v in app.search(title_word)[0] if v.rec_number == number][0]


def overdue_keys(app) -> set[str]:
    return {v.key for v in app.overdue(AS_OF)}


def gaorec(db_url: str, *args: str) -> subprocess.CompletedProcess:
    """The real command line, in this process (click's runner): exit code, stdout, stderr."""
    from click.testing import CliRunner

    from bot.cli import main

    r = CliRunner(env={"DATABASE_URL": db_url, "GAOREC_CONFIG": None}).invoke(main, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, r.stderr)


# -- pure: the effective promise --------------------------------------------------------------------------

READ = [Promise(due=date(2024, 3, 31), phrase="March 2024", sentence="It will be done by March 2024.",
                kind="month", confidence=0.95, current=True)]


def decision(action, due=None, comment="c"):
    return ge.Decision(action=action, due=due, reason="r", actor="U1", at=datetime(2026, 12, 1),
                       fingerprint=ge.fingerprint(comment))


def test_effective_promise_and_its_source():
    (p,) = ge.effective(READ, None, "c")
    assert p.source == "gao" and p.to_json()["source"] == "gao" and p.current
    cur = ge.current(ge.effective(READ, decision("set", date(2027, 6, 30)), "c"))
    assert (cur.due, cur.source, cur.kind, cur.sentence) == (date(2027, 6, 30), "corrected", "corrected",
                                                               READ[0].sentence)
    assert ge.current(ge.effective(READ, decision("none"), "c")) is None
    assert ge.current(ge.effective(READ, decision("confirm", date(2024, 3, 31)), "c")).source == "confirmed"
    assert ge.current(ge.effective(READ, decision("confirm", date(2025, 1, 31)), "c")).source == "gao"  # another date
    assert ge.current(ge.effective(READ, decision("clear"), "c")).source == "gao"
    # GAO changed the comment: the owner's word lapses, spacing aside
    assert ge.current(ge.effective(READ, decision("set", date(2027, 6, 30)), "c  changed"), ).source == "gao"
    assert ge.holds(decision("none", comment="a  b\n c"), "a b c")
    assert ge.lapsed(decision("none"), "other") and not ge.lapsed(decision("clear"), "other")


def test_low_confidence_and_lapsed_promises_are_asked_about():
    low = [Promise(due=date(2024, 3, 31), phrase="2024", sentence="s", kind="calendar year",
                   confidence=ge.LOW_CONFIDENCE - 0.01, current=True)]
    assert ge.needs_asking(ge.current(ge.effective(low, None, "c")), None, "c")
    assert not ge.needs_asking(ge.current(ge.effective(READ, None, "c")), None, "c")
    assert ge.needs_asking(ge.current(ge.effective(READ, decision("none"), "new")), decision("none"), "new")
    confirmed = decision("confirm", date(2024, 3, 31))
    assert not ge.needs_asking(ge.current(ge.effective(low, confirmed, "c")), confirmed, "c")


def test_command_grammar():
    assert sp.parse_command("ab2cd 2027-06-30 the plan moved") == ("ab2cd", "set", date(2027, 6, 30), "the plan moved")
    assert sp.parse_command("ab2cd none") == ("ab2cd", "none", None, None)
    assert sp.parse_command("ab2cd NONE a statement date") == ("ab2cd", "none", None, "a statement date")
    assert "not a date" in sp.parse_command("ab2cd 2027-13-01")
    assert sp.parse_command("ab2cd").startswith("Usage")


# -- storage: both databases -------------------------------------------------------------------------------

def test_correct_none_audit_and_lapse_on_our_fixture(app, tmp_path):
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    tracker, training, lab = key_of(app, "Port", 1), key_of(app, "Port", 2), key_of(app, "Lab", 1)
    assert overdue_keys(app) == {tracker, training, lab}

    out = sp.apply(app, tracker, "set", actor="cli:test", via="cli", due=date(2027, 6, 30),
                   reason="the bureau moved the date in its 2026 letter", check=False)
    assert out.ok and out.data["promise"]["source"] == "corrected" and out.data["promise"]["due"] == "2027-06-30"
    v = app.show(tracker)
    assert v.current_due == date(2027, 6, 30) and v.current_promise.source == "corrected"
    assert overdue_keys(app) == {training, lab}
    assert stats(app.db, AS_OF)["overdue"] == 2  # counted in SQL from the stored column
    rec = record_json(v, AS_OF)
    assert rec["correction"]["reason"] == "the bureau moved the date in its 2026 letter"
    assert [p["source"] for p in rec["promises"]] == ["gao", "corrected"]
    assert [p["current"] for p in rec["promises"]] == [False, True]

    assert sp.apply(app, training, "none", actor="cli:test", via="cli", reason="a plan, not a promise",
                    check=False).ok
    assert overdue_keys(app) == {lab}
    assert app.show(training).current_promise is None and app.show(training).current_due is None

    events = [e for e in audit(app.db) if e["action"].startswith("promise-")]
    assert [(e["key"], e["action"], e["actor"]) for e in events] == [
        (tracker, "promise-set", "cli:test"), (training, "promise-none", "cli:test")]
    assert events[0]["detail"]["due"] == "2027-06-30" and events[0]["detail"]["read_due"] == "2024-12-31"

    # exports follow the effective promise
    name, content, n = export_file(app, "csv", as_of=AS_OF)
    rows = {r["Key"]: r for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}
    assert rows[tracker]["Due date"] == "2027-06-30" and rows[training]["Due date"] == ""
    assert (rows[tracker]["Promise source"], rows[training]["Promise source"], rows[lab]["Promise source"]) == (
        "corrected", "no date (corrected)", "gao")
    name, content, n = export_file(app, "csv", overdue_only=True, as_of=AS_OF)
    assert n == 1

    # a status change alone (same comment) keeps the correction
    text = PAGE.read_text()
    i = text.index("(Recommendation 1)\nOpen\n") + len("(Recommendation 1)\n")
    status_only = tmp_path / "status.txt"
    status_only.write_text(text[:i] + "Open – Partially Addressed\n" + text[i + len("Open\n"):])
    app.import_sources([str(status_only)], now=datetime(2026, 11, 29, 12, tzinfo=timezone.utc))
    v = app.show(tracker)
    assert v.status == "Open – Partially Addressed" and v.current_due == date(2027, 6, 30)
    assert v.current_promise.source == "corrected" and v.slips == []

    # GAO changes the comment: the correction lapses, the newly read promise is current (and overdue) again
    changed = tmp_path / "changed.txt"
    changed.write_text(status_only.read_text().replace(TRACKER, TRACKER_LATER))
    s = app.import_sources([str(changed)], now=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    assert s.changed == 1
    v = app.show(tracker)
    assert v.current_promise.source == "gao" and v.current_due == date(2027, 3, 31)
    assert ge.lapsed(v.decision, v.comments) and record_json(v, AS_OF)["correction"] is None
    assert overdue_keys(app) == {lab}
    assert v.slips[-1]["old_due"] == "2027-06-30" and v.slips[-1]["new_due"] == "2027-03-31"
    # training's "none" holds: its comment did not change
    assert app.show(training).current_promise is None


def test_the_same_correction_twice_is_recorded_once(app):
    """Saying the same thing again (same action, date and reason) answers "already recorded" and writes no second
    correction or audit row; a different date is a new word."""
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    tracker = key_of(app, "Port", 1)
    first = sp.apply(app, tracker, "set", actor="U0OWNER", via="cli", due=date(2027, 6, 30), reason="new plan",
                     check=False)
    again = sp.apply(app, tracker, "set", actor="U0OWNER", via="cli", due=date(2027, 6, 30), reason="new plan",
                     check=False)
    assert first.ok and again.ok and "already recorded" in again.text and again.data["already"]
    assert again.data["promise"]["due"] == "2027-06-30" and again.data["promise"]["source"] == "corrected"
    later = sp.apply(app, tracker, "set", actor="U0OWNER", via="cli", due=date(2027, 9, 30), reason="new plan",
                     check=False)
    assert later.ok and "already" not in later.text
    events = [e["detail"]["due"] for e in audit(app.db) if e["action"] == "promise-set"]
    assert sorted(events) == ["2027-06-30", "2027-09-30"]


def test_confirm_clear_and_the_labelled_examples(app):
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    tracker, lab = key_of(app, "Port", 1), key_of(app, "Lab", 1)
    assert sp.apply(app, tracker, "confirm", actor="cli:t", via="cli", check=False).ok
    v = app.show(tracker)
    assert v.current_promise.source == "confirmed" and v.current_due == date(2024, 12, 31)
    assert tracker in overdue_keys(app)
    assert sp.apply(app, lab, "set", actor="cli:t", via="cli", due=date(2027, 8, 31), reason="new plan",
                    check=False).ok
    assert lab not in overdue_keys(app)
    out = sp.apply(app, lab, "clear", actor="cli:t", via="cli", check=False)
    assert out.ok and out.data["promise"]["source"] == "gao"
    assert app.show(lab).current_due == date(2025, 8, 31) and lab in overdue_keys(app)
    assert not sp.apply(app, lab, "clear", actor="cli:t", via="cli", check=False).ok  # nothing left to clear
    untouched = key_of(app, "Lab", 2)
    assert "no date to confirm" in sp.apply(app, untouched, "confirm", actor="cli:t", via="cli", check=False).text
    assert "no recommendation" in sp.apply(app, "zzzzz", "none", actor="cli:t", via="cli", check=False).text
    with app.db.session() as s:
        examples = __import__("storage.queries.corrections", fromlist=["x"]).examples(s)
    # the lab correction was taken back: only the confirmation is a labelled example
    assert [(e["key"], e["label"], e["read_due"], e["due"]) for e in examples] == [
        (tracker, "confirmed", "2024-12-31", "2024-12-31")]
    assert TRACKER in examples[0]["comment"] and examples[0]["sentence"] == TRACKER
    with app.db.session() as s:
        assert len(list(s.scalars(select(PromiseCorrection)))) == 3  # every word kept


def test_audit_log_refuses_changes_to_corrections_entries(app):
    app.import_sources([str(PAGE)])
    tracker = key_of(app, "Port", 1)
    sp.apply(app, tracker, "none", actor="cli:t", via="cli", check=False)
    from sqlalchemy.exc import DBAPIError

    from storage.models import AuditEvent

    with pytest.raises(DBAPIError):
        with app.db.write() as s:
            s.execute(update(AuditEvent).where(AuditEvent.action == "promise-none").values(actor="someone"))


def test_only_the_owner_or_an_admin_may_answer(app):
    app.import_sources([str(PAGE)])
    tracker = key_of(app, "Port", 1)
    admin = Caller(user_id="U_LOCAL", is_admin=True, channel_id="C1")
    app = Gaorec(app.settings, app.db, people=Admins(frozenset({"U_LOCAL"})))  # as the shell's people say
    app.handle(f"assign {tracker} @U0OWNER", admin)
    stranger = app.handle(f"promise {tracker} 2027-06-30 not mine", Caller(user_id="U0STRANGER", channel_id="C1"))
    assert "Only <@U0OWNER> or an admin" in stranger.mrkdwn and app.show(tracker).current_due == date(2024, 12, 31)
    owner = app.handle(f"promise {tracker} 2027-06-30 the new plan", Caller(user_id="U0OWNER", channel_id="C1"))
    assert "Date corrected by <@U0OWNER>: now due 2027-06-30" in owner.mrkdwn
    assert app.show(tracker).current_due == date(2027, 6, 30)
    by_admin = app.handle(f"promise {tracker} none <b>not</b> a promise", admin)
    assert "&lt;b&gt;" in by_admin.mrkdwn and app.show(tracker).current_due is None
    bad = app.handle(f"promise {tracker} someday", admin)
    assert bad.kind == "error" and "not a date" in bad.text


def test_a_low_confidence_date_is_asked_once_before_any_reminder(app):
    """The ask goes to the subscribed channel once (outbox key); the reminder waits for the answer, at most
    followup_days; a confirmation lets it through at once."""
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    tracker, lab = key_of(app, "Port", 1), key_of(app, "Lab", 1)
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", "U_ADMIN", repo.utcnow())
        repo.subscribe(s, "C2", "Lab", "U_ADMIN", repo.utcnow())
        lab_id = repo.get(s, lab).id
        s.execute(update(PromiseRow).where(PromiseRow.recommendation_id == lab_id).values(confidence=0.6))
    t0 = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    first = app.reminders.run_pass(t0)
    kinds = sorted((p["kind"], p["key"]) for p in first.planned)
    assert ("ask", lab) in kinds and ("reminder", lab) not in kinds and ("reminder", tracker) in kinds
    assert kinds.count(("ask", lab)) == 1  # put to the owner once, though two channels would be reminded
    ask = [p for p in first.planned if p["kind"] == "ask"][0]
    assert "summer 2025" in ask["text"] and "That's right" in ask["text"]
    with app.db.session() as s:
        row = s.scalar(select(Outbox).where(Outbox.kind == "ask"))
        blob = row.payload
    assert "gaorec_promise_confirm" in blob and "gaorec_promise_correct" in blob and "summer 2025" in blob
    again = app.reminders.run_pass(t0 + timedelta(days=1))
    assert [p for p in again.planned if p["key"] == lab] == []  # asked once; the reminder waits
    later = app.reminders.run_pass(t0 + timedelta(days=app.settings.followup_days, hours=1))
    assert sorted((p["kind"], p["channel"]) for p in later.planned if p["key"] == lab) == [
        ("reminder", "C1"), ("reminder", "C2")]  # no answer: remind on it


def test_a_confirmation_lets_the_reminder_through(app):
    app.import_sources([str(PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    lab = key_of(app, "Lab", 1)
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", "U_ADMIN", repo.utcnow())
        s.execute(update(PromiseRow).where(PromiseRow.recommendation_id == repo.get(s, lab).id)
                  .values(confidence=0.6))
    t0 = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert [p["kind"] for p in app.reminders.run_pass(t0).planned if p["key"] == lab] == ["ask"]
    assert sp.apply(app, lab, "confirm", actor="U_ADMIN", via="button", check=False).ok
    assert [p["kind"] for p in app.reminders.run_pass(t0 + timedelta(hours=1)).planned
            if p["key"] == lab] == ["reminder"]


def test_after_a_lapse_the_owner_is_asked_once_more(app, tmp_path):
    app.import_sources([str(PAGE)], now=datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
    tracker = key_of(app, "Port", 1)
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", "U_ADMIN", repo.utcnow())
    sp.apply(app, tracker, "set", actor="cli:t", via="cli", due=date(2027, 6, 30), check=False)
    t0 = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert [p for p in app.reminders.run_pass(t0).planned if p["key"] == tracker] == []
    changed = tmp_path / "changed.txt"
    changed.write_text(PAGE.read_text().replace(TRACKER, TRACKER_SPRING))
    # read again: due 2026-09-30, passed
    app.import_sources([str(changed)], now=datetime(2026, 6, 1, 12, tzinfo=timezone.utc))
    assert app.show(tracker).current_promise.source == "gao" and tracker in overdue_keys(app)
    planned = app.reminders.run_pass(t0 + timedelta(days=1, hours=1)).planned
    assert [p["kind"] for p in planned if p["key"] == tracker] == ["ask"]
    assert "September 2026" in [p["text"] for p in planned if p["key"] == tracker][0]
    again = app.reminders.run_pass(t0 + timedelta(days=2, hours=1)).planned
    assert [p for p in again if p["key"] == tracker] == []  # once


def test_cli_promise_and_corrections_export(db_url):
    imp = gaorec(db_url, "import", str(PAGE))
    assert imp.returncode == 0, imp.stderr
    search = json.loads(gaorec(db_url, "search", "Port", "--json").stdout)
    tracker = [r["key"] for r in search["results"] if r["rec_number"] == 1][0]
    out = gaorec(db_url, "promise", tracker, "--set", "2027-06-30", "--reason", "moved", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["promise"]["source"] == "corrected" and data["correction"]["reason"] == "moved"
    od = json.loads(gaorec(db_url, "overdue", "--as-of", "2026-12-01", "--json").stdout)
    assert od["total"] == 2 and tracker not in [r["key"] for r in od["results"]]
    ex = json.loads(gaorec(db_url, "promises", "--corrections", "--json").stdout)["examples"]
    assert [(e["key"], e["label"], e["read_due"], e["due"], e["reason"]) for e in ex] == [
        (tracker, "corrected", "2024-12-31", "2027-06-30", "moved")]
    assert "review tracker" in ex[0]["comment"] and "December 2024" in ex[0]["sentence"]
    for args, message in ((("--none", "--confirm"), "exactly one of"), (("--set", "2027-02-30"), "not a date"),
                          ((), "exactly one of")):
        bad = gaorec(db_url, "promise", tracker, *args)
        assert bad.returncode != 0 and message in bad.stderr and "Traceback" not in bad.stderr
    missing = gaorec(db_url, "promise", "zzzzz", "--none")
    assert missing.returncode == 1 and missing.stderr.strip() == (
        "Error: no recommendation has the key 'zzzzz'; find it with `gaorec search WORDS`")  # as show says it
    assert gaorec(db_url, "promise", "--help").returncode == 0


# -- the CBP page (bot/samples/cbp-agency-page.txt, GAO's page retold) ---------------------------------------

def test_cbp_acceptance(app, tmp_path):
    from .test_overdue import rec4_comment

    app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    assert len(app.overdue(AS_OF)) == 7
    p75nw = app.show("p75nw")
    assert p75nw is not None and p75nw.rec_number == 3 and p75nw.current_promise.phrase == "March 2024"
    out = gaorec(app.db.url, "promise", "p75nw", "--set", "2027-06-30", "--reason",
                 "CBP's 2026 letter sets a new date", "--json")
    assert out.returncode == 0, out.stderr
    cur = app.show("p75nw").current_promise
    assert (cur.source, cur.due) == ("corrected", date(2027, 6, 30))
    assert len(app.overdue(AS_OF)) == 6
    second = sorted(app.overdue(AS_OF), key=lambda v: v.key)[0].key
    assert gaorec(app.db.url, "promise", second, "--none", "--reason", "a hiring target").returncode == 0
    assert len(app.overdue(AS_OF)) == 5
    audit = gaorec(app.db.url, "audit").stdout
    assert "promise-set" in audit and "p75nw" in audit and "promise-none" in audit and second in audit
    # GAO changes the comment of p75nw: the newly read promise is current again
    text = CBP_PAGE.read_text()
    old = "CBP estimated that review of the draft guidance would be complete by March 2024."
    assert text.count(old) == 1
    changed = tmp_path / "cbp-later.txt"
    changed.write_text(rec4_comment(text).replace(old, "In October 2026, CBP estimated that review of the draft "
                                                       "guidance would be complete by December 2027."))
    app.import_sources([str(changed)], now=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    cur = app.show("p75nw").current_promise
    assert (cur.source, cur.due) == ("gao", date(2027, 12, 31))
    assert record_json(app.show("p75nw"), AS_OF)["correction"] is None
    assert app.show(second).current_promise is None  # its comment did not change: "none" holds
