"""GAO's files read strictly: every spelling of GAO's numbers, matters for
Congress apart from recommendations, and CSV exports that are cut, relabelled
or wrongly encoded refused with one line, leaving the database as it was.

The core runs on tests/fixtures/export-markers.csv (our own words in GAO's
export format); the real 35-record excerpt in ../shared is read the same way."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.gao.parse import parse
from bot.gao.records import ParseError, kind_of
from bot.gao.text import Marker, split_marker
from storage import models

from .conftest import FIXTURES, SHARED, needs_shared
from bot.services.records import record_json

MARKERS = FIXTURES / "export-markers.csv"
EXCERPT_35 = SHARED / "export-2026-09-28-excerpt-35.csv"


# -- the marker, in every spelling ---------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("Do it. (Recommendation 3)", Marker("Do it.", "recommendation", 3)),
    ("Do it. (Recommendations 5)", Marker("Do it.", "recommendation", 5)),
    ("Do it. [Recommendation 1]", Marker("Do it.", "recommendation", 1)),
    ("Do it (recommendation 1)", Marker("Do it", "recommendation", 1)),
    ("Do it. (Recommendation 1.)", Marker("Do it.", "recommendation", 1)),
    ("Do it. (Recommendation 9", Marker("Do it.", "recommendation", 9)),
    ("Do it. (Recommendation 3).", Marker("Do it.", "recommendation", 3)),
    ("Do it. (Recommendation 19-01)", Marker("Do it.", "recommendation", None, "19-01")),
    ("Consider it. (Matter 4)", Marker("Consider it.", "matter", 4)),
    ("Consider it. (Matter for Consideration 1)", Marker("Consider it.", "matter", 1)),
    ("Consider it. (Matter for Congressional Consideration)", Marker("Consider it.", "matter")),
    ("Consider it.", Marker("Consider it.")),
    # a number inside the text is not the marker; only the end of the text counts
    ("Unlike Recommendation 5, do this. (Recommendation 6)", Marker("Unlike Recommendation 5, do this.",
                                                                    "recommendation", 6)),
    ("Report (1) costs and (2) risks.", Marker("Report (1) costs and (2) risks.")),
])
def test_every_spelling_of_gaos_marker(raw, expected):
    assert split_marker(raw) == expected


def test_matters_are_for_congress():
    assert kind_of("matter", "Department of Energy") == "matter"
    assert kind_of(None, "Congress") == "matter"
    assert kind_of("recommendation", "Congress") == "matter"
    assert kind_of(None, "Department of Energy", matter_section=True) == "matter"
    assert kind_of(None, "Department of Energy") == kind_of("recommendation", "X") == "recommendation"


# -- the CSV export, read strictly ---------------------------------------------

# (line, report, kind, number or label) of each record of the fixture, as a careful reader numbers them
FIXTURE_EXPECTED = [
    (7, "GAO-25-900601", "recommendation", 1),
    (9, "GAO-25-900601", "recommendation", 2),      # "(Recommendations 2)"
    (10, "GAO-25-900601", "recommendation", 3),     # "[Recommendation 3]"
    (11, "GAO-25-900601", "recommendation", 4),     # "(recommendation 4)", no period before it
    (12, "GAO-25-900601", "recommendation", 5),     # "(Recommendation 5.)"
    (13, "GAO-25-900601", "recommendation", 6),     # "(Recommendation 6" without its parenthesis
    (14, "GAO-19-900602R", "recommendation", "19-02"),
    (15, "GAO-24-900603", "matter", 1),             # "(Matter 1)"
    (16, "GAO-24-900603", "matter", 2),             # "(Matter for Consideration 2)"
    (17, "GAO-24-900603", "recommendation", 1),     # numbered apart from Matter 1 of the same report
    (18, "GAO-23-900604", "matter", None),          # "(Matter for Congressional Consideration)"
    (19, "GAO-03-900605T", "matter", None),         # Congress, no marker at all
    (22, "GAO-26-900606", "recommendation", 1),     # after the duplicated row (line 20)
]


def read(data: bytes, name: str = "export.csv"):
    return parse(data, name)


def markers_bytes() -> bytes:
    return MARKERS.read_bytes()


def test_fixture_records_and_their_numbers():
    r = read(markers_bytes())
    got = [(x.line, x.report.number, x.kind, x.number if x.number is not None else x.label)
           for x in r.recommendations]
    assert got == FIXTURE_EXPECTED
    assert r.as_of == date(2026, 10, 1)
    # the marker never stays in the text
    assert not any("ecommendation" in (x.text or "")[-25:] or "Matter" in (x.text or "")[-40:]
                   for x in r.recommendations)


def test_duplicated_row_is_read_once_and_reported():
    r = read(markers_bytes())
    assert r.duplicates == 1
    assert "1 duplicated row (line 20) read once" in r.notes


def test_same_entry_with_other_content_is_reported():
    text = markers_bytes().decode()
    lines = text.split("\r\n")
    changed = lines[6].replace("The office agreed with this recommendation.", "The office disagreed.")
    r = read("\r\n".join(lines + [changed]).encode())
    assert any("repeats line 7" in n and "recommendation 1" in n for n in r.notes), r.notes


def test_entities_decoded_exactly_once_and_gaos_whitespace_kept():
    recs = {(x.report.number, x.kind, x.number): x for x in read(markers_bytes()).recommendations}
    roads = recs[("GAO-26-900606", "recommendation", 1)]
    assert roads.agency == "Office of Roads & Bridges"
    assert roads.report.title == "Roads & Bridges: The Example Roads Office Should Share Inspection Results"
    assert "R&amp;D unit" in roads.comments  # "&amp;amp;" is "&amp;" once decoded, not "&"
    harbor = recs[("GAO-25-900601", "recommendation", 1)]
    assert harbor.comments == ("The office agreed with this recommendation.  In May 2025, it said it would "
                               "finish a repair tracker by December 2025.\nWe will update the status when we "
                               "confirm the tracker is in use.")


def one_line_refusal(data: bytes, name: str, line: int | None, *words: str) -> str:
    with pytest.raises(ParseError) as exc:
        read(data, name)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"{name}:{line}: " if line else f"{name}: "), msg
    for w in words:
        assert w in msg, msg
    return msg


def test_cut_inside_the_last_field_is_refused():
    data = markers_bytes()
    assert data.endswith(b'"Transportation"')
    one_line_refusal(data[:-4], "cut.csv", 22, "cut")


def test_cut_inside_a_middle_field_of_the_last_record_is_refused():
    data = markers_bytes()
    cut = data[: data.rindex(b'"The office\'s R&amp;amp;D') + 15]
    one_line_refusal(cut, "cut.csv", 22, "cut")


def test_cut_between_fields_of_the_last_record_is_refused():
    data = markers_bytes()
    cut = data[: data.rindex(b",Open,Yes,") + len(b",Open")]
    one_line_refusal(cut, "cut.csv", 22, "the last record has 8 of 11 fields", "cut")


def test_cut_short_unquoted_last_field_is_refused():
    text = markers_bytes().decode().replace('"Transportation"', "Transportation")
    read(text.encode())  # whole: fine
    one_line_refusal(text[:-3].encode(), "cut.csv", 22, "cut short")


@pytest.mark.parametrize("old, new, column", [
    ("Agency,Recommendation", "Recommendation,Agency", "Agency"),
    ("Status,Priority", "Priority,Status", "Status"),
    ('"Director Name","Director Phone"', '"Director Phone","Director Name"', "Director"),
    ('"Publication Name","Publication  Number"', '"Publication  Number","Publication Name"', "Publication Number"),
    ("Comments,Topics", "Topics,Comments", "Topics"),
])
def test_swapped_header_labels_are_refused(old, new, column):
    text = markers_bytes().decode()
    assert old in text
    one_line_refusal(text.replace(old, new, 1).encode(), "swapped.csv", 7, f"column '{column}", "swapped")


@pytest.mark.parametrize("old, new, words", [
    (",Status,", ",State,", ("lacks GAO's column 'Status'",)),
    ("Agency,Recommendation", "Agency,Agency", ("names column 'Agency' twice",)),
])
def test_headers_that_are_not_gaos_are_refused(old, new, words):
    text = markers_bytes().decode()
    one_line_refusal(text.replace(old, new, 1).encode(), "other.csv", 6, *words)


def test_unknown_extra_column_is_noted_not_read():
    lines = markers_bytes().decode().split("\r\n")
    lines = [ln + ("," + (",Extra" if i == 5 else ",x") if i >= 5 else "") for i, ln in enumerate(lines)]
    r = read("\r\n".join(lines).encode())
    assert len(r.recommendations) == 13
    assert any("'Extra'" in n for n in r.notes)


def test_stray_byte_in_a_utf8_file_is_refused_naming_its_line():
    data = markers_bytes()
    assert "Núñez".encode() in data  # the file holds UTF-8 characters
    at = data.index(b"Office of Example Grants")
    line = data.count(b"\n", 0, at) + 1
    one_line_refusal(data[:at] + b"\x92" + data[at:], "stray.csv", line, "0x92", "not UTF-8")


def test_all_windows_1252_file_is_read_without_garbling():
    data = markers_bytes().decode().encode("cp1252")
    assert b"N\xfa\xf1ez" in data
    r = read(data)
    assert {x.report.director for x in r.recommendations if x.report.number == "GAO-24-900603"} == {"José Q. Núñez"}
    assert not any("Ã" in (x.report.director or "") for x in r.recommendations)


def test_byte_undefined_in_windows_1252_is_refused():
    data = markers_bytes().decode().encode("cp1252").replace(b"Pat Q.", b"Pat \x81.", 1)
    one_line_refusal(data, "bad.csv", 7, "0x81", "neither UTF-8 nor Windows-1252")


# -- the database: both kinds, and refusals change nothing ----------------------

def snapshot(app) -> dict:
    with app.db.session() as s:
        recs = sorted(s.execute(select(
            models.Recommendation.key, models.Recommendation.ident, models.Recommendation.kind,
            models.Recommendation.number, models.Recommendation.label, models.Recommendation.agency,
            models.Recommendation.status, models.Recommendation.text, models.Recommendation.comments)).all())
        counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in
                  (models.Report, models.StatusEvent, models.Promise, models.Slip, models.ImportRun)}
    return {"recs": [tuple(r) for r in recs], "counts": counts}


def by_identity(app) -> dict:
    with app.db.session() as s:
        rows = s.execute(select(models.Report.number, models.Recommendation.kind, models.Recommendation.number,
                                models.Recommendation.label, models.Recommendation.agency, models.Recommendation.key)
                         .join(models.Report)).all()
    return {(r[0], r[1], r[2] if r[2] is not None else r[3], r[4]): r[5] for r in rows}


def test_import_fixture_kinds_labels_and_json(app, tmp_path):
    s = app.import_sources([str(MARKERS)])
    assert (s.new, s.changed, s.unchanged) == (13, 0, 0)
    assert s.sources[0].duplicates == 1 and "1 duplicated row (line 20) read once" in s.sources[0].notes
    ids = by_identity(app)
    assert sorted((n, k, lab) for n, k, lab, _ in ids) == sorted((n, k, lab) for _, n, k, lab in FIXTURE_EXPECTED)
    label_key = ids[("GAO-19-900602R", "recommendation", "19-02", "Example Revenue Office")]
    j = record_json(app.show(label_key), date(2026, 11, 1))
    assert (j["kind"], j["rec_number"], j["rec_label"]) == ("recommendation", None, "19-02")
    j = record_json(app.show(ids[("GAO-24-900603", "matter", 1, "Congress")]), date(2026, 11, 1))
    assert (j["kind"], j["rec_number"], j["rec_label"]) == ("matter", 1, None)
    j = record_json(app.show(ids[("GAO-24-900603", "recommendation", 1, "Office of Example Grants")]),
                        date(2026, 11, 1))
    assert (j["kind"], j["rec_number"]) == ("recommendation", 1)


def test_gao_normalizing_its_markers_adds_no_record(app, tmp_path):
    app.import_sources([str(MARKERS)])
    before = by_identity(app)
    text = markers_bytes().decode()
    for odd, plain in (("(Recommendations 2)", "(Recommendation 2)"), ("[Recommendation 3]", "(Recommendation 3)"),
                       ("(recommendation 4)", "(Recommendation 4)"), ("(Recommendation 5.)", "(Recommendation 5)"),
                       ('(Recommendation 6"', '(Recommendation 6)"'),
                       ("(Matter for Consideration 2)", "(Matter 2)"),
                       ("(Recommendation 19-02)", "(Recommendation 19-02)")):
        assert odd in text
        text = text.replace(odd, plain)
    p = tmp_path / "normalized.csv"
    p.write_bytes(text.encode())
    s = app.import_sources([str(p)])
    assert (s.new, s.changed, s.unchanged) == (0, 0, 13)
    assert by_identity(app) == before


def variant(tmp_path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def bad_variants() -> dict[str, callable]:
    def cut(d):
        return d[:-4]

    def swapped(d):
        return d.replace(b"Agency,Recommendation", b"Recommendation,Agency", 1)

    def stray(d):
        at = d.index(b"Office of Example Grants")
        return d[:at] + b"\x92" + d[at:]

    def relabelled(d):
        return d.replace(b",Status,", b",State,", 1)

    return {"cut": cut, "swapped": swapped, "stray-byte": stray, "not-gaos-header": relabelled}


@pytest.mark.parametrize("kind", list(bad_variants()))
def test_bad_export_changes_nothing(app, tmp_path, kind):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    before = snapshot(app)
    good_then_bad = [str(MARKERS), variant(tmp_path, f"{kind}.csv", bad_variants()[kind](markers_bytes()))]
    with pytest.raises(ParseError) as exc:
        app.import_sources(good_then_bad)
    assert f"{kind}.csv:" in str(exc.value) and "\n" not in str(exc.value)
    assert snapshot(app) == before


def test_windows_1252_export_imports_without_garbling(app, tmp_path):
    s = app.import_sources([variant(tmp_path, "ansi.csv", markers_bytes().decode().encode("cp1252"))])
    assert s.new == 13
    with app.db.session() as ses:
        directors = set(ses.scalars(select(models.Report.director)))
    assert "José Q. Núñez" in directors and not any("Ã" in (d or "") for d in directors)
    # the same export as UTF-8 afterwards: nothing new, nothing changed
    s = app.import_sources([str(MARKERS)])
    assert (s.new, s.changed) == (0, 0)


# -- the real 35-record excerpt (../shared) -----------------------------------------

# Read record by record: (report, agency, kind, number or label). Line numbers are the record's first line.
EXPECTED_35 = [
    ("GAO-26-108061", "Department of State", "recommendation", 4),
    ("GAO-26-108061", "Department of Justice", "recommendation", 3),
    ("GAO-26-108061", "Department of Homeland Security", "recommendation", 2),
    ("GAO-26-107830", "Congress", "matter", 1),                      # "(Matter for Consideration 1)"
    ("GAO-26-108623", "Food and Drug Administration", "recommendation", 2),
    ("GAO-26-108127", "Cybersecurity and Infrastructure Security Agency", "recommendation", 1),
    ("GAO-26-108017", "Centers for Medicare & Medicaid Services", "recommendation", 2),
    ("GAO-26-109121", "Department of Commerce", "recommendation", 3),
    ("GAO-26-107946", "Centers for Medicare & Medicaid Services", "recommendation", 3),
    ("GAO-26-107693", "Transportation Security Administration", "recommendation", 1),  # "(recommendation 1)"
    ("GAO-26-108193", "Department of Energy", "recommendation", 2),
    ("GAO-26-107968", "General Services Administration", "recommendation", 2),
    ("GAO-26-107804", "Department of the Navy", "recommendation", 9),  # "(Recommendation 9" unclosed
    ("GAO-26-107343", "Department of Justice", "recommendation", 2),
    ("GAO-26-107955", "Department of Defense", "recommendation", 1),
    ("GAO-26-107972", "Department of Agriculture", "recommendation", 5),  # "(Recommendations 5)"
    ("GAO-26-107698", "Department of Defense", "recommendation", 1),  # "[Recommendation 1]"
    ("GAO-25-107258", "National Nuclear Security Administration", "recommendation", 1),
    ("GAO-25-107470", "Department of Homeland Security", "recommendation", 4),
    ("GAO-25-107470", "Department of Homeland Security", "recommendation", 3),
    ("GAO-25-107053", "Department of Defense", "recommendation", 1),
    ("GAO-25-108085", "Department of Homeland Security", "recommendation", 4),
    ("GAO-25-107165", "Congress", "matter", None),  # "(Matter for Congressional Consideration)": no number
    ("GAO-24-106937", "Congress", "matter", 4),  # "(Matter 4)"
    ("GAO-24-106182", "Department of Defense", "recommendation", 3),
    ("GAO-23-105395", "Internal Revenue Service", "recommendation", 15),
    ("GAO-23-105211", "U.S. Agency for International Development", "recommendation", 1),
    ("GAO-23-104721", "Department of Health and Human Services", "recommendation", 2),
    ("GAO-23-104721", "Department of Health and Human Services", "recommendation", 1),  # "(Recommendation 1.)"
    ("GAO-22-104824", "Department of Energy", "recommendation", 1),
    ("GAO-22-104824", "Department of the Interior", "recommendation", 1),
    ("GAO-22-104824", "Office of Science and Technology Policy", "recommendation", 1),
    ("GAO-21-265", "Food and Drug Administration", "recommendation", 5),
    ("GAO-19-412R", "Internal Revenue Service", "recommendation", "19-01"),  # "(Recommendation 19-01)"
    ("GAO-02-47T", "Congress", "matter", None),  # a matter with no marker at all
]

NORMALIZED = (("(Recommendations 5)", "(Recommendation 5)"), ("[Recommendation 1]", "(Recommendation 1)"),
              ("(Recommendation 1.)", "(Recommendation 1)"))


@needs_shared(EXCERPT_35)
def test_excerpt_35_numbers_as_a_careful_reader_gives_them():
    r = parse(EXCERPT_35.read_bytes(), EXCERPT_35.name)
    got = [(x.report.number, x.agency, x.kind, x.number if x.number is not None else x.label)
           for x in r.recommendations]
    assert got == EXPECTED_35
    assert sum(1 for *_, n in got if n is not None) == 33
    assert r.duplicates == 0 and r.notes == [] and r.as_of == date(2026, 9, 28)
    assert any("\u200b" in x.comments for x in r.recommendations)  # GAO's text as written


@needs_shared(EXCERPT_35)
def test_excerpt_35_imports_35_and_a_normalized_copy_adds_none(app, tmp_path):
    s = app.import_sources([str(EXCERPT_35)])
    assert (s.new, s.changed, s.unchanged) == (35, 0, 0)
    before = snapshot(app)
    text = EXCERPT_35.read_text(encoding="utf-8")
    for odd, plain in NORMALIZED:
        assert text.count(odd) == 1
        text = text.replace(odd, plain)
    s = app.import_sources([variant(tmp_path, "normalized.csv", text.encode())])
    assert (s.new, s.changed, s.unchanged) == (0, 0, 35)
    after = snapshot(app)
    assert after["recs"] == before["recs"] and len(after["recs"]) == 35


@needs_shared(EXCERPT_35)
@pytest.mark.parametrize("kind", ["cut", "swapped", "stray-byte"])
def test_excerpt_35_bad_copies_are_refused_and_change_nothing(app, tmp_path, kind):
    data = EXCERPT_35.read_bytes()
    app.import_sources([str(EXCERPT_35)])
    before = snapshot(app)
    if kind == "cut":
        bad, line = data[:-12], 44  # inside the last field ("Business Regulation and Consumer Protection")
    elif kind == "swapped":
        bad, line = data.replace(b"Agency,Recommendation", b"Recommendation,Agency", 1), 7
    else:
        at = data.index("Gómez".encode())
        bad, line = data[:at] + b"\xe9" + data[at:], data.count(b"\n", 0, at) + 1
    path = variant(tmp_path, f"{kind}.csv", bad)
    with pytest.raises(ParseError) as exc:
        app.import_sources([path])
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: ") and "\n" not in msg, msg
    assert snapshot(app) == before


@needs_shared(EXCERPT_35)
def test_excerpt_35_as_windows_1252_reads_without_garbling(app, tmp_path):
    text = EXCERPT_35.read_text(encoding="utf-8").replace("\u200b", "")  # not in Windows-1252
    s = app.import_sources([variant(tmp_path, "ansi.csv", text.encode("cp1252"))])
    assert s.new == 35
    with app.db.session() as ses:
        directors = set(ses.scalars(select(models.Report.director)))
        texts = list(ses.scalars(select(models.Recommendation.text)))
    assert "J. Alfredo Gómez" in directors
    assert any("criteria—including" in (t or "") for t in texts) and not any("â€" in (t or "") for t in texts)
