"""The command registry (bot/commands) is the one list of /gaorec subcommands: README's table, `/gaorec help`,
the shell's help, the "did you mean" words, the ack/durable split and dispatch all agree with it. And two
everyday defects: a greeting gets the help once, `due 30x` gets its usage."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from bot import commands
from bot.adapters.shell import shell_help
from bot.commands import (
    ADMIN, COMMANDS, MENTION, OWNER_OR_ADMIN, READ, SLASH, Command, dispatch, lookup, readme_table, replace_table,
)
from bot.listeners.commands import answered_in_ack, metric_label
from bot.reply import HELP, Caller, Reply
from bot.suggest import COMMANDS as SUGGESTED
from bot.threads import with_thread_key
from storage.db import Database

from .conftest import FIXTURES, ROOT

ADMIN_CALLER = Caller("U0ADMIN", is_admin=True, channel_id="C1")
PERSON = Caller("U0PERSON", channel_id="C1")
NOW = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
README = (ROOT / "README.md").read_text()


@pytest.fixture
def loaded(app):
    app.import_sources([str(FIXTURES / "agency-page.html")])
    return app


def readme_rows() -> list[tuple[list[str], str]]:
    """README's "In Slack" table, parsed: (the usages in the first cell, the description)."""
    start = README.index(commands.TABLE_HEAD)
    rows = []
    for line in README[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        first, desc = re.split(r"(?<!\\) \| ", line.strip()[2:-2], maxsplit=1)
        rows.append(([u.replace("\\|", "|") for u in re.findall(r"`([^`]+)`", first)], desc))
    return rows


def test_readme_table_is_the_registry():
    rows = readme_rows()
    usages = [u for us, _ in rows for u in us]
    assert usages == [commands.PREFIX + c.usage for c in COMMANDS], "README's commands differ from bot/commands"
    assert replace_table(README) == README, "README's table is stale: python -m bot.commands --write README.md"
    by_usage = {commands.PREFIX + c.usage: c for c in COMMANDS}
    for us, desc in rows:
        who = {by_usage[u].who for u in us} - {"anyone"}
        if who == {ADMIN}:
            assert "(admins)" in desc, us
        if who == {OWNER_OR_ADMIN}:
            assert "(the owner or an admin)" in desc, us


def test_readme_lists_every_cli_command():
    """README's "Commands" table (written by hand) has a row for every `gaorec` command."""
    from bot.cli import main

    table = README[README.index("## Commands"):README.index("\n## ", README.index("## Commands") + 5)]
    missing = [n for n in sorted(main.commands) if not re.search(rf"`gaorec {re.escape(n)}\b", table)]
    assert missing == [], f"add a row to README's Commands table for: {', '.join(missing)}"


def test_readme_table_format_is_kept():
    table = readme_table()
    assert table.startswith("| command | |\n|---|---|\n")
    assert "| `/gaorec overdue [QUERY]`, `/gaorec due [30d] [QUERY]` | promises passed / coming |" in table
    assert "`/gaorec promise KEY DATE\\|none [reason]`" in table  # a | inside a cell is escaped


@pytest.mark.sqlite_only("the help is the registry: no query")
def test_help_and_its_alias_are_the_registry(app):
    reply = app.handle("help", ADMIN_CALLER, now=NOW)
    rows = [(commands.PREFIX + c.usage, c.help, commands.PREFIX + c.example) for c in COMMANDS]
    assert reply.kind == "help" and reply.data["commands"] == rows
    assert list(HELP) == rows and len(HELP) == len(COMMANDS) and HELP[1][0] == "/gaorec show KEY"
    for alias in ("", "-h", "--help", "?", "HELP"):
        assert app.handle(alias, ADMIN_CALLER, now=NOW).data == reply.data, alias


def test_who_is_said_in_help():
    for c in COMMANDS:
        assert ("(admins)" in c.help) == (c.who == ADMIN), c.name
        assert ("owner or admin" in c.help) == (c.who == OWNER_OR_ADMIN), c.name
        assert (c.who == ADMIN) == bool(c.denied), c.name


def test_the_other_lists_are_derived():
    names = {c.name for c in COMMANDS if c.name}
    assert set(SUGGESTED) == names
    assert commands.known_words() == names | {"-h", "--help", "?"}
    text = shell_help()
    for c in COMMANDS:
        assert c.usage in text and c.help in text, c.name
    for c in COMMANDS:
        for word in c.words:
            assert lookup(word) is c and lookup(word.upper()) is c
            assert metric_label(word) == (c.name or "search")
            assert answered_in_ack(word) == (c.kind == READ), word
    assert lookup("zzzq") is commands.SEARCH and answered_in_ack("zzzq") and metric_label("zzzq") == "search"
    assert not answered_in_ack("outcome")  # a write: through the durable path (it was answered in the ack)


def test_thread_key_follows_the_registry():
    key = "k7m2q"
    assert with_thread_key("show", key) == f"show {key}"
    assert with_thread_key("snooze 2w waiting on OT", key) == f"snooze {key} 2w waiting on OT"
    assert with_thread_key("assign @U0DANA", key) == f"assign {key} @U0DANA"
    assert with_thread_key("assign @subteam:S0TEAM", key) == f"assign {key} @subteam:S0TEAM"
    assert with_thread_key("promise 2027-06-30", key) == f"promise {key} 2027-06-30"
    assert with_thread_key("stats", key) == "stats" and with_thread_key("show p75nw", key) == "show p75nw"
    takers = {c.name for c in COMMANDS if c.thread_key}
    assert takers == {"show", "history", "unassign", "snooze", "assign", "promise"}


def test_help_examples_work_on_the_bundled_sample(app):
    """A new user copies an example from `/gaorec help` after `gaorec run` loaded the sample: every key an
    example names is in bot/samples/cbp-agency-page.txt, and every read example answers something."""
    from storage import repo

    app.import_sources([str(ROOT / "bot" / "samples" / "cbp-agency-page.txt")])
    named = {w for c in COMMANDS for w in c.example.split() if repo.KEY_RE.match(w) and not w.isalpha()}
    assert named and [k for k in sorted(named) if app.show(k) is None] == []
    for c in (c for c in COMMANDS if c.kind == READ and c.name in ("show", "history")):
        assert app.handle(c.example, ADMIN_CALLER, now=NOW).kind in ("card", "history"), c.example


def test_admin_commands_refuse_everyone_else(loaded):
    for c in (c for c in COMMANDS if c.who == ADMIN):
        reply = loaded.handle(c.example, PERSON, now=NOW)
        assert reply.kind == "error" and f"can {c.denied}." in reply.text, c.name
        assert "Only workspace admins" in reply.text


class ReadOnlyDatabase(Database):
    """The same database, refusing any write: a read command that writes fails the test."""

    def write(self):
        raise AssertionError("a read command asked for a write transaction")

    def session(self):
        s = super().session()

        @event.listens_for(s, "before_flush")
        def refuse(*_a):
            raise AssertionError("a read command changed the database")

        return s


def test_reads_do_not_write(loaded):
    from bot.service import Gaorec

    key = loaded.search("closeouts")[0][0].key
    reader = Gaorec(loaded.settings, db=ReadOnlyDatabase(loaded.db.url, upgrade=False))
    try:
        for c in (c for c in COMMANDS if c.kind == READ):
            example = re.sub(r"\bk7m2q\b", key, c.example)
            reply = reader.handle(example, ADMIN_CALLER, now=NOW)
            assert reply.kind != "error", (c.name, reply.text)
    finally:
        reader.db.dispose()


def test_a_new_subcommand_is_one_entry(app):
    """Dispatch, help and surfaces come from the table passed in: a new entry is routed with its context. (Its
    name is one no real subcommand will take, so adding a real one, say `ping`, leaves this test alone.)"""
    seen = []

    def example(ctx):
        seen.append((ctx.rest, ctx.caller.user_id, ctx.as_of, ctx.offset, ctx.surface))
        return ctx.reply(kind="text", text="pong")

    assert "zz-example" not in {w for c in COMMANDS for w in c.words}
    table = (*COMMANDS, Command("zz-example", example, "zz-example [WORDS]", "answers pong", "zz-example",
                                surfaces=frozenset({SLASH})))
    reply = dispatch(app, "ZZ-EXAMPLE  a  b", ADMIN_CALLER, as_of=NOW.date(), now=NOW, offset=5, surface=SLASH,
                     commands=table)
    assert reply.text == "pong" and seen == [("a b", "U0ADMIN", NOW.date(), 5, SLASH)]
    refused = dispatch(app, "zz-example", ADMIN_CALLER, as_of=NOW.date(), now=NOW, offset=0, surface=MENTION,
                       commands=table)
    assert refused.kind == "error" and "not available in a mention" in refused.text and len(seen) == 1
    assert dispatch(app, "zzzq", ADMIN_CALLER, as_of=NOW.date(), now=NOW, offset=0, commands=table).kind == "empty"


@pytest.mark.sqlite_only("a greeting is parsed before any query")
@pytest.mark.parametrize("greeting", ["hello", "Hello!", "hi there", "hey", "good morning", "thanks"])
def test_a_greeting_is_answered_with_the_help_once(app, greeting):
    reply = app.handle(greeting, ADMIN_CALLER, now=NOW)
    assert reply.kind == "help" and reply.data == app.handle("help", ADMIN_CALLER, now=NOW).data
    assert reply.source_text == " ".join(greeting.split())


@pytest.mark.sqlite_only("a typo is parsed before any query")
def test_a_typo_of_help_names_it_once(app):
    reply = app.handle("halp", ADMIN_CALLER, now=NOW)
    assert reply.kind == "text" and reply.mrkdwn == "Did you mean `help`? Try `/gaorec help`."
    other = app.handle("shwo k7m2q", ADMIN_CALLER, now=NOW)
    assert other.mrkdwn.count("/gaorec help") == 1 and "Did you mean `show`?" in other.mrkdwn


@pytest.mark.sqlite_only("a bad number is refused before any query; due's runs on both in test_due_forms_still_work")
@pytest.mark.parametrize("text", ["due 30x", "due 30dd", "due 12345", "due 3w cyber"])
def test_due_with_a_bad_number_says_its_usage(app, text):
    reply = app.handle(text, ADMIN_CALLER, now=NOW)
    assert isinstance(reply, Reply) and reply.kind == "error" and "\n" not in reply.text
    for form in ("due", "due 30", "due 30d", "due 30d QUERY"):
        assert form in reply.text


@pytest.mark.parametrize("text,days,query", [("due", 30, ""), ("due 30", 30, ""), ("due 90d", 90, ""),
                                             ("due 30d closeouts", 30, "closeouts"), ("due closeouts", 30,
                                                                                        "closeouts")])
def test_due_forms_still_work(loaded, text, days, query):
    reply = loaded.handle(text, ADMIN_CALLER, now=NOW)
    assert reply.kind in ("list", "empty") and reply.command == "due" and reply.query == query
    if reply.kind == "list":
        assert reply.title.startswith(f"Promises due in the next {days} days")
