"""Every configuration mistake: one line naming the setting and the fix, exit
status 2, no traceback — the CLI run as a real process (``gaorec``), or in process (``in_process``: the same
``main``, stdout and stderr apart) where only the message is in question; the serve checks, the cron and owner
rules and the crontab stay real processes, so the whole path, ``program``'s exit included, is read here too."""
from __future__ import annotations

import contextlib
import os
import subprocess

import pytest
from .forkserver import gaorec_argv


def gaorec(*args, tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    base.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'gaorec.db'}")
    base.update(env)
    return subprocess.run([*gaorec_argv(), *args], cwd=tmp_path, env=base, capture_output=True,
                          text=True, timeout=60)


def in_process(*args, tmp_path, **env) -> subprocess.CompletedProcess:
    """``gaorec(...)`` in this process, for what gaorec says rather than how a process behaves: the same ``main``
    the program runs (``program`` adds only the exit), through click's runner, which keeps stdout and stderr apart
    and gives the exit status; the same environment (no SLACK_*, GAOREC_* or DATABASE_URL but those given) and the
    same directory, tmp_path (no .env of the checkout's)."""
    from click.testing import CliRunner

    from bot.cli import main

    unset = {k: None for k in os.environ if k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
    runner = CliRunner(env={**unset, "DATABASE_URL": f"sqlite:///{tmp_path / 'gaorec.db'}", **env})
    with contextlib.chdir(tmp_path):
        r = runner.invoke(main, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), r.exit_code, r.stdout, r.stderr)


def one_line(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("url, words", [
    ("not a url", ["DATABASE_URL", "is not a database URL", "sqlite:///"]),
    ("postgresq://u@127.0.0.1/x", ["DATABASE_URL", "unknown database kind"]),
    ("postgresql+pg8000://u:secret@127.0.0.1/x", ["DATABASE_URL", "'pg8000'", "not installed", "postgresql+psycopg"]),
    ("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", ["DATABASE_URL", "cannot reach the database",
                                                          "is PostgreSQL running"]),
    ("sqlite:////proc/no-such-dir/gaorec.db", ["DATABASE_URL", "cannot create the database file"]),
    ("sqlite://", ["DATABASE_URL 'sqlite://'", "in-memory SQLite database keeps nothing", "sqlite:////"]),
    ("sqlite:///:memory:", ["DATABASE_URL 'sqlite:///:memory:'", "in-memory"]),
], ids=["unparsable", "unknown-kind", "driver-missing", "unreachable", "sqlite-unwritable", "in-memory",
        "memory-name"])
def test_database_url_mistakes(tmp_path, url, words):
    line = one_line(in_process("stats", tmp_path=tmp_path, DATABASE_URL=url), *words)
    assert "secret" not in line  # a password in the URL is never printed


def test_admins_as_a_comma_list_is_the_list_it_obviously_is(tmp_path):
    from config.settings import Settings

    assert Settings(admins="U1,U2", _env_file=None).admins == ["U1", "U2"]
    assert Settings(admins='["U1", "U2"]', _env_file=None).admins == ["U1", "U2"]
    r = in_process("stats", "--json", tmp_path=tmp_path, GAOREC_ADMINS="U1,U2")
    assert r.returncode == 0, r.stderr
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_ADMINS='["U1"'), "GAOREC_ADMINS", "not a list")


def test_each_list_setting_shows_an_example_of_itself():
    import pydantic

    from config.settings import Settings

    for field, fits, unfit in (("admins", '["U1", "U2"]', "URL"), ("sources", '"url": "URL"', '"U1"')):
        with pytest.raises(pydantic.ValidationError) as exc:
            Settings(**{field: "[bad"}, _env_file=None)
        said = exc.value.errors()[0]["msg"]
        assert "not a list: write" in said and fits in said and unfit not in said, said


def test_broken_toml_and_bad_values(tmp_path):
    bad = tmp_path / "gaorec.toml"
    bad.write_text('timezone = "America/Chicago"\nowner_rules = [{agency = "CBP" owner = "U1"}]\n')
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(bad)), "GAOREC_CONFIG", "not valid TOML",
             "line 2")
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(tmp_path / "nope.toml")), "GAOREC_CONFIG")
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_TIMEZONE="Mars/Olympus"), "GAOREC_TIMEZONE", "IANA")
    one_line(in_process("stats", tmp_path=tmp_path, GAOREC_REMINDER_CAP="lots"), "GAOREC_REMINDER_CAP", "integer")


def test_serve_checks_tokens_and_slack_before_it_reports_healthy(tmp_path, fake):
    slack = {"SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": fake.api_url}
    one_line(gaorec("serve", "--port", "0", tmp_path=tmp_path), "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    one_line(gaorec("serve", "--port", "0", tmp_path=tmp_path, SLACK_BOT_TOKEN="xoxp-user-token", **slack),
             "SLACK_BOT_TOKEN is a user token", "xoxb-")
    one_line(gaorec("serve", "--port", "0", tmp_path=tmp_path, SLACK_BOT_TOKEN="xoxb-t", SLACK_APP_TOKEN="xoxb-t",
                    **slack), "SLACK_APP_TOKEN is a bot token", "xapp-")
    assert not fake.of("auth.test")  # a token of the wrong kind is refused before any call
    fake.fail("auth.test", 200, body={"ok": False, "error": "invalid_auth"})
    line = one_line(gaorec("serve", "--port", "0", tmp_path=tmp_path, SLACK_BOT_TOKEN="xoxb-revoked", **slack),
                    "SLACK_BOT_TOKEN was refused", "invalid_auth")
    assert "xoxb-revoked" not in line
    one_line(gaorec("serve", "--port", "0", tmp_path=tmp_path, SLACK_BOT_TOKEN="xoxb-t",
                    SLACK_SIGNING_SECRET="s3cret", SLACK_API_URL="http://127.0.0.1:9/api/"),
             "Slack is unreachable", "SLACK_API_URL")


@pytest.mark.parametrize("toml, words", [
    ('remind_cron = "61 9 * * *"\n', "remind_cron"),
    ('owner_rules = [{agncy = "CBP", owner = "U1"}]\n', "unknown key 'agncy'"),
    ('owner_rules = [{agency = "CBP"}]\n', "names no owner"),
    ('owner_rules = [{owner = "U1"}]\n', "neither agency nor query"),
])
def test_cron_and_owner_rule_mistakes_in_the_file_are_one_line(tmp_path, toml, words):
    """A crontab that cannot run and an owner rule with a misspelt key, no owner or nothing to match stop gaorec
    with one line naming the file, instead of a scheduler that never fires or a rule that silently owns nothing."""
    conf = tmp_path / "gaorec.toml"
    conf.write_text(toml)
    one_line(gaorec("stats", tmp_path=tmp_path, GAOREC_CONFIG=str(conf)), words, conf.name)


def test_an_interval_the_scheduler_reads_is_accepted(tmp_path):
    r = in_process("stats", tmp_path=tmp_path, GAOREC_REMIND_CRON="@every 2s")
    assert r.returncode == 0, r.stderr


def test_a_crontab_in_the_environment_that_cannot_run_is_one_line(tmp_path):
    one_line(gaorec("stats", tmp_path=tmp_path, GAOREC_REMIND_CRON="61 9 * * *"), "GAOREC_REMIND_CRON", "crontab")


@pytest.mark.postgres
@pytest.mark.parametrize("change, words", [
    ({"database": "no_such_db_here"}, ["no database named 'no_such_db_here'", "createdb no_such_db_here"]),
    ({"username": "no_such_role_here", "password": "secret"}, ["no role named 'no_such_role_here'",
                                                                "createuser no_such_role_here"]),
], ids=["database", "role"])
def test_a_postgresql_server_that_answers_says_what_it_lacks(tmp_path, change, words):
    from sqlalchemy.engine import make_url

    from .conftest import PG_URL, postgres_reason

    if postgres_reason():
        pytest.skip(postgres_reason())
    url = make_url(PG_URL).set(**change).render_as_string(hide_password=False)
    line = one_line(in_process("stats", tmp_path=tmp_path, DATABASE_URL=url), *words)
    assert "is PostgreSQL running" not in line and "secret" not in line


def test_the_database_option_is_named_as_given(tmp_path):
    one_line(in_process("--database", "mysql://a/b", "stats", tmp_path=tmp_path), "--database 'mysql://a/b'",
             "only SQLite and PostgreSQL")


@pytest.mark.parametrize("command", ["remind", "digest"])
def test_posting_without_a_token_is_a_configuration_mistake(tmp_path, command):
    one_line(in_process(command, tmp_path=tmp_path), "SLACK_BOT_TOKEN", "--dry-run")
