"""Stored comments are read again by a new edition of the promise reader (storage/imports/reread.py): the next
import after an upgrade does it once, `gaorec db reread` on demand; a moved due date is an audit row, not a slip;
an owner's correction still holds; --dry-run writes nothing."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from bot.gao import promises as gp
from bot.gao.parse import parse
from storage import repo
from storage.imports.reread import FACT, reader_of
from storage.models import AuditEvent, Promise, Recommendation, Slip, StatusEvent, StoreFact

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
FIXTURE = Path(__file__).parent / "fixtures" / "export-dhs.csv"


def load(app, now=NOW):
    return repo.import_results(app.db, [parse(FIXTURE.read_text(), FIXTURE.name)], now=now)


def as_an_older_reader_left_it(app) -> tuple[str, date]:
    """The stored comments as an earlier edition read them: no edition recorded, and one record's promise (and so
    its due date) a month off. Returns that record's key and the right due date."""
    with app.db.write() as s:
        rid, key, due = s.execute(select(Recommendation.id, Recommendation.key, Recommendation.current_due)
                                  .where(Recommendation.current_due.is_not(None)).order_by(Recommendation.id)).first()
        wrong = due.replace(day=1)
        s.execute(update(Promise).where(Promise.recommendation_id == rid, Promise.current.is_(True)).values(due=wrong))
        s.execute(update(Recommendation).where(Recommendation.id == rid).values(current_due=wrong))
        s.execute(delete(StoreFact))
    return key, due


def counts(app) -> tuple[int, int, int]:
    with app.db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Slip, StatusEvent, AuditEvent))


def due_of(app, key):
    with app.db.session() as s:
        return s.scalar(select(Recommendation.current_due).where(Recommendation.key == key))


def test_a_first_import_records_the_edition_without_reading_twice(app):
    summary = load(app)
    assert summary.new > 0 and summary.reread is None
    with app.db.session() as s:
        assert reader_of(s.connection()) == gp.READER


def test_the_next_import_after_an_upgrade_reads_unchanged_comments_again(app):
    load(app)
    key, right = as_an_older_reader_left_it(app)
    slips, events, audits = counts(app)
    summary = load(app, now=NOW.replace(hour=13))  # the same export again: no comment changed
    assert summary.changed == 0
    r = summary.reread
    assert r is not None and r.edition == gp.READER and r.edition_before is None
    assert r.read == summary.unchanged and [(m.key, m.new_due) for m in r.moved] == [(key, right)]
    assert due_of(app, key) == right
    assert counts(app) == (slips, events, audits + 2)  # no slip, no status event: one row for the move, one summary
    with app.db.session() as s:
        rows = s.execute(select(AuditEvent.action, AuditEvent.recommendation_id, AuditEvent.detail)
                         .order_by(AuditEvent.id.desc()).limit(2)).all()
        assert reader_of(s.connection()) == gp.READER
    assert [a for a, _r, _d in rows] == ["reread", "reread"]
    moved = json.loads(rows[1].detail)
    assert moved == {"old_due": right.replace(day=1).isoformat(), "new_due": right.isoformat(), "reader": gp.READER}
    assert json.loads(rows[0].detail)["moved"] == 1 and rows[0].recommendation_id is None
    assert load(app, now=NOW.replace(hour=14)).reread is None  # once: the edition is now recorded


def test_db_reread_dry_run_writes_nothing_then_the_run_does(app, cli):
    load(app)
    key, right = as_an_older_reader_left_it(app)
    before = counts(app)
    out = cli("db", "reread", "--dry-run")
    assert out.exit_code == 0, out.output
    assert out.stdout == f"key\twas\tnow\n{key}\t{right.replace(day=1)}\t{right}\n"  # a pipe: the moves alone
    assert "1 due date would move" in out.stderr and "Nothing was written" in out.stderr
    assert "the stored comments had been read by an earlier gaorec" in out.stderr
    assert counts(app) == before and due_of(app, key) == right.replace(day=1)
    with app.db.session() as s:
        assert reader_of(s.connection()) is None
    data = json.loads(cli("db", "reread", "--json").output)
    assert data["moved"] == [{"key": key, "old_due": right.replace(day=1).isoformat(), "new_due": right.isoformat()}]
    assert data["reader"] == gp.READER and data["reader_before"] is None and not data["dry_run"]
    assert due_of(app, key) == right
    again = cli("db", "reread")
    assert "0 changed, 0 due dates moved" in again.stderr and "read by this same edition" in again.stderr
    assert again.stdout == ""


def test_an_owners_correction_still_holds(app, cli):
    load(app)
    key, right = as_an_older_reader_left_it(app)
    assert cli("promise", key, "--set", "2031-03-31", "--reason", "new plan").exit_code == 0
    assert due_of(app, key) == date(2031, 3, 31)
    result = repo.reread_promises(app.db, now=NOW)
    assert result.moved == [] and result.held == [key] and due_of(app, key) == date(2031, 3, 31)
    with app.db.session() as s:  # the reading itself is now the right one
        assert s.scalar(select(Promise.due).join(Recommendation).where(Recommendation.key == key,
                                                                        Promise.current.is_(True))) == right


def test_history_tells_the_move_in_words(app):
    from bot.blocks import reply_message
    from bot.messages import render_text
    from bot.reply import Caller

    load(app)
    key, right = as_an_older_reader_left_it(app)
    repo.reread_promises(app.db, now=NOW)
    reply = app.handle(f"history {key}", Caller(user_id="U0DANA", name="dana", channel_id="C0001"), now=NOW)
    words = render_text(reply_message(reply))
    assert f"read GAO's unchanged comment again: the promised date is {right}, was {right.replace(day=1)} " \
           "(not a slip)" in " ".join(words.split())


def test_an_empty_database_says_so(cli):
    out = cli("db", "reread")
    assert out.exit_code == 0 and "No stored comment to read" in out.stderr


@pytest.mark.parametrize("fact", [None, "2026-01-01"])
def test_an_import_rereads_only_when_the_edition_differs(app, fact):
    load(app)
    with app.db.write() as s:
        s.execute(delete(StoreFact))
        if fact:
            s.execute(StoreFact.__table__.insert().values(name=FACT, value=fact, updated_at=NOW))
    assert load(app, now=NOW.replace(hour=13)).reread.edition_before == fact


def test_the_import_says_it_read_again(app, cli):
    load(app)
    as_an_older_reader_left_it(app)
    out = cli("import", str(FIXTURE))
    assert out.exit_code == 0, out.output
    assert f"New promise reader (edition {gp.READER}): the stored comments this import did not change were read " \
           "again." in out.output
    assert " read, 1 due date moved (each in gaorec audit)." in out.output
    again = cli("import", str(FIXTURE))
    assert "New promise reader" not in again.output


def test_reminder_threads_on_the_old_date_are_told_once_and_stop(app):
    from bot.adapters.shell import ShellPoster
    from bot.reply import Caller
    from bot.service import Gaorec
    from config.settings import Settings
    from storage.models import Reminder

    app = Gaorec(Settings(database_url=app.db.url, post_interval=0.0, _env_file=None), app.db)  # no pacing
    load(app)
    key, right = as_an_older_reader_left_it(app)
    wrong = right.replace(day=1)
    said: list[str] = []
    poster = ShellPoster(said.append)
    app.handle("subscribe", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    app.reminders.run_pass(NOW, poster=poster)
    assert any(key in t for t in said)
    said.clear()
    later = NOW.replace(hour=13)
    result = app.reread_promises(now=later)
    assert [(m.key, m.new_due) for m in result.moved] == [(key, right)]
    app.reminders.deliver(poster, later)
    told = [t for t in said if "a newer promise reader" in t]
    note = (f"gaorec now reads GAO's unchanged comment as promising {right}, not {wrong} (a newer promise reader); "
            f"reminders for {wrong} stopped.")
    assert any("in the thread of" in t and note in " ".join(t.split()) for t in told), said
    parent = [" ".join(t.split()) for t in told if "updated]" in t]  # the parent: no "overdue" heading, no buttons
    assert parent and f"gaorec now reads another promised date: {right} (it had read {wrong}). Reminders for " \
        f"{wrong} stopped." in parent[0] and "A promised date passed" not in parent[0] and "[Acknowledge]" not in \
        parent[0]
    assert result.threads_told == 1
    with app.db.session() as s:
        states = dict(s.execute(select(Reminder.due, Reminder.state).join(Recommendation)
                                .where(Recommendation.key == key)).all())
    assert states == {wrong: "closed"}
    said.clear()
    app.reminders.run_pass(later.replace(hour=14), poster=poster)  # the new date has passed too: reminded on it
    assert any(key in t and str(right) in t for t in said)
    said.clear()
    app.reread_promises(now=later.replace(hour=15))
    app.reminders.deliver(poster, later.replace(hour=15))
    assert not [t for t in said if "a newer promise reader" in t]  # once


def test_a_date_its_owner_confirmed_is_kept(app, cli):
    load(app)
    key, right = as_an_older_reader_left_it(app)
    assert cli("promise", key, "--confirm").exit_code == 0  # the owner says the date read (the older one) is right
    before = counts(app)
    result = repo.reread_promises(app.db, now=NOW)
    assert result.kept == [key] and result.moved == [] and due_of(app, key) == right.replace(day=1)
    assert counts(app)[2] == before[2] + 1  # only the pass's own row
    out = cli("db", "reread", "--dry-run")
    assert f"Kept as their owners confirmed them: {key}." in out.stderr
    with app.db.write() as s:  # a status date set by an older rule is still brought to the rule
        s.execute(update(Recommendation).where(Recommendation.key == key).values(status_date=date(2030, 1, 1)))
    repo.reread_promises(app.db, now=NOW)
    with app.db.session() as s:
        kept = s.execute(select(Recommendation.current_due, Recommendation.status_date)
                         .where(Recommendation.key == key)).one()
    assert kept.current_due == right.replace(day=1) and kept.status_date != date(2030, 1, 1)


@pytest.mark.sqlite_only("SQLite's write lock: a dry run must not take it")
def test_a_dry_run_leaves_the_database_open_to_writers(app):
    import sqlite3

    load(app)
    as_an_older_reader_left_it(app)
    path = app.db.sqlite_path
    wrote = []

    def meanwhile(_done, _total):
        conn = sqlite3.connect(path, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            wrote.append(True)
        finally:
            conn.close()

    repo.reread_promises(app.db, now=NOW, dry_run=True, progress=meanwhile)
    assert wrote == [True]


def test_a_dry_run_names_what_it_would_change_without_moving_a_date(app, cli):
    load(app)
    with app.db.write() as s:
        rid, key = s.execute(select(Recommendation.id, Recommendation.key).join(Promise)
                             .order_by(Recommendation.id)).first()
        s.execute(update(Promise).where(Promise.recommendation_id == rid).values(why="an older reader's words"))
    out = cli("db", "reread", "--dry-run")
    assert f"Read differently, the due date unchanged: {key} (gaorec show KEY)." in out.stderr
    assert "0 due dates would move" in out.stderr
