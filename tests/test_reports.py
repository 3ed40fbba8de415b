"""The office's reports: mapped imports of IG sheets, the GAO-IG Act list, statutory clocks with their
reminders (exactly once per threshold, against the fake Slack), and the IG semiannual view. Core tests
use fixtures written here in GAO's format, in our own words; the real export is used where present."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.adapters.slack import SlackPoster, make_client
from bot.cli import main
from bot.gao.formats.mapped import Mapping, MappingError
from bot.reply import Caller
from bot.service import Gaorec
from bot.services import clocks as clock_service
from bot.services import reports as report_service
from bot.services.tables import render
from config.settings import Settings
from storage import repo
from storage.queries import recommendations as recs

from .conftest import CSV_EXCERPT, needs_shared
from .fakeslack import FakeSlack
from bot.services.records import record_json
from bot.services.exports import audit

PREAMBLE = ('"Title: Download of GAO Recommendation Results",,,,,,,\n"Prepared by: GAO",,,,,,,\n'
            '"Source: GAO recommendations database, status as of {as_of} at 9:00 AM EST",,,,,,,\n,,,,,,,,\n'
            ',,,,,,,,\n"Publication Name","Publication  Number","Date Publication Issued","Director Name",'
            '"Director Phone",Agency,Recommendation,Status,Priority,Comments,Topics\n')


def gao_row(title, number, published, agency, text, n, status="Open", comments="No update yet.", priority="No"):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        [title, number, published, "Pat Doe", "", agency, f"{text} (Recommendation {n})", status, priority,
         comments, "Government Operations"])
    return buf.getvalue()


def gao_export(path, rows, as_of="Sep 28, 2026"):
    path.write_text(PREAMBLE.format(as_of=as_of) + "".join(rows), encoding="utf-8")
    return str(path)


ROWS = [
    gao_row("Grain Storage: The Department Should Track Silo Inspections", "GAO-24-100001", "Feb 1, 2024",
            "Department of Agriculture", "The Secretary should track silo inspections by region.", 1,
            comments="In March 2025, the department said it expected to finish the tracker by June 2026."),
    gao_row("Grain Storage: The Department Should Track Silo Inspections", "GAO-24-100001", "Feb 1, 2024",
            "Department of Agriculture", "The Secretary should publish inspection results.", 2,
            status="Closed--Not Implemented"),
    gao_row("Grain Storage: The Department Should Track Silo Inspections", "GAO-24-100001", "Feb 1, 2024",
            "Department of Agriculture", "The Secretary should train inspectors.", 3, status="Closed--Implemented"),
    gao_row("Harbor Dredging: Corps Needs Better Cost Data", "GAO-26-100777", "Jan 16, 2026",
            "U.S. Army Corps of Engineers", "The Chief of Engineers should collect cost data.", 1),
    gao_row("Harbor Dredging: Corps Needs Better Cost Data", "GAO-26-100778", "Jan 15, 2026",
            "U.S. Army Corps of Engineers", "The Chief of Engineers should audit dredging contracts.", 1,
            status="Open--Partially Addressed"),
    gao_row("Weather Satellites: Launch Planning Needs Attention", "GAO-26-100900", "May 25, 2026",
            "National Oceanic and Atmospheric Administration", "The Administrator should plan launches.", 1),
]

IG_MAPPING = """
name = "Example OIG tracker"
source = "oig"
agency = "Department of Examples"
[columns]
report_number = "OIG Report No."
report_title = "Audit Title"
published = "Issued"
rec_number = "Rec #"
text = "Recommendation Text"
status = "Rec Status"
due = "Target Completion"
comments = "Management Response"
questioned_costs = "Questioned $"
funds_for_better_use = "FBU $"
[status_map]
"Open-Unresolved" = "Open"
"Open-Resolved" = "Resolved"
"Closed" = "Closed – Implemented"
"""
IG_HEADER = ["OIG Report No.", "Audit Title", "Issued", "Rec #", "Recommendation Text", "Rec Status",
             "Target Completion", "Management Response", "Questioned $", "FBU $"]
IG_ROWS = [
    ["OIG-25-07", "Audit of Fleet Card Controls", "03/10/2025", "OIG-25-07-01",
     "Reconcile fleet card statements monthly.", "Open-Resolved", "06/30/2026",
     "Management concurred and will issue a reconciliation procedure.", "$12,500.00", ""],
    ["OIG-25-07", "Audit of Fleet Card Controls", "03/10/2025", "OIG-25-07-02",
     "Recover the improper fuel purchases.", "Open-Unresolved", "", "Management did not concur.",
     "$4,000", "$1,000"],
    ["OIG-26-02", "Evaluation of Telework Records", "11/20/2025", "1", "Retain telework agreements.", "Closed",
     "", "", "", "$2,000"],
]


def ig_sheet(tmp_path, rows=IG_ROWS, header=IG_HEADER, *, xlsx=False):
    mapping = tmp_path / "oig.toml"
    mapping.write_text(IG_MAPPING, encoding="utf-8")
    if xlsx:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(["Department of Examples OIG: open recommendations"])  # a preamble above the header
        ws.append(header)
        for r in rows:
            ws.append(r)
        path = tmp_path / "oig.xlsx"
        wb.save(path)
    else:
        path = tmp_path / "oig.csv"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path), Mapping.load(mapping)


def keys_by_text(app):
    with app.db.session() as s:
        views, _ = repo.search(s, "the", limit=100)
        views = recs.views(s, repo.Recommendation.id.is_not(None))
    return {v.text: v for v in views}


# -- mapped imports -------------------------------------------------------------------------------

@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_ig_sheet_through_a_mapping(app, tmp_path, xlsx):
    path, mapping = ig_sheet(tmp_path, xlsx=xlsx)
    s = app.import_sources([path], mapping=mapping, now=datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
    assert (s.new, s.changed) == (3, 0)
    recs = keys_by_text(app)
    fleet = recs["Reconcile fleet card statements monthly."]
    assert (fleet.issuer, fleet.status, fleet.report_number, fleet.rec_number) == ("oig", "Resolved", "OIG-25-07", 1)
    assert fleet.agency == "Department of Examples" and fleet.questioned_costs == 12500.0
    assert fleet.report_published == date(2025, 3, 10) and fleet.target_due == date(2026, 6, 30)
    p = fleet.current_promise
    assert (p.kind, p.due) == ("target", date(2026, 6, 30))
    assert fleet.days_overdue(date(2026, 6, 30)) is None and fleet.days_overdue(date(2026, 7, 1)) == 1
    recover = recs["Recover the improper fuel purchases."]
    assert (recover.status, recover.current_promise, recover.funds_for_better_use) == ("Open", None, 1000.0)
    assert recs["Retain telework agreements."].status == "Closed – Implemented"
    rec = record_json(fleet, date(2026, 7, 1))
    assert rec["source"] == "oig" and rec["overdue"] and rec["days_overdue"] == 1
    # the same sheet again changes nothing
    again = app.import_sources([path], mapping=mapping, now=datetime(2026, 1, 6, 12, tzinfo=timezone.utc))
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_ig_target_moves_is_a_slip_and_overdue_follows(app, tmp_path):
    path, mapping = ig_sheet(tmp_path)
    app.import_sources([path], mapping=mapping, now=datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
    moved = [list(r) for r in IG_ROWS]
    moved[0][6] = "12/31/2026"
    path2, _ = ig_sheet(tmp_path / ".." / tmp_path.name, rows=moved)
    s = app.import_sources([path2], mapping=mapping, now=datetime(2026, 7, 2, 12, tzinfo=timezone.utc))
    assert (s.new, s.changed, s.slips) == (0, 1, 1)
    fleet = keys_by_text(app)["Reconcile fleet card statements monthly."]
    assert fleet.current_due == date(2026, 12, 31) and fleet.days_overdue(date(2026, 7, 2)) is None
    with app.db.session() as sess:
        assert [v.key for v in repo.overdue(sess, date(2027, 1, 2))] == [fleet.key]


def test_ig_records_reach_search_card_reminders_and_giaa(app, tmp_path):
    path, mapping = ig_sheet(tmp_path)
    app.import_sources([path], mapping=mapping, now=datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
    fleet = keys_by_text(app)["Reconcile fleet card statements monthly."]
    views, total = app.search("fleet card")
    assert fleet.key in [v.key for v in views]
    card = app.handle(f"show {fleet.key}", Caller(user_id="U1"), now=datetime(2026, 7, 10, 14, tzinfo=timezone.utc))
    assert card.kind == "card" and card.records[0].issuer == "oig"
    with app.db.write() as sess:
        repo.subscribe(sess, "C0001", "", "U0ADMIN", repo.utcnow())
    planned = app.reminders.run_pass(datetime(2026, 7, 10, 14, tzinfo=timezone.utc), dry_run=True).planned
    assert [p["key"] for p in planned if p["kind"] == "reminder"] == [fleet.key]
    rows = report_service.giaa(app.db, date(2026, 7, 10)).rows
    by_text = {r[0] + "/" + str(r[2]): r for r in rows}
    assert set(by_text) == {"OIG-25-07/1", "OIG-25-07/2"}  # OIG-26-02 is closed and under a year old
    assert by_text["OIG-25-07/1"][4] == "oig" and by_text["OIG-25-07/1"][9].startswith("2026-06-30 (")
    assert by_text["OIG-25-07/1"][12] == "timeline passed on 2026-06-30 with no status change"
    assert by_text["OIG-25-07/2"][9] == "none stated"


def test_mapping_mistakes_are_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('source = "oig"\n[columns]\ntext = "T"\nstatus = "S"\nreport_number = "R"\nowner = "O"\n')
    with pytest.raises(MappingError, match=r"bad\.toml: unknown field\(s\) in \[columns\]: owner"):
        Mapping.load(bad)
    bad.write_text('source = "ig"\n')
    with pytest.raises(MappingError, match="source must be"):
        Mapping.load(bad)
    bad.write_text('source = "oig"\nagency = "X"\n[columns]\ntext = "T"\nstatus = "S"\nreport_number = "R"\n'
                   '[status_map]\n"Open" = "Pending"\n')
    with pytest.raises(MappingError, match="unknown status 'Pending'"):
        Mapping.load(bad)


def test_a_sheet_the_mapping_does_not_fit_changes_nothing(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    path, _ = ig_sheet(tmp_path, header=[h.replace("Rec Status", "State") for h in IG_HEADER])
    r = CliRunner().invoke(main, ["--database", sqlite_url, "import", "--mapping", str(tmp_path / "oig.toml"), path])
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert "does not fit" in r.output and "'Rec Status'" in r.output
    odd = [list(x) for x in IG_ROWS]
    odd[1][5] = "Pending review"
    path, _ = ig_sheet(tmp_path, rows=odd)
    r = CliRunner().invoke(main, ["--database", sqlite_url, "import", "--mapping", str(tmp_path / "oig.toml"), path])
    assert r.exit_code == 1 and "oig.csv:3: status 'Pending review'" in r.output
    r = CliRunner().invoke(main, ["--database", sqlite_url, "stats", "--json"])
    assert json.loads(r.output)["recommendations"] == 0


def test_an_xlsx_without_a_mapping_says_how(tmp_path, app):
    path, _ = ig_sheet(tmp_path, xlsx=True)
    with pytest.raises(Exception, match="import it with --mapping"):
        app.import_sources([path])


# -- the GAO-IG Act report --------------------------------------------------------------------------

def test_giaa_lists_what_is_a_year_open_with_timelines(app, tmp_path):
    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    rep = report_service.giaa(app.db, date(2027, 1, 15))
    got = {(r[0], r[2]): r for r in rep.rows}
    # published on or before 2026-01-15; open or closed-not-implemented; the Jan 16 and May reports are not in
    assert set(got) == {("GAO-24-100001", 1), ("GAO-24-100001", 2), ("GAO-26-100778", 1)}
    assert got[("GAO-24-100001", 1)][9] == "2026-06-30 (June 2026; gao)"
    assert got[("GAO-24-100001", 1)][12] == "timeline passed on 2026-06-30 with no status change"
    assert got[("GAO-24-100001", 2)][12] == "closed as not implemented; no justification recorded"
    assert got[("GAO-26-100778", 1)][8] == 1.0 and got[("GAO-26-100778", 1)][9] == "none stated"
    assert rep.missing and all(len(k) >= 5 for k in rep.missing)
    # a justification fills the column and clears the discrepancy
    key2 = next(v.key for v in keys_by_text(app).values() if v.rec_number == 2)
    app.handle(f"justify {key2} The department adopted an alternative control in 2025.",
               Caller(user_id="U0ADMIN", is_admin=True))
    row = {(r[0], r[2]): r for r in report_service.giaa(app.db, date(2027, 1, 15)).rows}[("GAO-24-100001", 2)]
    assert row[11] == "The department adopted an alternative control in 2025." and row[12] == ""


def test_an_owners_word_that_gao_stopped_listing_an_implemented_item_takes_it_off_the_lists(app, tmp_path):
    """GAO's complete export no longer lists an item and its owner says it was implemented: it leaves the GAO-IG
    Act list and `export --unimplemented`; "still open" or no word keeps it there."""
    from sqlalchemy import update

    from storage import repo
    from storage.models import Recommendation

    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    key1 = next(v.key for v in keys_by_text(app).values() if v.rec_number == 1 and v.report_number == "GAO-24-100001")
    with app.db.write() as s:
        s.execute(update(Recommendation).where(Recommendation.key == key1).values(listed=False))  # as --complete does

    def listed() -> tuple[bool, bool]:
        rows = report_service.giaa(app.db, date(2027, 1, 15)).rows
        with app.db.session() as s:
            exported = {v.key for v in repo.export_views(s, date(2027, 1, 15), overdue_only=False, unimplemented=True,
                                                          query=None)}
        return any(r[0] == "GAO-24-100001" and r[2] == 1 for r in rows), key1 in exported

    assert listed() == (True, True)  # not listed, no word yet: still counted (probably closed, not known)
    for outcome, expected in (("open", (True, True)), ("implemented", (False, False))):
        assert app.handle(f"outcome {key1} {outcome}", Caller(user_id="U0ADMIN", is_admin=True)).kind != "error"
        assert listed() == expected, outcome


def test_justify_needs_the_owner_or_an_admin(app, tmp_path):
    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    key = next(iter(keys_by_text(app).values())).key
    with app.db.write() as s:
        repo.assign(s, repo.get(s, key).id, "U0OWNER", "U0ADMIN", repo.utcnow())
    no = app.handle(f"justify {key} <!channel> because", Caller(user_id="U0OTHER"))
    assert no.kind == "error" and "or an admin" in no.text and "<!channel>" not in no.mrkdwn
    ok = app.handle(f"justify {key} superseded by a 2026 rule", Caller(user_id="U0OWNER"))
    assert ok.kind == "text" and "recorded" in ok.text
    log = audit(app.db, key=key)
    assert [e["action"] for e in log][-1] == "justify" and log[-1]["actor"] == "U0OWNER"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "html"])
def test_report_formats_open_in_their_programs(app, tmp_path, fmt):
    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    table = report_service.giaa(app.db, date(2027, 1, 15)).table()
    data = render(table, fmt)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == report_service.GIAA_COLUMNS and len(rows) == 4
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(data)).active
        header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "report_number")
        assert list(header) == report_service.GIAA_COLUMNS
        assert len(ws.tables) == 1  # a real table: its header row is announced
    elif fmt == "docx":
        from docx import Document

        doc = Document(io.BytesIO(data))
        t = doc.tables[0]
        assert [c.text for c in t.rows[0].cells] == report_service.GIAA_COLUMNS and len(t.rows) == 4
        assert t.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    else:
        text = data.decode()
        assert text.count('<th scope="col">') == len(report_service.GIAA_COLUMNS) and text.count("<tr>") == 4


@needs_shared(CSV_EXCERPT)
def test_giaa_from_gaos_export_matches_an_independent_reading(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["--database", sqlite_url, "import", str(CSV_EXCERPT)]).exit_code == 0
    r = runner.invoke(main, ["--database", sqlite_url, "report", "giaa", "--as-of", "2027-01-15", "--format", "csv"])
    assert r.exit_code == 0, r.output
    got = list(csv.DictReader(io.StringIO(r.output.lstrip("\ufeff"))))
    # what a person reading GAO's file would list: published on or before 2026-01-15 and open, not Congress
    lines = CSV_EXCERPT.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if ln.startswith('"Publication Name"'))
    expected = set()
    for row in csv.DictReader(io.StringIO("".join(lines[start:]))):
        published = datetime.strptime(row["Date Publication Issued"], "%b %d, %Y").date()
        if published <= date(2026, 1, 15) and row["Status"].startswith("Open") and row["Agency"] != "Congress":
            expected.add((row["Publication  Number"], row["Agency"].replace("&amp;", "&")))
    assert {(g["report_number"], g["agency"]) for g in got} == expected and len(got) >= len(expected) > 5
    assert all(g["published"] <= "2026-01-15" for g in got)
    assert not [g for g in got if g["report_number"].startswith("GAO-26-108")]  # the Sep 2026 reports
    assert set(got[0]) == set(report_service.GIAA_COLUMNS)
    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"giaa.{fmt}"
        r = runner.invoke(main, ["--database", sqlite_url, "report", "giaa", "--as-of", "2027-01-15", "--format",
                                 fmt, "--output", str(out)])
        assert r.exit_code == 0 and out.stat().st_size > 1000
    from docx import Document
    from openpyxl import load_workbook

    assert len(Document(str(tmp_path / "giaa.docx")).tables[0].rows) == len(got) + 1
    assert load_workbook(tmp_path / "giaa.xlsx").active.max_row >= len(got) + 1


# -- statutory clocks ------------------------------------------------------------------------------

@needs_shared(CSV_EXCERPT)
def test_clocks_json_gives_the_statement_due_on_day_180(sqlite_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()
    runner.invoke(main, ["--database", sqlite_url, "import", str(CSV_EXCERPT)])
    r = runner.invoke(main, ["--database", sqlite_url, "clocks", "--as-of", "2026-10-01", "--json"])
    clocks = {c["report_number"]: c for c in json.loads(r.output)["clocks"]}
    c = clocks["GAO-26-108061"]
    assert (c["statement_due"], c["days_left"], c["published"]) == ("2027-03-27", 177, "2026-09-28")
    assert c["falls_on"] == "a Saturday"


def test_clock_dates_and_calendar_notes(app, tmp_path):
    path, mapping = ig_sheet(tmp_path)
    app.import_sources([path], mapping=mapping, now=datetime(2026, 1, 5, 12, tzinfo=timezone.utc))
    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    all_clocks = {(c.report_number, c.clock): c for c in clock_service.clocks(app.db, date(2027, 1, 1),
                                                                              everything=True)}
    early = {c.report_number for c in clock_service.clocks(app.db, date(2026, 1, 1), everything=True)}
    assert "GAO-26-100900" not in early and "OIG-25-07" in early  # not published yet on Jan 1, 2026
    assert all_clocks[("OIG-25-07", "resolution")].due == date(2025, 9, 10)
    assert all_clocks[("OIG-25-07", "final_action")].due == date(2026, 3, 10)
    assert all_clocks[("GAO-26-100900", "statement")].due == date(2026, 11, 21)  # May 25 + 180 days
    # default view: not done, due from 30 days ago on
    shown = {(c.report_number, c.clock) for c in clock_service.clocks(app.db, date(2026, 1, 1))}
    assert ("OIG-25-07", "final_action") in shown and ("OIG-25-07", "resolution") not in shown
    assert clock_service.day_note(date(2027, 5, 31)) == "Memorial Day (a federal holiday)"
    assert clock_service.day_note(date(2027, 3, 27)) == "a Saturday"
    assert clock_service.day_note(date(2027, 3, 29)) is None


def test_clock_reminders_post_once_per_threshold(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    try:
        settings = Settings(database_url=db_url, slack_bot_token="xoxb-t", slack_api_url=fake.api_url,
                            post_interval=0.0, _env_file=None)
        app = Gaorec(settings)
        rows = [gao_row("Bridge Inspections: Agency Should Update Its Manual", "GAO-26-101234", "Jun 1, 2026",
                        "Federal Highway Administration", "The Administrator should update the manual.", 1)]
        app.import_sources([gao_export(tmp_path / "e.csv", rows)], now=datetime(2026, 6, 2, 12, tzinfo=timezone.utc))
        with app.db.write() as s:
            repo.subscribe(s, "C0001", "", "U0ADMIN", repo.utcnow())
        poster = SlackPoster(make_client(settings))
        due = date(2026, 6, 1) + timedelta(days=180)  # 2026-11-28

        def pass_on(day: date):
            return app.reminders.run_pass(datetime(day.year, day.month, day.day, 14, tzinfo=timezone.utc),
                                          poster=poster)

        def clock_posts():
            return [p for p in fake.posts("C0001") if "Statutory deadline" in p["text"]]

        pass_on(due - timedelta(days=45))
        assert clock_posts() == []
        for day in (due - timedelta(days=30), due - timedelta(days=29), due - timedelta(days=20)):
            pass_on(day)
        assert len(clock_posts()) == 1 and "due in 30 days" in clock_posts()[0]["text"]
        pass_on(due - timedelta(days=10))
        pass_on(due - timedelta(days=9))
        assert len(clock_posts()) == 2 and "due in 10 days" in clock_posts()[1]["text"]
        assert "GAO-26-101234" in clock_posts()[1]["text"] and "2026-11-28, a Saturday" in clock_posts()[1]["text"]
        pass_on(due)
        pass_on(due)
        assert len(clock_posts()) == 3 and "due today" in clock_posts()[2]["text"]
        pass_on(due + timedelta(days=3))
        assert len(clock_posts()) == 3
        # a second report, marked done before its first threshold: never reminded
        rows2 = [gao_row("Port Security: Agency Should Test Scanners", "GAO-26-101300", "Jul 1, 2026",
                         "Transportation Security Administration", "The Administrator should test scanners.", 1)]
        app.import_sources([gao_export(tmp_path / "e2.csv", rows2)], now=datetime(2026, 7, 2, 12, tzinfo=timezone.utc))
        denied = app.handle("clock done GAO-26-101300", Caller(user_id="U0USER"))
        assert denied.kind == "error"
        done = app.handle("clock done GAO-26-101300", Caller(user_id="U0ADMIN", is_admin=True))
        assert "marked done (statement)" in done.text
        pass_on(date(2026, 7, 1) + timedelta(days=175))
        assert not [p for p in clock_posts() if "GAO-26-101300" in p["text"]]
        assert "clock" in [e["action"] for e in audit(app.db)]
        app.db.dispose()
    finally:
        fake.stop()


def test_a_first_install_posts_only_the_most_urgent_threshold(app, tmp_path):
    rows = [gao_row("Bridge Inspections: Agency Should Update Its Manual", "GAO-26-101234", "Jun 1, 2026",
                    "Federal Highway Administration", "The Administrator should update the manual.", 1)]
    app.import_sources([gao_export(tmp_path / "e.csv", rows)], now=datetime(2026, 6, 2, 12, tzinfo=timezone.utc))
    with app.db.write() as s:
        repo.subscribe(s, "C0002", "bridge", "U0ADMIN", repo.utcnow())
        repo.subscribe(s, "C0003", "scanners", "U0ADMIN", repo.utcnow())
    now = datetime(2026, 11, 25, 14, tzinfo=timezone.utc)  # 3 days before the statement is due
    planned = clock_service.plan_reminders(app.db, now, date(2026, 11, 25))
    assert [(p["channel"], p["threshold"]) for p in planned] == [("C0002", 10)]
    assert clock_service.plan_reminders(app.db, now, date(2026, 11, 26)) == []


# -- the IG semiannual view ----------------------------------------------------------------------

def test_semiannual_counts_opened_resolved_closed_and_open(app, tmp_path):
    path, mapping = ig_sheet(tmp_path)
    app.import_sources([path], mapping=mapping, now=datetime(2025, 12, 1, 12, tzinfo=timezone.utc))
    moved = [list(r) for r in IG_ROWS]
    moved[1][5] = "Open-Resolved"
    moved[0][5] = "Closed"
    path2, _ = ig_sheet(tmp_path, rows=moved)
    app.import_sources([path2], mapping=mapping, now=datetime(2026, 2, 10, 12, tzinfo=timezone.utc))
    rep = report_service.semiannual(app.db, date(2026, 3, 31))
    assert (rep.start, rep.end) == (date(2025, 10, 1), date(2026, 3, 31))
    cats = {(r[1], r[3]): r[0] for r in rep.rows}
    assert cats == {("OIG-25-07", 1): "closed", ("OIG-25-07", 2): "resolved; open", ("OIG-26-02", 1): "opened"}
    assert rep.counts == {"opened": 1, "resolved": 1, "closed": 1, "open": 1}
    assert rep.questioned_costs == 16500.0 and rep.funds_for_better_use == 3000.0
    with pytest.raises(ValueError, match="semiannual period"):
        report_service.semiannual(app.db, date(2026, 6, 30))


def test_cli_reports_have_help_and_one_line_errors(sqlite_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()
    for args in (["report", "giaa", "--help"], ["report", "semiannual", "--help"], ["clocks", "--help"],
                 ["clock", "done", "--help"], ["justify", "--help"]):
        assert runner.invoke(main, args).exit_code == 0
    r = runner.invoke(main, ["--database", sqlite_url, "report", "semiannual", "--period", "2026-06-30"])
    assert r.exit_code == 2 and "March 31 or September 30" in r.output
    r = runner.invoke(main, ["--database", sqlite_url, "clock", "done", "GAO-99-1"])
    assert r.exit_code == 1 and "no report numbered" in r.output


def test_gaos_own_xlsx_through_the_shipped_mapping(app, tmp_path):
    from openpyxl import Workbook

    import config

    wb = Workbook()
    ws = wb.active
    ws.append(["Title: Download of GAO Recommendation Results"])
    ws.append(["Source: GAO recommendations database, status as of Sep 28, 2026"])
    ws.append([])
    ws.append(["Publication Name", "Publication  Number", "Date Publication Issued", "Director Name",
               "Director Phone", "Agency", "Recommendation", "Status", "Priority", "Comments", "Topics"])
    ws.append(["Grain Storage: The Department Should Track Silo Inspections", "GAO-24-100001",
               datetime(2024, 2, 1), "Pat Doe", "", "Department of Agriculture",
               "The Secretary should track silo inspections by region. (Recommendation 1)", "Open--Partially Addressed",
               "Yes", "The department expected to finish the tracker by June 2026.", "Agriculture"])
    path = tmp_path / "gao.xlsx"
    wb.save(path)
    mapping = Mapping.load(Path(config.__file__).parent / "mappings" / "gao-xls.toml")
    app.import_sources([str(path)], mapping=mapping, now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    v = next(iter(keys_by_text(app).values()))
    assert (v.report_number, v.rec_number, v.status, v.priority, v.issuer) == (
        "GAO-24-100001", 1, "Open – Partially Addressed", True, "gao")
    assert v.text == "The Secretary should track silo inspections by region." and v.current_due == date(2026, 6, 30)
    assert v.report_published == date(2024, 2, 1)
    Mapping.load(Path(config.__file__).parent / "mappings" / "oversight-gov.toml")


def test_newcomer_mistakes_get_one_useful_line(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    runner = CliRunner()
    # a mistyped header is named, even with a title row above the header
    path, _ = ig_sheet(tmp_path, xlsx=True, header=[h.replace("Target Completion", "Target Complete")
                                                    for h in IG_HEADER])
    r = runner.invoke(main, ["--database", sqlite_url, "import", "--mapping", str(tmp_path / "oig.toml"), path])
    assert r.exit_code == 1 and "no column headed 'Target Completion'" in r.output and r.output.count("\n") == 1
    # TBD is no date; a bad date names the formats
    rows = [list(x) for x in IG_ROWS]
    rows[0][6] = "TBD"
    path, _ = ig_sheet(tmp_path, rows=rows)
    r = runner.invoke(main, ["--database", sqlite_url, "import", "--mapping", str(tmp_path / "oig.toml"), path])
    assert r.exit_code == 0, r.output
    rows[0][6] = "next spring"
    path, _ = ig_sheet(tmp_path, rows=rows)
    r = runner.invoke(main, ["--database", sqlite_url, "import", "--mapping", str(tmp_path / "oig.toml"), path])
    assert r.exit_code == 1 and "'next spring', not a date (2026-06-30, 6/30/2026" in r.output
    # a CSV that is not GAO's says --mapping
    r = runner.invoke(main, ["--database", sqlite_url, "import", path])
    assert r.exit_code == 1 and "--mapping" in r.output
    # a report into a folder that does not exist: one line, no traceback
    r = runner.invoke(main, ["--database", sqlite_url, "report", "giaa", "--format", "docx", "-o",
                             str(tmp_path / "no" / "such" / "x.docx")])
    assert r.exit_code == 1 and "cannot write" in r.output and "Traceback" not in r.output
    # CSV on standard output has no byte-order mark; the GIAA notes say what was left out for want of a date
    r = runner.invoke(main, ["--database", sqlite_url, "report", "giaa", "--as-of", "2027-01-15"])
    assert r.output.startswith("report_number,")
    app = Gaorec(Settings(database_url=sqlite_url, _env_file=None))
    page = tmp_path / "page.txt"
    page.write_text("Department of Examples\n\nOpen Recommendations (1 total)\n\nFleet Cards: Controls Need Work\n"
                    "Show\n1 Open Recommendations\nAgency Affected Recommendation Status\nDepartment of Examples "
                    "The Secretary should reconcile statements. (Recommendation 1)\nOpen\n\n"
                    "The department said it would finish by March 2025.\n")
    try:
        app.import_sources([str(page)])
    except Exception:  # noqa: BLE001 - the page format is not the point; the note is
        pytest.skip("the hand-written agency page did not parse")
    notes = report_service.giaa(app.db, date(2027, 1, 15)).table().notes
    assert any("report's date is unknown" in n for n in notes)
    app.db.dispose()


def test_a_giaa_list_for_a_past_day_says_its_statuses_are_todays(app, tmp_path):
    app.import_sources([gao_export(tmp_path / "export.csv", ROWS)], now=datetime(2026, 9, 29, 12, tzinfo=timezone.utc))
    past = report_service.giaa(app.db, date(2026, 1, 15), today=date(2026, 11, 29)).table().notes
    coming = report_service.giaa(app.db, date(2027, 1, 15), today=date(2026, 11, 29)).table().notes
    assert any("are the ones gaorec holds today, not as they stood on 2026-01-15" in n for n in past)
    assert not any("holds today" in n for n in coming)
