"""Every real GAO sample in ../shared/gao parses: whole entries come back
whole, cut ones are counted and never returned as whole."""
from __future__ import annotations

import re

import pytest

from bot.gao.parse import parse
from bot.gao.records import ParseError

from .conftest import CSV_EXCERPT, SHARED, needs_shared
from .conftest import SHARED_CBP_PAGE as CBP_PAGE  # the real page, as GAO serves it

pytestmark = needs_shared()

EXCERPTS = sorted((SHARED / "excerpts").glob("*.txt")) if SHARED.exists() else []


def index_rows() -> dict[str, list[str]]:
    rows = {}
    for line in (SHARED / "excerpts" / "INDEX.md").read_text().splitlines():
        cols = [c.strip() for c in line.split("|")]
        if len(cols) > 7 and re.fullmatch(r"\d\d", cols[1]):
            rows[cols[2]] = cols
    return rows


@pytest.mark.parametrize("path", EXCERPTS, ids=lambda p: p.name[:2])
def test_excerpt_whole_entries(path):
    cols = index_rows()[path.name]
    entries = cols[6]
    result = parse(path.read_bytes(), path.name)
    m = re.match(r"(\d+) whole(?: record)?(?: \+ (\d+) cut)?", entries)
    if m:
        assert len(result.recommendations) == int(m.group(1)), entries
        for rec in result.recommendations:
            assert rec.agency and rec.status and rec.comments, rec
            # the number comes back whenever the text carries one
            raw = path.read_text()
            if rec.number is not None:
                assert f"(Recommendation {rec.number}" in raw
        # a cut entry may be as short as "United States Customs and B": it is never returned,
        # and counted in result.cut when enough of it survives to be recognised
        assert result.cut <= int(m.group(2) or 0)
    elif entries.startswith("6 rows"):
        assert [r.number for r in result.recommendations] == [1, 2, 3, 4, 5, 6]
        assert all(r.agency and r.text for r in result.recommendations)
    else:
        assert result.recommendations == []


def test_excerpt_numbers_unordered_and_repeated_titles():
    r = parse((SHARED / "excerpts" / "01-agency-cbp.txt").read_bytes(), "01")
    assert [x.number for x in r.recommendations] == [2, 1, 3]
    assert len({x.report.title for x in r.recommendations}) == 1


def test_no_status_variant_gets_open():
    r = parse((SHARED / "excerpts" / "10-agency-faa-gaotest-no-status.txt").read_bytes(), "10")
    assert [x.number for x in r.recommendations] == [1, 6, 4, 2]
    assert {x.status for x in r.recommendations} == {"Open"}


def test_listing_cut_comment_is_flagged():
    r = parse((SHARED / "excerpts" / "19-recdb-2023-doj-priority.txt").read_bytes(), "19")
    (rec,) = r.recommendations
    assert rec.priority and rec.comments_cut and rec.agency == "Department of Labor"


def test_partially_addressed_status_and_no_number():
    r = parse((SHARED / "excerpts" / "22-recdb-2024-hud-priority-page19.txt").read_bytes(), "22")
    (rec,) = r.recommendations
    assert rec.status == "Open – Partially Addressed" and rec.number is None and rec.priority


def test_2020_style_has_report_number_and_component():
    r = parse((SHARED / "excerpts" / "24-recdb-2020-cbp-agency.txt").read_bytes(), "24")
    assert [(x.report.number, x.agency) for x in r.recommendations] == [
        ("GAO-20-692", "United States Customs and Border Protection"),
        ("GAO-20-568", "United States Customs and Border Protection"),
    ]


def test_cbp_page_has_ten():
    r = parse(CBP_PAGE.read_bytes(), "cbp")
    assert r.format == "agency-page" and r.cut == 0
    assert len(r.recommendations) == 10
    assert sum(1 for x in r.recommendations if x.number is None) == 1  # the hiring plan has no number
    assert "19 U.S.C. ? 1592(d)" in r.recommendations[0].comments


def test_csv_excerpt_three_agencies_and_entities():
    r = parse(CSV_EXCERPT.read_bytes(), "csv")
    assert r.format == "csv-export" and str(r.as_of) == "2026-09-28"
    rec1 = [x for x in r.recommendations if x.report.number == "GAO-22-104824" and x.number == 1]
    assert sorted(x.agency for x in rec1) == ["Department of Energy", "Department of the Interior",
                                              "Office of Science and Technology Policy"]
    cms = [x for x in r.recommendations if "Medicaid" in x.agency]
    assert cms and all(x.agency == "Centers for Medicare & Medicaid Services" for x in cms)
    assert not any("&amp;" in (x.comments or "") + (x.text or "") + (x.report.title or "") for x in r.recommendations)
    assert {x.status for x in r.recommendations} <= {"Open", "Open – Partially Addressed"}


def test_flattened_csv_excerpt():
    r = parse((SHARED / "excerpts" / "38-csv-open-recs2-dod-priority.txt").read_bytes(), "38")
    (rec,) = r.recommendations
    assert rec.report.number == "GAO-23-105346" and rec.number == 3 and rec.priority
    assert r.cut == 1


def test_report_page_excerpt_has_header_but_no_table():
    r = parse((SHARED / "excerpts" / "36-report-gao-20-536.txt").read_bytes(), "36")
    assert r.format == "report-page" and r.recommendations == []


def test_every_shared_file_parses_without_error():
    for path in [CBP_PAGE, CSV_EXCERPT, *EXCERPTS]:
        try:
            parse(path.read_bytes(), path.name)
        except ParseError as exc:  # pragma: no cover - the assertion explains
            pytest.fail(f"{path.name}: {exc}")
