"""Overdue: open, the current promise passed, and no status change since."""
from __future__ import annotations

from datetime import date, datetime, timezone

from .conftest import CBP_PAGE
from bot.services.records import stats

AS_OF = date(2026, 12, 1)
NEW_REC4 = ("As of October 2026, CBP stated that the manual process guidance was issued to the field and that "
            "automation is now funded. CBP estimated that the automated controls would be in place by June 2027.")


def rec4_comment(text: str) -> str:
    marker = "CBP OT will issue updated guidance"
    start = text.index("CBP concurred with GAO's recommendation. "
                       "In commenting on the report, officials said that " + marker)
    end = text.index("\n", start)
    return text[:start] + NEW_REC4 + text[end:]


def test_cbp_page_seven_promises_seven_overdue(app):
    app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    views, total = app.search("CBP")
    with_promise = [v for v in app.overdue(date(2100, 1, 1))]
    assert stats(app.db, AS_OF)["with_promise"] == 7
    overdue = app.overdue(AS_OF)
    got = sorted((v.report_title.split(":")[0], v.rec_number, v.current_promise.phrase) for v in overdue)
    assert got == sorted([
        ("Steel and Aluminum Tariffs", 3, "March 2024"), ("Steel and Aluminum Tariffs", 4, "March 2024"),
        ("Intellectual Property", 1, "fiscal year 2023"), ("Customs and Border Protection", None, "FY2023"),
        ("Facial Recognition Services", 4, "May 2024"), ("Facial Recognition Services", 5, "May 2024"),
        ("Facial Recognition Technology", 10, "June 2024"),
    ])
    assert len(with_promise) == 7


def test_newer_statement_moves_the_date_and_records_a_slip(app, tmp_path):
    app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    changed = tmp_path / "cbp-later.txt"
    changed.write_text(rec4_comment(CBP_PAGE.read_text()))
    s = app.import_sources([str(changed)], now=datetime(2026, 11, 29, 12, tzinfo=timezone.utc))
    assert (s.new, s.changed, s.status_events, s.slips) == (0, 1, 1, 1)
    overdue = app.overdue(AS_OF)
    assert len(overdue) == 6
    assert 4 not in [v.rec_number for v in overdue if v.report_title.startswith("Steel")]
    (rec4,) = [v for v in app.search("232")[0] if v.rec_number == 4]
    rec4 = app.show(rec4.key)
    assert rec4.current_promise.due == date(2027, 6, 30)
    assert rec4.slips == [{"old_due": "2024-03-31", "new_due": "2027-06-30", "observed_at": "2026-11-29T12:00:00Z"}]
    assert len(rec4.status_events) == 1 and rec4.status_events[0]["new_comments"].startswith("As of October 2026")


def test_a_change_observed_after_the_due_date_stops_overdue(app, tmp_path):
    """A comment changed (without a new promise) after the date passed: not overdue any more."""
    app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 28, 12, tzinfo=timezone.utc))
    text = CBP_PAGE.read_text().replace("We will continue to follow up on these efforts.",
                                        "We will continue to follow up on these efforts, and have asked for an update.")
    p = tmp_path / "cbp2.txt"
    p.write_text(text)
    app.import_sources([str(p)], now=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    assert len(app.overdue(AS_OF)) == 6


def test_closed_is_never_overdue(app, tmp_path):
    text = CBP_PAGE.read_text()
    i = text.index("(Recommendation 3)\nOpen\n") + len("(Recommendation 3)\n")
    p = tmp_path / "closed.txt"
    p.write_text(text[:i] + "Closed – Implemented\n" + text[i + len("Open\n"):])
    app.import_sources([str(p)])
    assert len(app.overdue(AS_OF)) == 6


def test_overdue_by_query_and_not_before_the_date(app):
    app.import_sources([str(CBP_PAGE)], now=datetime(2023, 1, 1, tzinfo=timezone.utc))
    assert [v.rec_number for v in app.overdue(AS_OF, "232")] in ([3, 4], [4, 3])
    assert app.overdue(date(2023, 9, 30)) == []  # FY2023 ends that day: not yet passed
    assert len(app.overdue(date(2023, 10, 1))) == 2
