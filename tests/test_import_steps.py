"""The import's steps on hand-written rows, no database (storage/imports/): which report and which record each
entry is (the identity rules, GAO's odd spellings), the snapshot rules, what a complete import unlists, and
what counts as a change."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.gao.records import Recommendation as ParsedRec
from bot.gao.records import Report as ParsedReport
from storage.imports.apply import diff
from storage.imports.complete import unlist
from storage.imports.match import Identities, match_records, rec_ident
from storage.imports.reports import resolve_reports
from storage.imports.rows import Entry, ImportRefused, Record, ReportRow, SourceSummary, Stored

NOW = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
TODAY = date(2026, 12, 1)
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)
ENERGY = "Department of Energy"
REPORT = ReportRow(id=7, number="GAO-24-100007", title="Grid Security", title_norm="grid security",
                   published=date(2024, 1, 5), url=None, director=None, phone=None)


def rec(number: int | None = 1, agency: str = ENERGY, *, status: str | None = "Open", comments: str | None = "Said.",
        text: str | None = "The Secretary should act.", kind: str = "recommendation", label: str | None = None,
        report: ParsedReport | None = None) -> ParsedRec:
    return ParsedRec(report=report or ParsedReport(number=REPORT.number, title=REPORT.title), agency=agency,
                     number=number, text=text, status=status, comments=comments, kind=kind, label=label)


def entry(r: ParsedRec, snap: date | None = NOV, source: int = 0, authoritative: bool = True) -> Entry:
    return Entry(r, authoritative, snap, source)


def stored(id: int, ident: str, *, number: int | None = 1, agency: str = ENERGY, status: str | None = "Open",
           comments: str | None = "Said.", text: str | None = "The Secretary should act.", as_of: date | None = NOV,
           listed: bool = True, issuer: str = "gao", kind: str = "recommendation", report_id: int = 7) -> Stored:
    return Stored(id=id, key=f"k{id}x2", report_id=report_id, ident=ident, number=number, kind=kind, label=None,
                  agency=agency, text=text, status=status, priority=False, comments=comments, comments_cut=False,
                  topics=None, issuer=issuer, target_due=None, questioned_costs=None, funds_for_better_use=None,
                  last_changed=None, current_due=None, as_of=as_of, listed=listed, last_listed=as_of, outcome=None)


def match(entries: list[Entry], *records: Stored):
    return match_records(entries, [REPORT] * len(entries), {(r.report_id, r.ident): r for r in records},
                         now=NOW, today=TODAY)


# -- identity ---------------------------------------------------------------------------------------------

def test_ident_is_number_or_label_and_agency_and_matters_are_numbered_apart():
    assert rec_ident("recommendation", 3, None, "department of energy") == "3|department of energy"
    assert rec_ident("recommendation", None, "19-01", "dhs") == "19-01|dhs"
    assert rec_ident("matter", 4, None, "congress") == "matter 4|congress"
    assert rec_ident("recommendation", None, None, "dhs") is None


def test_a_numbered_entry_is_its_stored_record():
    m = match([entry(rec(1, status="Closed – Implemented"), DEC)], stored(1, "1|department of energy"))
    assert list(m.new) == [] and list(m.touched) == [(7, "1|department of energy")]
    assert m.touched[(7, "1|department of energy")].status == "Closed – Implemented"


def test_one_recommendation_under_two_agencies_is_two_records():
    m = match([entry(rec(1)), entry(rec(1, "Department of Defense"))], stored(1, "1|department of energy"))
    assert list(m.touched) == [(7, "1|department of energy")]
    assert list(m.new) == [(7, "1|department of defense")]


def test_gao_spelling_the_agency_differently_is_the_same_record():
    # GAO-24-100007 Recommendation 1 stored under "Department of Energy"; the new export says "Energy"
    m = match([entry(rec(1, "Energy"), DEC)], stored(1, "1|department of energy"))
    assert m.new == {} and list(m.touched) == [(7, "1|department of energy")]
    assert m.touched[(7, "1|department of energy")].agency == ENERGY  # a filled agency is not replaced


def test_no_respelling_when_the_import_names_two_agencies_for_the_number():
    m = match([entry(rec(1, "Energy")), entry(rec(1, "Department of Defense"))], stored(1, "1|department of energy"))
    assert m.touched == {} and sorted(m.new) == [(7, "1|department of defense"), (7, "1|energy")]


def test_no_respelling_when_two_records_of_that_number_are_stored():
    m = match([entry(rec(1, "Energy"))], stored(1, "1|department of energy"),
              stored(2, "1|department of defense", agency="Department of Defense"))
    assert m.touched == {} and list(m.new) == [(7, "1|energy")]


def test_no_respelling_across_kinds():
    m = match([entry(rec(1, "Energy", kind="matter"))], stored(1, "1|department of energy"))
    assert m.touched == {} and list(m.new) == [(7, "matter 1|energy")]


def test_unnumbered_entries_are_the_nth_distinct_text_of_their_agency_in_their_source():
    a, b = rec(None, text="Plan the  work."), rec(None, text="Staff it.")
    again = rec(None, text="plan the work.")  # spacing and case aside: the same text, the same record
    ids = Identities([], [(7, r) for r in (a, b, again)])
    fresh: set = set()
    got = [ids.of(entry(r), 7, fresh.__contains__) for r in (a, b, again)]
    assert got == ["-|department of energy|1", "-|department of energy|2", "-|department of energy|1"]
    assert ids.of(entry(b, source=1), 7, fresh.__contains__) == "-|department of energy|1"  # another source


def test_a_copy_of_an_entry_in_one_import_is_one_new_record_with_a_fresh_key():
    m = match([entry(rec(2)), entry(rec(2), source=1)], stored(1, "1|department of energy"))
    assert list(m.new) == [(7, "2|department of energy")]
    new = m.new[(7, "2|department of energy")]
    assert new.id is None and new.key not in {"k1x2"} and len(new.key) == 5 and new.first_seen == NOW


# -- snapshots --------------------------------------------------------------------------------------------

def test_an_older_snapshot_is_history_only_and_fills_what_is_missing():
    m = match([entry(rec(1, status="Closed – Implemented", comments="Old words."), OCT)],
              stored(1, "1|department of energy", text=None))
    cur = m.touched[(7, "1|department of energy")]
    assert (cur.status, cur.comments, cur.as_of, cur.text) == ("Open", "Said.", NOV, "The Secretary should act.")
    assert m.older_entries == 1 and [(o.record.id, o.snap) for o in m.older] == [(1, OCT)]


def test_an_older_snapshot_saying_the_same_is_counted_not_kept():
    m = match([entry(rec(1), OCT)], stored(1, "1|department of energy"))
    assert m.older_entries == 1 and m.older == []


def test_an_undated_source_is_now_and_never_older():
    m = match([entry(rec(1, comments="New words."), None)], stored(1, "1|department of energy", as_of=date(2027, 1, 1)))
    cur = m.touched[(7, "1|department of energy")]
    assert (cur.comments, cur.as_of, m.older_entries) == ("New words.", date(2027, 1, 1), 0)
    m = match([entry(rec(1), None)], stored(1, "1|department of energy", as_of=OCT))
    assert m.touched[(7, "1|department of energy")].as_of == TODAY


def test_snapshots_in_one_import_apply_oldest_first():
    m = match([entry(rec(1, comments="November."), NOV), entry(rec(1, comments="December."), DEC)])
    new = m.new[(7, "1|department of energy")]
    assert (new.comments, new.as_of, new.last_listed) == ("December.", DEC, DEC)


def test_a_cut_comment_never_replaces_the_full_one():
    full = "The agency said it would finish by June 2027 and report to Congress."
    m = match([entry(rec(1, comments="The agency said it would finish"), DEC)],
              stored(1, "1|department of energy", comments=full))
    assert m.touched[(7, "1|department of energy")].comments == full


def test_a_newer_snapshot_lists_a_record_again():
    m = match([entry(rec(1), DEC)], stored(1, "1|department of energy", listed=False))
    cur = m.touched[(7, "1|department of energy")]
    assert (cur.listed, cur.outcome, cur.as_of) == (True, None, DEC)


# -- reports ----------------------------------------------------------------------------------------------

def report(id: int | None, number: str | None, title: str, published: date | None = None) -> ReportRow:
    return ReportRow(id, number, title, title.casefold(), published, None, None, None)


def test_the_number_arrives_for_a_report_known_by_title():
    known = report(3, None, "grid security")
    got = resolve_reports([ParsedReport(number="GAO-24-100007", title="Grid Security", published=date(2024, 1, 5))],
                          [known])
    assert got.of_entry == [known] and got.new == [] and got.changed == [known]
    assert (known.number, known.published, known.title) == ("GAO-24-100007", date(2024, 1, 5), "grid security")


def test_an_unnumbered_entry_takes_the_latest_report_of_its_title():
    old, new = report(3, "GAO-20-1", "grid security", date(2020, 1, 1)), report(4, "GAO-24-2", "grid security",
                                                                               date(2024, 1, 1))
    got = resolve_reports([ParsedReport(title="Grid  Security!")], [new, old])
    assert got.of_entry == [new] and got.new == [] and got.changed == []


def test_new_reports_have_no_id_and_a_stored_one_wins_a_tie():
    stored_one = report(3, "GAO-20-1", "grid security")
    got = resolve_reports([ParsedReport(number="GAO-20-2", title="Grid Security"),
                           ParsedReport(number="GAO-20-3", title="Grid Security"),
                           ParsedReport(title="Grid Security")], [stored_one])
    first, second = got.new
    assert (first.id, first.created, second.created) == (None, 1, 2)
    assert got.of_entry == [first, second, stored_one]
    among_new = resolve_reports([ParsedReport(number="GAO-20-2", title="Grid Security"),
                                 ParsedReport(number="GAO-20-3", title="Grid Security"),
                                 ParsedReport(title="Grid Security")], [])
    assert among_new.of_entry[2] is among_new.new[0]  # among new ones, the first


# -- complete imports and changes -------------------------------------------------------------------------

def test_a_complete_import_unlists_what_it_lacks_and_refuses_more_than_a_quarter():
    records = {(7, f"{i}|department of energy"): stored(i, f"{i}|department of energy", number=i) for i in range(1, 5)}
    ig = stored(9, "9|department of energy", number=9, issuer="oig")
    records[(7, ig.ident)] = ig
    sources = [SourceSummary("dec.csv", "csv-export", 3, 0, as_of=DEC)]
    entries = [entry(rec(i), DEC) for i in (1, 2, 3)]
    touched = {(7, f"{i}|department of energy"): Record(*records[(7, f"{i}|department of energy")])
               for i in (1, 2, 3)}
    gone = unlist(records, touched, entries, sources, {0}, force=False)
    assert [(r.id, r.listed, r.as_of) for r in gone] == [(4, False, DEC)]  # not the IG's record
    with pytest.raises(ImportRefused, match=r"^dec\.csv: declared complete, but 2 of the 4 listed open "):
        unlist(records, dict(list(touched.items())[:2]), entries[:2], sources, {0}, force=False)
    assert len(unlist(records, dict(list(touched.items())[:2]), entries[:2], sources, {0}, force=True)) == 2


def test_what_counts_as_a_change():
    old = {(7, f"{i}|x"): stored(i, f"{i}|x", number=i, status="Closed – Implemented" if i == 2 else "Open",
                                 listed=i != 3) for i in (1, 2, 3, 4)}
    touched = {k: Record(*v) for k, v in old.items()}
    touched[(7, "1|x")].comments = " Said.  "  # spacing aside the same comment: changed content, no event
    touched[(7, "2|x")].status = "Open"  # reopened
    touched[(7, "3|x")].listed = True  # listed again, nothing else
    found = diff(old, touched, [], NOW)
    assert [c.id for c in found.changed] == [1, 2]
    assert [(e.recommendation_id, e.kind) for e in found.events] == [(2, "reopened"), (3, "relisted")]
    assert touched[(7, "2|x")].last_changed == NOW and touched[(7, "1|x")].last_changed is None
    assert found.relisted_keys == ["k3x2"]
