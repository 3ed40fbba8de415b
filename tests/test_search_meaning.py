"""Search finds what people mean: word forms, prefixes, report-number
fragments, filters; exact matches rank first; a typo'd subcommand is caught.
Our own fixture (tests/fixtures/search-page.txt) on SQLite and PostgreSQL, and
the real CBP page where ../shared is present."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import update

from bot.blocks.render import read_mentions
from bot.reply import Caller
from storage import models
from storage.db import alembic_config
from storage.queries.search import fts5_match, parse, pg_tsquery

from .conftest import CBP_PAGE, FIXTURES

PAGE = FIXTURES / "search-page.txt"
ADMIN = Caller("U0ADMIN", is_admin=True, channel_id="C1")


def found(app, query, limit=20):
    views, total = app.search(query, limit=limit)
    return [(v.report_title.split(":")[0], v.rec_number) for v in views], total


def test_word_forms_prefixes_and_exact_first(app):
    app.import_sources([str(PAGE)])
    tariffs = ("Lumber and Copper Tariffs", 3), ("Lumber and Copper Tariffs", 4)
    hits, total = found(app, "tariff")  # the titles say "Tariffs"
    assert total == 3 and set(hits[:2]) == set(tariffs) and hits[2] == ("Cargo Exams", 2)
    assert found(app, "intellect") == ([("Patent and Trademark Enforcement", 1)], 1)  # "intellectual"
    hits, total = found(app, "exclusion")  # "exclusions" and "exclusion"
    assert total == 3 and set(hits[:2]) == set(tariffs)
    hits, total = found(app, "cyber")  # "Cybersecurity" in the title, "cyber" in one text
    assert total == 2 and hits[0] == ("Port Networks", 2)  # the exact word ranks first
    assert sorted(found(app, "232")[0]) == sorted(tariffs)  # numbers match exactly: not 2320, not a prefix
    assert found(app, "cy")[1] == 0  # prefixes start at three letters
    assert found(app, "tariffs exclusions seizure")[1] == 0  # every word is required


def test_report_number_fragment(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    _, whole = found(app, "GAO-24-900101")
    assert whole == 2
    assert found(app, "24-900101")[1] == 2
    assert found(app, "24-9001")[1] == 2  # a fragment: numbers that start with it
    assert found(app, "gao-24-9001")[1] == 2
    assert found(app, "25-900101")[1] == 0


def test_filters(app):
    app.import_sources([str(PAGE)])
    assert found(app, "agency:BPI")[1] == 6  # the acronym of "(United States) Bureau of Port Inspection"
    assert found(app, "agency:inspection")[1] == 6
    assert found(app, "agency:CBP")[1] == 0
    assert found(app, "agency:BPI tariff")[1] == 3
    cyber = app.search("cyber")[0]
    with app.db.write() as s:
        s.execute(update(models.Recommendation).where(models.Recommendation.key == cyber[0].key)
                  .values(priority=True, status="Open – Partially Addressed"))
    assert found(app, "priority") == ([("Port Networks", 2)], 1)
    assert found(app, "status:partial") == ([("Port Networks", 2)], 1)
    assert found(app, "status:open")[1] == 6
    assert found(app, "priority cyber")[1] == 1 and found(app, "priority tariff")[1] == 0
    # overdue at today's date: the promises of 2024 and March 2025 passed; September 2027 has not
    overdue_keys = {v.key for v in app.overdue(app.today())}
    assert {v.key for v in app.search("overdue")[0]} == overdue_keys and len(overdue_keys) == 3
    assert found(app, "overdue tariff") == ([("Lumber and Copper Tariffs", 3)], 1)
    key = app.search("intellect")[0][0].key
    app.handle(f"assign {key} @U0DANA", ADMIN)
    slack = read_mentions("owner:<@U0DANA|dana>")  # as Slack sends a mention, read by the Slack adapter
    for owner in (slack, "owner:@U0DANA", "owner:U0DANA", "owner:@dana", "owner:dana", "owner:u0dana"):
        assert [v.key for v in app.search(owner)[0]] == [key], owner
    # ids are upper case (bot/people.py): a name that starts with U or W is a fragment, never taken for an id
    other = app.search("priority cyber")[0][0].key
    app.handle(f"assign {other} @U0WALTER", ADMIN)
    for owner in ("owner:walter", "owner:@walter", "owner:@U0WALTER"):
        assert [v.key for v in app.search(owner)[0]] == [other], owner
    assert found(app, "owner:@nobody")[1] == 0
    # an ownership rule gives its owner what nobody was assigned
    app.settings = app.settings.model_copy(update={"owner_rules": [{"query": "tariff", "owner": "U0RULE"}]})
    assert found(app, "owner:@U0RULE")[1] == 3
    # filters work wherever a query does: overdue, due, subscriptions
    reply = app.handle("overdue agency:BPI cyber", ADMIN)
    assert reply.kind == "list" and reply.total == 1


def test_subcommand_typo_asks_did_you_mean(app):
    app.import_sources([str(PAGE)])
    key = app.search("intellect")[0][0].key
    reply = app.handle(f"shwo {key}", ADMIN)
    assert reply.kind == "text" and "Did you mean `show`?" in reply.mrkdwn and f"/gaorec show {key}" in reply.mrkdwn
    assert "`history`" in app.handle(f"histroy {key}", ADMIN).mrkdwn
    assert "`overdue`" in app.handle("overdeu", ADMIN).mrkdwn
    # a real word that finds something is a search, even when it looks like a command
    assert app.handle("tariff", ADMIN).kind == "list"
    assert app.handle("shows", ADMIN).kind in ("list", "text")


def test_migration_rebuilds_the_index(app):
    """A database made before word forms gets them when it is upgraded."""
    app.import_sources([str(PAGE)])
    cfg = alembic_config(app.db.engine)
    command.downgrade(cfg, "0010")  # word forms (0010) ...
    command.downgrade(cfg, "-1")  # ... and the revision before it
    if app.db.dialect == "sqlite":
        assert found(app, "collecting")[1] == 0  # before: no word form of "collect"
    else:
        assert stored_lexeme(app, "tariffs") == 2 and stored_lexeme(app, "tariff") == 1  # 'simple': as written
    command.upgrade(cfg, "head")
    assert found(app, "collecting")[1] == 2  # "Collected" in the title, "collect" in a text
    if app.db.dialect != "sqlite":
        assert stored_lexeme(app, "tariffs") == 0 and stored_lexeme(app, "tariff") == 3  # 'english': stems


def stored_lexeme(app, lexeme):
    from sqlalchemy import text

    with app.db.session() as s:
        return s.scalar(text("SELECT count(*) FROM recommendation_search WHERE document @@ CAST(:l AS tsquery)"),
                        {"l": lexeme})


@pytest.mark.parametrize("query", ["agency:", "status:%", "owner:", "owner:<@U1|x>", "agency:'", 'status:"',
                                   "owner:*", "priority:", "20-", "-692", "agency:(", "overdue NEAR(", "a:b:c"])
def test_filter_syntax_never_raises(app, query):
    app.import_sources([str(PAGE)])
    views, total = app.search(query)
    assert isinstance(total, int) and len(views) == min(total, 20) == len({v.key for v in views})
    assert app.handle(query, ADMIN).kind in ("list", "empty", "text", "card")


def test_query_building_is_quoted():
    assert fts5_match(["cyber"]) == "(\"cyber\" OR \"cyber\"*)" and fts5_match(["cyber"], rank=False) == "\"cyber\"*"
    assert fts5_match(['232', 'OPS-306', 'a"b']) == '"232" AND "OPS-306" AND "a""b"'
    assert pg_tsquery(["tariff", "OPS-306", "232"]) == "('tariff' | 'tariff':*) & ('OPS' <-> '306') & ('232')"
    q = parse("agency:CBP status:partial priority overdue owner:@dana 20-692 tariff")
    assert (q.agencies, q.statuses, q.owners, q.numbers, q.priority, q.overdue, q.terms) == (
        ["CBP"], ["partial"], ["@dana"], ["GAO-20-692"], True, True, ["tariff"])


def test_cbp_page_finds_what_a_person_means(app):
    app.import_sources([str(CBP_PAGE)])
    hits, total = found(app, "232")
    assert total == 2 and sorted(r for _, r in hits) == [3, 4]
    assert {t for t, _ in hits} == {"Steel and Aluminum Tariffs"}
    hits, _ = found(app, "tariff")
    assert sorted(r for t, r in hits if t == "Steel and Aluminum Tariffs") == [3, 4]
    assert {t for t, _ in hits[:2]} == {"Steel and Aluminum Tariffs"}
    hits, _ = found(app, "intellect")
    assert hits and hits[0][0] == "Intellectual Property"
    hits, _ = found(app, "exclusion")
    assert {t for t, _ in hits[:2]} == {"Steel and Aluminum Tariffs"} and len(hits) >= 2
    assert found(app, "agency:CBP")[1] == 10
