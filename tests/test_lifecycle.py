"""The record tells the truth over time (issue 11, items 1-3): one record per entry within an import,
snapshots applied in GAO's order (older ones kept as history), complete imports and what GAO stopped
listing, the outcome an owner gives it. Core tests on our own fixtures (tests/fixtures/export-dhs.csv,
agency-page-unnumbered.txt); the real files with needs_shared."""
from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, update

from bot.commands.records import history_reply
from bot.cli import main
from bot.gao.records import ParseError
from bot.reply import Caller
from storage import repo
from storage.models import AuditEvent, Recommendation, Report, StatusEvent

from .conftest import CBP_PAGE, CSV_EXCERPT, FIXTURES, needs_shared
from bot.blocks.home import home_view
from bot.services.home import home as home_data
from bot.services.records import count_unlisted_passed, record_json, stats
from bot.services.exports import export as export_file

EXPORT = FIXTURES / "export-dhs.csv"
PAGE = FIXTURES / "agency-page-unnumbered.txt"
DEC1 = date(2026, 12, 1)
GONE = "should write down how grant closeout staff are assigned"  # GAO-24-900202 Recommendation 2 (DHS)
ALSO_GONE = "should report scanner downtime to the ports each quarter"  # GAO-25-900201 Recommendation 2 (DHS)


def stamped(text: str, when: str) -> str:
    """A copy of an export whose "status as of" line says ``when`` ("Oct 28, 2026")."""
    out = text.replace("status as of Sep 28, 2026", f"status as of {when}")
    assert out != text
    return out


def without(text: str, *phrases: str) -> str:
    lines = text.split("\n")
    out = [ln for ln in lines if not any(p in ln for p in phrases)]
    assert len(out) == len(lines) - len(phrases)
    return "\n".join(out)


def write(tmp_path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def count(app) -> int:
    with app.db.session() as s:
        return s.scalar(select(func.count()).select_from(Recommendation))


def key_with(app, phrase: str) -> str:
    with app.db.session() as s:
        return s.scalar(select(Recommendation.key).where(Recommendation.text.contains(phrase)))


def state(app) -> list[tuple]:
    """Everything an import may change, to compare before and after a refusal."""
    with app.db.session() as s:
        recs = s.execute(select(Recommendation.key, Recommendation.status, Recommendation.comments,
                                Recommendation.listed, Recommendation.last_listed, Recommendation.as_of,
                                Recommendation.outcome).order_by(Recommendation.key)).all()
        events = s.scalar(select(func.count()).select_from(StatusEvent))
    return [tuple(r) for r in recs] + [("events", events)]


# -- 1. one record per entry within one import --------------------------------------------------------

def test_same_page_twice_in_one_import_stores_each_entry_once(app, tmp_path):
    copy = write(tmp_path, "page (1).txt", PAGE.read_text())
    s = app.import_sources([str(PAGE), copy])
    assert (s.new, count(app)) == (3, 3)
    # a page that lists its unnumbered entry twice, with a third copy of the page beside it
    text = PAGE.read_text()
    entry = ("Office of Sample Affairs The Director of the Office of Sample Affairs should train staff who handle "
             "records on the electronic system.\nOpen\nAs of May 2024, officials stated that training would be "
             "complete by the end of fiscal year 2024.\n")
    assert entry in text
    doubled = write(tmp_path, "page (2).txt", text.replace(entry, entry + entry))
    s = app.import_sources([doubled, str(PAGE), copy])
    assert (s.new, s.changed, count(app)) == (0, 0, 3)


def test_cbp_page_twice_stores_ten(app, tmp_path):
    copy = write(tmp_path, "cbp (1).txt", CBP_PAGE.read_text())
    s = app.import_sources([str(CBP_PAGE), copy])
    assert (s.new, count(app)) == (10, 10)


# -- 2. snapshot time --------------------------------------------------------------------------------

def test_an_older_snapshot_never_overwrites_and_is_kept_as_history(app, tmp_path):
    text = EXPORT.read_text()
    first = app.import_sources([str(EXPORT)])
    assert first.sources[0].as_of == date(2026, 9, 28) and first.older == 0
    key = key_with(app, GONE)
    newer_comment = app.show(key).comments
    old = stamped(text, "Mar 1, 2024").replace(
        "In December 2024, FEMA stated that it would document staffing procedures by March 2025.",
        "In February 2024, FEMA stated that it would document staffing procedures by December 2024.")
    path = write(tmp_path, "export-2024.csv", old)
    s = app.import_sources([path])
    assert (s.new, s.changed, s.older) == (0, 0, 6)
    v = app.show(key)
    assert v.comments == newer_comment and v.as_of == date(2026, 9, 28)
    assert v.current_promise.due == date(2025, 3, 31)  # the promise of the newer text still rules
    older = [e for e in v.status_events if e["kind"] == "older"]
    assert len(older) == 1 and older[0]["as_of"] == "2024-03-01"
    assert "by December 2024" in older[0]["new_comments"]
    # in their true order: the 2024 text before the Sep 2026 state, although imported after it
    assert v.status_events[0]["kind"] == "older"
    history = history_reply(app, key, DEC1).data["events"]
    assert history[0]["at"] == "2024-03-01" and history[0]["detail"]["event"] == "older"
    # importing the old file again adds nothing
    again = app.import_sources([path])
    assert again.older == 6 and again.status_events == 0


def test_sources_of_one_import_apply_oldest_first(app, tmp_path):
    text = EXPORT.read_text()
    newer = write(tmp_path, "oct.csv", stamped(text, "Oct 28, 2026").replace(
        "by March 2025.", "by March 2027."))
    s = app.import_sources([newer, str(EXPORT)])  # the newer one first on the command line
    assert s.new == 6
    assert "by March 2027" in app.show(key_with(app, GONE)).comments


def test_as_of_dates_a_saved_page(app, tmp_path):
    s = app.import_sources([str(PAGE)], as_of=date(2024, 6, 1))
    assert s.sources[0].as_of == date(2024, 6, 1)
    key = key_with(app, "retiring its paper files")
    assert app.show(key).as_of == date(2024, 6, 1)
    older = write(tmp_path, "older.txt", PAGE.read_text().replace("by December 2024", "by October 2024"))
    s = app.import_sources([older], as_of=date(2024, 5, 1))
    assert (s.older, s.changed) == (3, 0) and "by December 2024" in app.show(key).comments
    # a page without a date is what GAO shows now: it applies
    s = app.import_sources([older])
    assert s.changed == 1 and "by October 2024" in app.show(key).comments


def test_a_newer_snapshot_saying_open_after_closed_is_a_reopening(app, tmp_path):
    from bot.blocks import card_blocks
    from bot.blocks.text import to_text

    text = EXPORT.read_text()
    closed_row = text.replace('"The Secretary of Energy should track obligations for storm hardening projects by '
                              'state. (Recommendation 1)",Open,',
                              '"The Secretary of Energy should track obligations for storm hardening projects by '
                              'state. (Recommendation 1)",Closed--Implemented,')
    assert closed_row != text
    app.import_sources([write(tmp_path, "sep.csv", closed_row)])
    key = key_with(app, "storm hardening projects")
    assert app.show(key).status == "Closed – Implemented"
    # an older snapshot saying Open reopens nothing
    s = app.import_sources([write(tmp_path, "aug.csv", stamped(text, "Aug 28, 2026"))])
    assert s.older == 6 and app.show(key).status == "Closed – Implemented"
    # a newer one does: recorded and shown
    app.import_sources([write(tmp_path, "oct.csv", stamped(text, "Oct 28, 2026"))])
    v = app.show(key)
    assert v.status == "Open"
    assert [e["kind"] for e in v.status_events if e["kind"] != "older"] == ["reopened"]
    assert "Reopened by GAO: Closed – Implemented → Open" in to_text(card_blocks(v, DEC1, tz=timezone.utc, full=True))


@needs_shared(CSV_EXCERPT)
def test_real_export_then_an_older_copy_keeps_the_sep_28_comment(app, tmp_path):
    text = CSV_EXCERPT.read_text(encoding="utf-8-sig")
    app.import_sources([str(CSV_EXCERPT)])
    phrase = "As of May 2026, DHS has not provided sufficient evidence"
    with app.db.session() as s:
        key, comment = s.execute(select(Recommendation.key, Recommendation.comments)
                                 .where(Recommendation.comments.contains(phrase))).first()
    old = stamped(text, "Mar 1, 2024").replace(phrase, "As of February 2024, DHS had not yet provided evidence", 1)
    s = app.import_sources([write(tmp_path, "export-2024.csv", old)])
    assert s.changed == 0 and s.older == count(app)
    v = app.show(key)
    assert v.comments == comment
    assert any(e["kind"] == "older" and "As of February 2024, DHS had not yet" in e["new_comments"]
               and e["as_of"] == "2024-03-01" for e in v.status_events)


# -- 3. complete imports and what GAO stopped listing -------------------------------------------------

def test_complete_import_marks_what_gao_stopped_listing(app, tmp_path):
    text = EXPORT.read_text()
    app.import_sources([str(EXPORT)], complete=True)
    gone, sibling = key_with(app, GONE), key_with(app, "close out disaster grant awards")
    assert app.show(gone).days_overdue(DEC1) is not None
    oct_ = write(tmp_path, "oct.csv", without(stamped(text, "Oct 28, 2026"), GONE))
    s = app.import_sources([oct_], complete=True)
    assert s.unlisted_keys == [gone] and s.changed == 0 and s.unchanged == 5
    assert s.to_json()["unlisted"] == 1
    v = app.show(gone)
    j = record_json(v, DEC1)
    assert (j["listed"], j["last_listed"], j["overdue"], j["status"]) == (False, "2026-09-28", False, "Open")
    assert [e["kind"] for e in v.status_events] == ["unlisted"] and v.status_events[0]["as_of"] == "2026-10-28"
    for other in app.search("Homeland Security", limit=50)[0]:
        if other.key != gone:
            assert record_json(other, DEC1)["listed"] is True
            assert other.last_listed == date(2026, 10, 28)
    assert record_json(app.show(sibling), DEC1)["listed"] is True
    overdue = {v.key for v in app.overdue(DEC1)}
    assert gone not in overdue and sibling in overdue
    assert count_unlisted_passed(app.db, DEC1) == 1
    assert stats(app.db, DEC1)["not_listed"] == 1
    # the same export again: nothing more happens
    again = app.import_sources([oct_], complete=True)
    assert (again.unlisted_keys, again.status_events, again.changed) == ([], 0, 0)
    # a non-complete import lacking it changes nothing either
    assert app.import_sources([oct_]).unlisted_keys == []
    # an older snapshot that lists it does not bring it back
    assert app.import_sources([str(EXPORT)]).relisted_keys == []
    assert app.show(gone).listed is False
    # listed again later: back, with a status event
    nov = write(tmp_path, "nov.csv", stamped(text, "Nov 28, 2026"))
    s = app.import_sources([nov], complete=True)
    assert s.relisted_keys == [gone]
    v = app.show(gone)
    assert (v.listed, v.last_listed) == (True, date(2026, 11, 28))
    assert v.status_events[-1]["kind"] == "relisted"
    assert gone in {x.key for x in app.overdue(DEC1)}


def test_not_listed_is_shown_on_cards_exports_history_and_overdue(app, tmp_path):
    from bot.blocks import card_blocks, fallback_text, reply_blocks
    from bot.blocks.text import to_text

    app.import_sources([str(EXPORT)], complete=True)
    app.import_sources([write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))],
                       complete=True)
    gone = key_with(app, GONE)
    card = to_text(card_blocks(app.show(gone), DEC1, tz=timezone.utc, full=True))
    assert "Not listed by GAO since the export of Oct 28, 2026 (last listed Sep 28, 2026): probably closed" in card
    assert "not reminded" in card
    name, content, n = export_file(app, "csv", as_of=DEC1)
    rows = content.decode().splitlines()
    assert rows[0].endswith("Listed by GAO")
    assert sum(r.endswith("No (last listed 2026-09-28)") for r in rows) == 1
    reply = app.handle("overdue", Caller("U0ADMIN", is_admin=True), now=datetime(2026, 12, 1, 15, tzinfo=timezone.utc))
    assert "1 more passed but GAO no longer lists them as open" in reply.title
    assert gone not in json.dumps(reply_blocks(reply))
    hist = app.handle(f"history {gone}", Caller("U0ADMIN", is_admin=True))
    assert "no longer lists it as open" in to_text(reply_blocks(hist)) and fallback_text(hist)


def test_more_than_a_quarter_vanishing_is_refused_unless_forced(app, tmp_path):
    text = EXPORT.read_text()
    app.import_sources([str(EXPORT)], complete=True)
    before = state(app)
    filtered = write(tmp_path, "filtered.csv", without(stamped(text, "Oct 28, 2026"), GONE, ALSO_GONE))
    with pytest.raises(repo.ImportRefused) as exc:
        app.import_sources([filtered], complete=True)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(filtered) and "2 of the 5" in msg and "Department of Homeland" in msg
    assert state(app) == before
    s = app.import_sources([filtered], complete=True, force=True)
    assert sorted(s.unlisted_keys) == sorted([key_with(app, GONE), key_with(app, ALSO_GONE)])


def test_a_bad_source_in_a_complete_import_changes_nothing(app, tmp_path):
    app.import_sources([str(EXPORT)], complete=True)
    before = state(app)
    oct_ = write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))
    with pytest.raises(ParseError):
        app.import_sources([oct_, str(FIXTURES / "error-403.html")], complete=True)
    assert state(app) == before


def test_only_the_complete_sources_of_an_import_unlist(app, tmp_path):
    app.import_sources([str(EXPORT)])
    oct_ = write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))
    s = app.import_sources([str(PAGE), oct_], complete={str(PAGE)})  # the page names another agency
    assert s.unlisted_keys == []
    s = app.import_sources([str(PAGE), oct_], complete={oct_})
    assert s.unlisted_keys == [key_with(app, GONE)]


def test_refresh_sources_may_be_declared_complete():
    from config.settings import Settings

    s = Settings(_env_file=None, sources=["https://www.gao.gov/a", {"url": "/data/open.csv", "complete": True}])
    assert s.source_urls == ["https://www.gao.gov/a", "/data/open.csv"]
    assert s.complete_sources == {"/data/open.csv"}
    with pytest.raises(ValueError):
        Settings(_env_file=None, sources=[{"url": "x", "complete": True, "compleet": 1}])


def test_outcome_is_for_the_owner_or_an_admin_and_audited(app, tmp_path):
    app.import_sources([str(EXPORT)], complete=True)
    gone = key_with(app, GONE)
    admin, owner, stranger = (Caller("U0ADMIN", is_admin=True, channel_id="C1"), Caller("U0OWNER", channel_id="C1"),
                              Caller("U0STRANGER", channel_id="C1"))
    r = app.handle(f"outcome {gone} implemented", admin)
    assert r.kind == "error" and "still lists" in r.mrkdwn
    app.import_sources([write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))],
                       complete=True)
    app.handle(f"assign {gone} @U0OWNER", admin)
    r = app.handle(f"outcome {gone} implemented", stranger)
    assert r.kind == "error" and "Only <@U0OWNER> or an admin" in r.mrkdwn and app.show(gone).outcome is None
    assert app.handle(f"outcome {gone} maybe", owner).kind == "error"
    r = app.handle(f"outcome {gone} not-implemented", owner)
    assert r.kind == "text" and app.show(gone).outcome == "not-implemented"
    assert gone not in {v.key for v in app.overdue(DEC1)}
    r = app.handle(f"outcome {gone} open", admin)
    assert app.show(gone).outcome == "open"
    assert gone in {v.key for v in app.overdue(DEC1)}  # still open by its owner's word: reminded again
    with app.db.session() as s:
        marks = [json.loads(d) for d in s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "outcome"))]
    assert marks == [{"outcome": "not-implemented", "previous": None},
                     {"outcome": "open", "previous": "not-implemented"}]


def test_cli_import_complete_as_of_force_and_outcome(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    text = EXPORT.read_text()
    assert run("import", "--complete", str(EXPORT)).exit_code == 0
    filtered = write(tmp_path, "filtered.csv", without(stamped(text, "Oct 28, 2026"), GONE, ALSO_GONE))
    r = run("import", "--complete", filtered)
    assert r.exit_code == 1 and "more than a quarter" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert run("import", "--force", filtered).exit_code == 2  # --force goes with --complete
    r = run("import", "--complete", "--force", "--json", filtered)
    assert json.loads(r.output)["unlisted"] == 2
    r = run("import", "--as-of", "2024-03-01", str(EXPORT))
    assert "6 entries were older than the records" in r.output
    r = run("overdue", "--as-of", "2026-12-01", "--json")
    assert json.loads(r.output)["not_listed"] == 2
    r = run("overdue", "--as-of", "2026-12-01")
    assert "2 more passed their promise but GAO no longer lists them" in r.output
    gone = json.loads(run("search", "closeout staff", "--json").output)["results"][0]
    assert (gone["listed"], gone["last_listed"]) == (False, "2026-09-28")
    r = run("outcome", gone["key"], "implemented")
    assert r.exit_code == 0 and "marked implemented" in r.output
    shown = json.loads(run("show", gone["key"], "--json").output)
    assert shown["outcome"] == "implemented" and shown["listed"] is False
    r = run("import", "--as-of", "yesterday", str(EXPORT))
    assert r.exit_code == 2 and "not a date" in r.output


# -- THE overdue rule: SQL and Python agree ---------------------------------------------------------

def test_sql_and_python_overdue_rules_agree(app):
    """Every state of the five fields the rule reads (384), each in its own copy of one record (in a report of its
    own, so that a report-number query counts that state alone), all inserted at once: per state, the overdue
    list, the single counts, the one-pass counts and the Python rule agree."""
    app.import_sources([str(EXPORT)])
    key = key_with(app, GONE)
    statuses = ("Open", "Open – Partially Addressed", "Closed – Implemented", None)
    dues = (None, date(2026, 11, 1), DEC1, date(2027, 1, 1))
    status_dates = (None, date(2026, 10, 1), date(2026, 11, 1), date(2026, 11, 15))
    states = list(itertools.product(statuses, (True, False), (None, "open", "implemented"), dues, status_dates))
    letters = "23456789abcdefghjkmnpqrstuvwxyz"  # storage/repo.py KEY_RE
    numbers = {f"GAO-99-{100000 + i}": state for i, state in enumerate(states)}
    with app.db.write() as s:
        base_overdue, base_unlisted = repo.overdue_counts(s, DEC1)
        original = s.execute(select(Recommendation).where(Recommendation.key == key)).scalar_one()
        row = {c.key: getattr(original, c.key) for c in Recommendation.__table__.columns if c.key != "id"}
        assert s.scalar(select(func.count()).where(Report.number.in_(numbers))) == 0
        s.execute(insert(Report), [{"number": n, "title": f"state {n}"} for n in numbers])
        report_ids = dict(s.execute(select(Report.number, Report.id).where(Report.number.in_(numbers))).all())
        keys = {n: f"zz{letters[i // 31 // 31]}{letters[i // 31 % 31]}{letters[i % 31]}"
                for i, n in enumerate(numbers)}
        assert s.scalar(select(func.count()).where(Recommendation.key.in_(keys.values()))) == 0
        s.execute(insert(Recommendation), [
            {**row, "key": keys[n], "report_id": report_ids[n], "status": status, "listed": listed,
             "outcome": outcome, "current_due": due, "status_date": sdate}
            for n, (status, listed, outcome, due, sdate) in numbers.items()])
        in_sql = {v.key for v in repo.overdue(s, DEC1)}  # no limit: the whole list
        views = {v.key: v for v in repo.export_views(s, DEC1, overdue_only=False, unimplemented=False, query=None)}
        checked = unlisted = 0
        for n, state in numbers.items():
            in_count = repo.count_overdue(s, DEC1, n) == 1
            in_python = views[keys[n]].days_overdue(DEC1) is not None
            both = repo.overdue_counts(s, DEC1, n)  # the one-pass form the overdue answer reads
            assert both == (in_count, repo.count_unlisted_passed(s, DEC1, n)), state
            assert (keys[n] in in_sql) == in_count == in_python, state
            checked += in_python
            unlisted += both[1]
        assert checked > 0 and unlisted > 0
        # the whole-database forms (no query: the one-pass statement without the join), all states at once
        assert repo.overdue_counts(s, DEC1) == (repo.count_overdue(s, DEC1), repo.count_unlisted_passed(s, DEC1)) \
            == (base_overdue + checked, base_unlisted + unlisted)


def test_not_listed_on_app_home_and_in_the_digest(app, tmp_path):
    from bot.blocks.digest import digest_blocks
    from bot.blocks.text import to_text

    app.import_sources([str(EXPORT)], complete=True)
    app.import_sources([write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))],
                       complete=True)
    gone = key_with(app, GONE)
    with app.db.write() as s:
        repo.assign(s, app.show(gone).id, "U0OWNER", "U0ADMIN", repo.utcnow())
        repo.subscribe(s, "C1", "", "U0ADMIN", repo.utcnow())
    home = json.dumps(home_view(home_data(app, "U0OWNER", None, now=datetime(2026, 12, 1, 15, tzinfo=timezone.utc)))
                      .to_dict(), ensure_ascii=False)
    assert "No longer listed by GAO: probably closed (1)" in home and f"`{gone}`" in home
    assert "Overdue (0)" in home
    counts = app.reminders.digest(datetime(2026, 12, 7, 14, tzinfo=timezone.utc), dry_run=True)["C1"]
    assert counts["unlisted"] == 1 and counts["overdue"] == 4
    assert "1 no longer listed by GAO (probably closed" in to_text(digest_blocks(counts, DEC1))


def test_a_complete_gao_export_says_nothing_of_an_ig_recommendation(app, tmp_path):
    app.import_sources([str(EXPORT)], complete=True)
    gone = key_with(app, GONE)
    with app.db.write() as s:  # as if an IG tracker had brought it: same agency, not GAO's
        s.execute(update(Recommendation).where(Recommendation.key == gone).values(issuer="oig"))
    oct_ = write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))
    assert app.import_sources([oct_], complete=True).unlisted_keys == []
    assert app.show(gone).listed is True


@needs_shared(CSV_EXCERPT)
def test_real_export_then_a_later_complete_export_lacking_one_dhs_recommendation(app, tmp_path):
    text = CSV_EXCERPT.read_text(encoding="utf-8-sig")
    phrase = "to agencies, and implement the strategy. (Recommendation 4)"  # GAO-25-107470, DHS, overdue
    app.import_sources([str(CSV_EXCERPT)], complete=True)
    gone = key_with(app, "to agencies, and implement the strategy")
    assert gone in {v.key for v in app.overdue(DEC1)}
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    kept = [r for r in rows if not any(phrase in cell for cell in r)]
    assert len(kept) == len(rows) - 1
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(kept)
    later = buf.getvalue()
    s = app.import_sources([write(tmp_path, "export-2026-10-28.csv", stamped(later, "Oct 28, 2026"))],
                           complete=True)
    assert s.unlisted_keys == [gone] and s.changed == 0
    j = record_json(app.show(gone), DEC1)
    assert (j["listed"], j["last_listed"]) == (False, "2026-09-28")
    dhs = [v for v in app.search("Homeland Security", limit=50)[0] if v.agency == "Department of Homeland Security"]
    assert len(dhs) == 4 and all(record_json(v, DEC1)["listed"] for v in dhs if v.key != gone)
    assert gone not in {v.key for v in app.overdue(DEC1)}


def _snapshot(status_as_of: str, comment: str, status: str = "Open") -> str:
    """A one-row GAO export (our own words) whose status is as of ``status_as_of`` ("Sep 30, 2025")."""
    return ('"Title: Download of GAO Recommendation Results",,,,,,,\n"Prepared by: GAO",,,,,,,\n'
            f'"Source: GAO recommendations database, status as of {status_as_of} at 6:40 PM EST" ,,,,,,,\n,,,,,,,,\n'
            ',,,,,,,,\n"Publication Name","Publication  Number","Date Publication Issued","Director Name",'
            '"Director Phone",Agency,Recommendation,Status,Priority,Comments,Topics\n'
            '"Widgets: An Example Office Should Count Them",GAO-24-900901,"Jan 8, 2024","A. Example",,'
            f'"Department of Examples","The Secretary should count the widgets. (Recommendation 1)",{status},No,'
            f'"{comment}","Examples"\n')


def test_a_change_is_dated_by_the_snapshot_that_shows_it_not_the_day_it_was_imported(app, tmp_path):
    """Two GAO exports, from January and September 2025, imported on 2026-11-29: the September comment promises
    fiscal year 2026. The change happened by 2025-09-30, before that promise fell due, so the promise passed with
    no status change since: overdue (it was hidden, the change dated by the import)."""
    now = datetime(2026, 11, 29, 15, tzinfo=timezone.utc)
    jan = write(tmp_path, "jan.csv", _snapshot("Jan 15, 2025", "In December 2024, the office said it would "
                                                                "count the widgets by June 2025."))
    sep = write(tmp_path, "sep.csv", _snapshot("Sep 30, 2025", "In August 2025, the office said it now expects "
                                                                "to count the widgets by the end of fiscal year "
                                                                "2026."))
    app.import_sources([jan], now=now)
    app.import_sources([sep], now=now + timedelta(minutes=5))
    (v,) = app.search("widgets", as_of=date(2026, 11, 28))[0]
    assert v.current_due == date(2026, 9, 30) and v.changed_on == date(2025, 9, 30)
    assert v.days_overdue(date(2026, 11, 28)) == 59
    assert [x.key for x in app.overdue(date(2026, 11, 28))] == [v.key]
    card = app.show(v.key, now)
    from bot.blocks import last_change_text

    assert last_change_text(card, timezone.utc) == "2025-09-30"


def test_closing_or_reopening_moves_no_promise(app, tmp_path):
    """A slip is an open recommendation's promised date moving. GAO closing it with a new comment is no slip, and
    neither is the first promise of a recommendation GAO reopened; a revised date while it is open is one."""
    now = datetime(2026, 11, 29, 15, tzinfo=timezone.utc)
    steps = [("Jan 15, 2025", "In December 2024, the office said it would count the widgets by June 2025.", "Open"),
             ("Mar 31, 2025", "In March 2025, the office said it now expects to count them by December 2025.",
              "Open"),
             ("Jun 30, 2025", "In June 2025, the office counted the widgets.", "Closed - Implemented"),
             ("Sep 30, 2025", "In September 2025, GAO found the count incomplete; the office said it would "
                              "finish by March 2026.", "Open")]
    for i, (as_of, comment, status) in enumerate(steps):
        app.import_sources([write(tmp_path, f"s{i}.csv", _snapshot(as_of, comment, status))],
                           now=now + timedelta(minutes=i))
    (v,) = app.search("widgets")[0]
    assert v.status == "Open" and v.current_due == date(2026, 3, 31)
    assert [(x["old_due"], x["new_due"]) for x in v.slips] == [("2025-06-30", "2025-12-31")]


def test_an_invisible_character_is_no_change(app, tmp_path):
    """GAO's next export differs only by a zero-width space: no status event, no lapse of the owner's word, the
    same overdue answer (it dropped a confirmation and the item's place on the overdue list)."""
    from bot.services import promises as sp

    now = datetime(2026, 11, 29, 15, tzinfo=timezone.utc)
    said = "In December 2024, the office said it would count the widgets by June 2025."
    app.import_sources([write(tmp_path, "a.csv", _snapshot("Jan 15, 2025", said))], now=now)
    (v,) = app.search("widgets")[0]
    assert sp.apply(app, v.key, "confirm", actor="U0DANA", via="cli", check=False).ok
    before = app.show(v.key, now)
    assert before.current_promise.source == "confirmed" and before.days_overdue(date(2026, 11, 28)) is not None
    app.import_sources([write(tmp_path, "b.csv", _snapshot("Feb 15, 2025", said.replace("the widgets",
                                                                                       "the\u200b widgets")))],
                       now=now + timedelta(minutes=5))
    after = app.show(v.key, now)
    assert after.status_events == before.status_events and after.current_promise.source == "confirmed"
    assert after.days_overdue(date(2026, 11, 28)) == before.days_overdue(date(2026, 11, 28))


@pytest.mark.parametrize("first_alone", [True, False])
def test_a_change_seen_in_several_exports_of_one_import_is_dated_by_the_first(app, tmp_path, first_alone):
    """January's export, then September's and December's in one import (or all three at once, the record new):
    the change is September's, however many later exports show it again."""
    now = datetime(2026, 11, 29, 15, tzinfo=timezone.utc)
    a = "In December 2024, the office said it would count the widgets by June 2025."
    b = "In August 2025, the office said it now expects to count the widgets by October 2025."
    files = [write(tmp_path, f"{n}.csv", _snapshot(d, c)) for n, d, c in (
        ("jan", "Jan 15, 2025", a), ("sep", "Sep 30, 2025", b), ("dec", "Dec 31, 2025", b))]
    if first_alone:
        app.import_sources(files[:1], now=now)
        app.import_sources(files[1:], now=now + timedelta(minutes=5))
    else:
        app.import_sources(files, now=now)
    (v,) = app.search("widgets")[0]
    assert v.changed_on == date(2025, 9, 30) and v.current_due == date(2025, 10, 31)
    assert v.days_overdue(date(2026, 11, 28)) is not None  # the December export changed nothing since
    if first_alone:
        card = app.show(v.key, now)
        assert [e["as_of"] for e in card.status_events if e.get("kind") == "change"] == ["2025-09-30"]
