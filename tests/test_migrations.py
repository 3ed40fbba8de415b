"""Migrations match the models (alembic check) on every backend, and upgrade is idempotent."""
from __future__ import annotations

from alembic import command

from storage.db import Database, alembic_config, upgrade_to_head


def test_alembic_check_finds_no_drift(db_url):
    db = Database(db_url)
    command.check(alembic_config(db.engine))  # raises when models and migrations differ
    upgrade_to_head(db.engine)  # already at head: nothing to do


def test_downgrade_and_upgrade_again(sqlite_url):
    db = Database(sqlite_url)
    cfg = alembic_config(db.engine)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    command.check(cfg)


def test_0008_reads_markers_the_old_parser_left_in_the_text(db_url):
    """Rows stored before recommendations had a kind and a label: a marker the
    earlier parser did not read still ends the text; the upgrade sets number,
    label, kind and identity from it, and every key stays."""
    from datetime import datetime

    from sqlalchemy import text

    db = Database(db_url)
    cfg = alembic_config(db.engine)
    from alembic.script import ScriptDirectory

    command.downgrade(cfg, ScriptDirectory.from_config(cfg).get_revision("0008").down_revision)
    rows = [  # key, ident, number, agency, text
        ("aaaa2", "3|department of energy", 3, "Department of Energy", "Do the third thing."),
        ("aaaa3", "-|department of energy|1", None, "Department of Energy", "Do it. (Recommendations 5)"),
        ("aaaa4", "-|internal revenue service|1", None, "Internal Revenue Service", "Fix. (Recommendation 19-01)"),
        ("aaaa5", "-|congress|1", None, "Congress", "Consider it. (Matter 4)"),
        ("aaaa6", "-|congress|2", None, "Congress", "Consider that. (Matter for Congressional Consideration)"),
        ("aaaa7", "1|congress", 1, "Congress", "Consider this."),
        # GAO's marker read elsewhere already holds the identity: this one is left as it was
        ("aaaa8", "-|department of energy|2", None, "Department of Energy", "Do the third thing. [Recommendation 3]"),
    ]
    now = datetime(2026, 11, 1)
    with db.engine.begin() as c:
        rid = c.execute(text("INSERT INTO reports (number, title) VALUES ('GAO-24-900700', 'T') RETURNING id")).scalar()
        for key, ident, number, agency, body in rows:
            c.execute(text("INSERT INTO recommendations (key, report_id, ident, number, agency, text, status, "
                           "priority, comments_cut, first_seen) "
                           "VALUES (:k, :r, :i, :n, :a, :t, 'Open', false, false, :now)"),
                      {"k": key, "r": rid, "i": ident, "n": number, "a": agency, "t": body, "now": now})
    command.upgrade(cfg, "head")
    with db.engine.connect() as c:
        got = {r[0]: tuple(r[1:]) for r in c.execute(text(
            "SELECT key, ident, kind, number, label, text FROM recommendations"))}
    assert got == {
        "aaaa2": ("3|department of energy", "recommendation", 3, None, "Do the third thing."),
        "aaaa3": ("5|department of energy", "recommendation", 5, None, "Do it."),
        "aaaa4": ("19-01|internal revenue service", "recommendation", None, "19-01", "Fix."),
        "aaaa5": ("matter 4|congress", "matter", 4, None, "Consider it."),
        "aaaa6": ("-|congress|2", "matter", None, None, "Consider that."),
        "aaaa7": ("matter 1|congress", "matter", 1, None, "Consider this."),
        "aaaa8": ("-|department of energy|2", "recommendation", None, None, "Do the third thing. [Recommendation 3]"),
    }
    db.dispose()


def test_0016_subscriptions_name_owners_as_who_tokens(db_url):
    """A subscription saved as Slack sent it (``owner:<@U0DANA|dana>``) is rewritten in the "who" tokens the core
    reads (bot/people.py), so it still finds the owner's recommendations; one the channel also has in the new
    words already is the same subscription, kept once."""
    from datetime import datetime

    from sqlalchemy import text

    db = Database(db_url)
    cfg = alembic_config(db.engine)
    command.downgrade(cfg, "0015")
    rows = [("C1", "owner:<@U0DANA|dana> tariff"), ("C1", "owner:<!subteam^S0TEAM|@team>"), ("C2", "owner:<@W0LEE>"),
            ("C2", "owner:@W0LEE"), ("C3", "cyber <!channel> & <@U1"), ("C3", "")]
    with db.engine.begin() as c:
        for channel, query in rows:
            c.execute(text("INSERT INTO subscriptions (channel_id, query, created_by, created_at) "
                           "VALUES (:c, :q, 'U0ADMIN', :at)"), {"c": channel, "q": query, "at": datetime(2026, 11, 1)})
    command.upgrade(cfg, "head")
    with db.engine.connect() as c:
        got = sorted(tuple(r) for r in c.execute(text("SELECT channel_id, query FROM subscriptions")))
    assert got == [("C1", "owner:@U0DANA tariff"), ("C1", "owner:@subteam:S0TEAM"), ("C2", "owner:@W0LEE"),
                   ("C3", ""), ("C3", "cyber <!channel> & <@U1")]
