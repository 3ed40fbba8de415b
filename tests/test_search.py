"""search(): ranked keywords, exact keys and report numbers; no input raises."""
from __future__ import annotations

import pytest

from storage.repo import fts_query

from .conftest import CBP_PAGE, FIXTURES, read_only

HOSTILE = ['"232', "NEAR(", "*", "x" * 3000, "😀", "NOT x", "OPS-306", "a AND OR NOT", "col:232", "^232",
           "(", ")", '""', "'", "-", "232*", "<!channel>", "; DROP TABLE reports; --", "%", "_", "\\", "\x00"]


def test_232_finds_exactly_recommendations_3_and_4(app):
    app.import_sources([str(CBP_PAGE)])
    views, total = app.search("232")
    assert total == 2
    assert sorted(v.rec_number for v in views) == [3, 4]
    assert {v.report_title.split(":")[0] for v in views} == {"Steel and Aluminum Tariffs"}


@pytest.fixture(scope="module")
def cbp(module_db_url):
    """The CBP page, imported once for the hostile queries: they only read (read_only checks it)."""
    with read_only(module_db_url, CBP_PAGE) as app:
        yield app


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_cleanly(cbp, query):
    views, total = cbp.search(query)
    assert isinstance(total, int) and len(views) == min(total, 20) == len({v.key for v in views})
    assert cbp.search("232")[1] == 2  # the query changed nothing


def test_report_number_and_key(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    views, total = app.search("GAO-24-900101")
    assert total == 2 and {v.rec_number for v in views} == {1, 2}
    assert app.search("gao-24-900101")[1] == 2
    key = views[0].key
    assert app.search(key)[0][0].key == key
    assert app.search(key.upper())[0][0].key == key


def test_ranking_puts_title_matches_first(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    views, _ = app.search("records")
    assert views[0].report_title.startswith("Data Quality")


def test_pagination(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    first, total = app.search("Director", limit=2)
    second, _ = app.search("Director", limit=2, offset=2)
    assert total == 3 and len(first) == 2 and len(second) == 1
    assert not {v.key for v in first} & {v.key for v in second}


def test_fts_query_quotes_every_term():
    assert fts_query('"232') == '"232"'
    assert fts_query("NEAR( x") == '"NEAR" "x"'
    assert fts_query("OPS-306") == '"OPS-306"'
    assert fts_query("***") is None
