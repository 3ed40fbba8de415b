"""Our own GAO-format fixtures: HTML with and without the known classes, and bad input."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from bot.gao.parse import parse
from bot.gao.records import ParseError, normalize_report_number, normalize_status

from .conftest import FIXTURES


def load(name: str):
    return parse((FIXTURES / name).read_bytes(), name)


def test_agency_page_html():
    r = load("agency-page.html")
    assert r.format == "agency-page-html"
    a, b, c = r.recommendations
    assert (a.report.number, a.number, a.status) == ("GAO-24-900101", 2, "Open")
    assert a.text.endswith("late awards & reports them monthly.")  # entity decoded, number split off
    assert a.comments == "In May 2025, the office said it expects to deploy the tracker by December 31, 2025."
    assert a.report.url == "https://www.gao.gov/products/gao-24-900101"
    assert (c.report.number, c.priority, c.status) == ("GAO-25-900202", True, "Open – Partially Addressed")
    assert not c.text.startswith("Priority")


def test_report_page_html():
    r = load("report-page.html")
    assert r.format == "report-page-html"
    recs = r.recommendations
    assert {x.report.number for x in recs} == {"GAO-24-900101"}
    assert recs[0].report.published == date(2024, 3, 5)
    assert recs[0].report.title == "Grant Oversight: Example Office Should Track Award Closeouts"
    assert [x.status for x in recs] == ["Closed – Implemented", "Open", "Open"]
    assert recs[2].agency == "Congress" and recs[2].number is None


def test_html_without_classes_degrades_to_text():
    r = load("agency-page-plain.html")
    assert r.format == "agency-page-html"
    assert [(x.number, x.status) for x in r.recommendations] == [(1, "Open"), (2, "Open")]
    assert r.recommendations[0].comments.startswith("The office agreed")


def test_listing_html():
    r = load("listing.html")
    (x,) = r.recommendations
    assert r.format == "listing-html" and x.report.number == "GAO-23-900303"
    assert x.comments.startswith("As of March 2025")


@pytest.mark.parametrize("name, data, message", [
    ("error-403.html", None, "error page"),
    ("empty.txt", b"", "empty file"),
    ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    ("notes.txt", b"Meeting notes\nNothing about GAO here.\n", "unknown format"),
    ("denied.txt", b"Access Denied\nYou don't have permission to access this server.", "error page"),
])
def test_bad_input_is_one_line_naming_the_source(name, data, message):
    with pytest.raises(ParseError) as exc:
        if data is None:
            load(name)
        else:
            parse(data, name)
    text = str(exc.value)
    assert text.startswith(name + ":") and message in text and "\n" not in text


def test_broken_csv_row_names_the_line():
    with pytest.raises(ParseError) as exc:
        load("broken.csv")
    assert str(exc.value).startswith("broken.csv:3: expected 11 fields, found 8")


def test_csv_newlines_inside_fields_and_entities():
    data = ('"Title: Download of GAO Recommendation Results",,,,,,,\n"Prepared by: GAO",,,,,,,\n'
            '"Source: GAO recommendations database, status as of Jan 2, 2026 at 1:00 PM EST" ,,,,,,,\n'
            ',,,,,,,,\n,,,,,,,,\n'
            '"Publication Name","Publication  Number","Date Publication Issued","Director Name","Director Phone",'
            'Agency,Recommendation,Status,Priority,Comments,Topics\n'
            '"Roads &amp; Bridges:\nA Two-Line Title",GAO-26-900404,"Jan 2, 2026","B. Director",,'
            '"Department of Example &amp; Testing","Fix the bridges. (Recommendation 2)",Open--Partially Addressed,Yes,'
            '"First paragraph.\n\nSecond paragraph, with ""quotes"".","Infrastructure"\n')
    r = parse(data.encode(), "x.csv")
    (x,) = r.recommendations
    assert x.report.title == "Roads & Bridges: A Two-Line Title"
    assert x.agency == "Department of Example & Testing" and x.number == 2 and x.priority
    assert x.status == "Open – Partially Addressed" and x.topics == ("Infrastructure",)
    assert x.comments == 'First paragraph.\n\nSecond paragraph, with "quotes".'
    assert str(r.as_of) == "2026-01-02"


def test_url_header_of_stored_copies_is_skipped():
    body = (FIXTURES / "agency-page.html").read_text()
    r = parse(f"URL: https://www.gao.gov/agencies/x\n\n{body}", "stored")
    assert len(r.recommendations) == 3


@pytest.mark.parametrize("raw, canonical", [
    ("Open", "Open"), ("open", "Open"), ("Open--Partially Addressed", "Open – Partially Addressed"),
    ("Open – Partially Addressed", "Open – Partially Addressed"), ("Closed-Implemented", "Closed – Implemented"),
    ("Closed – Not Implemented", "Closed – Not Implemented"), ("Pending", None),
])
def test_status_spellings(raw, canonical):
    assert normalize_status(raw) == canonical


def test_report_numbers():
    assert normalize_report_number("/products/gao-23-105255") == "GAO-23-105255"
    assert normalize_report_number("GAO-02-47T") == "GAO-02-47T"
    assert normalize_report_number("nothing") is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_parser_never_crashes_on_text(junk):
    try:
        parse(junk, "fuzz")
    except ParseError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "Open Recommendations (3 total)", "Show", "1 Open Recommendations", "Agency Affected Recommendation Status",
    "Department of Examples The Secretary should act. (Recommendation 1)", "Open", "Priority Rec.",
    "Comments: x", "Status: Open", "Agency: Department of Examples", "GAO-20-123, Sep 24, 2020", "",
    "A report title: with a colon", "It will be done by March 2024.", '"Publication Name",x', "<div>", "|",
]), max_size=40))
def test_parser_never_crashes_on_shuffled_structure(lines):
    try:
        parse("\n".join(lines), "fuzz")
    except ParseError:
        pass
