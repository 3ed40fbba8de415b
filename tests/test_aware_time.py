"""Aware time at the boundary (docs/architecture.md, Time): the column type refuses naive datetimes, stores UTC
as the code before it did (rows it wrote read back as the same instant) and gives aware UTC back; a naive
date-time a person types means GAOREC_TIMEZONE in the CLI and in the shell alike."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.exc import StatementError

from bot.adapters.shell import Shell
from bot.cli import main
from bot.service import Gaorec
from bot.timeinput import in_zone, parse_instant
from config.settings import Settings
from storage.db import Database
from storage.models import AuditEvent
from storage.types import NaiveDatetime, UTCDateTime, as_utc, iso_z

NY = ZoneInfo("America/New_York")

# the audit_log table as the code before UTCDateTime declared it: a plain DateTime holding naive UTC
OLD = Table("audit_log", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime),
            Column("actor", String(64)), Column("action", String(40)), Column("detail", Text))


def test_every_datetime_column_is_utc_datetime():
    from storage.models import Base

    plain = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, DateTime)]
    aware = [c for t in Base.metadata.sorted_tables for c in t.columns if isinstance(c.type, UTCDateTime)]
    assert plain == [] and len(aware) >= 20


def test_a_naive_datetime_is_refused_on_write(db_url):
    db = Database(db_url)
    with pytest.raises(StatementError) as exc:
        with db.write() as s:
            s.add(AuditEvent(at=datetime(2026, 12, 1, 14), actor="U1", action="test"))
    assert isinstance(exc.value.orig, NaiveDatetime) and "naive datetime '2026-12-01T14:00:00'" in str(exc.value)
    with db.session() as s:
        assert s.scalar(select(AuditEvent.id)) is None  # nothing was written
    db.dispose()


def test_rows_of_the_old_code_read_back_as_the_same_instant(db_url):
    db = Database(db_url)
    with db.engine.begin() as c:  # written as before: naive UTC through a plain DateTime
        c.execute(insert(OLD).values(id=1, at=datetime(2026, 12, 1, 19, 30, 5, 123456), actor="old", action="a"))
    with db.write() as s:  # written now: an aware instant in another zone
        s.add(AuditEvent(id=2, at=datetime(2026, 12, 1, 14, 30, 5, 123456, tzinfo=NY), actor="new", action="a"))
    with db.session() as s:
        got = dict(s.execute(select(AuditEvent.id, AuditEvent.at)).all())
        assert got[1] == got[2] == datetime(2026, 12, 1, 19, 30, 5, 123456, tzinfo=timezone.utc)
        assert got[1].tzinfo is timezone.utc and got[2].tzinfo is timezone.utc  # aware UTC on read
        # the stored form is the old one: read through the old declaration, both rows are the same naive UTC
        old = dict(s.execute(select(OLD.c.id, OLD.c.at)).all())
        assert old == {1: datetime(2026, 12, 1, 19, 30, 5, 123456), 2: datetime(2026, 12, 1, 19, 30, 5, 123456)}
        # comparisons in SQL take aware bounds, in any zone
        late = s.scalars(select(AuditEvent.id).where(AuditEvent.at > datetime(2026, 12, 1, 14, 30, tzinfo=NY)))
        assert sorted(late) == [1, 2]
    db.dispose()


def test_time_helpers():
    assert as_utc(datetime(2026, 12, 1, 9, tzinfo=NY)) == datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    with pytest.raises(NaiveDatetime):
        as_utc(datetime(2026, 12, 1, 9))
    assert iso_z(datetime(2026, 12, 1, 9, tzinfo=NY)) == "2026-12-01T14:00:00Z"


def test_the_rule_for_typed_date_times():
    assert parse_instant("2026-12-01T09:00:00", NY) == datetime(2026, 12, 1, 14, tzinfo=timezone.utc)  # EST
    assert parse_instant("2026-07-01T09:00:00", NY) == datetime(2026, 7, 1, 13, tzinfo=timezone.utc)  # EDT
    assert parse_instant("2026-12-01T09:00:00Z", NY) == datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    assert parse_instant("2026-12-01T09:00:00+01:00", NY) == datetime(2026, 12, 1, 8, tzinfo=timezone.utc)
    assert parse_instant("2026-12-01", NY) == datetime(2026, 12, 1, 5, tzinfo=timezone.utc)  # midnight there
    assert in_zone(datetime(2026, 12, 1), NY) == datetime(2026, 12, 1, 5, tzinfo=timezone.utc)
    now = parse_instant(None, NY)
    assert now.tzinfo is not None and abs(now - datetime.now(timezone.utc)) < timedelta(minutes=1)
    for bad in ("tomorrow", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_instant(bad, NY)


def test_a_naive_now_in_the_cli_means_the_configured_time_zone(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    run = CliRunner()
    monkeypatch.setenv("GAOREC_TIMEZONE", "America/New_York")
    for given, as_of in (("2026-12-01T02:00:00", "2026-12-01"),  # 02:00 in New York (as UTC it would be Nov 30)
                         ("2026-12-01T02:00:00Z", "2026-11-30"),  # 02:00 UTC: 21:00 the day before there
                         ("2026-12-01T02:00:00+09:00", "2026-11-30")):
        r = run.invoke(main, ["remind", "--now", given, "--dry-run", "--json"], catch_exceptions=False)
        assert r.exit_code == 0 and json.loads(r.output)["as_of"] == as_of, (given, r.output)


def test_a_naive_since_in_the_cli_means_the_configured_time_zone(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    monkeypatch.setenv("GAOREC_TIMEZONE", "America/New_York")
    db = Database(db_url)
    with db.write() as s:  # 03:00 UTC on Dec 2 is still Dec 1 in New York; 06:00 UTC is Dec 2 there
        s.add(AuditEvent(at=datetime(2026, 12, 2, 3, tzinfo=timezone.utc), actor="U1", action="early"))
        s.add(AuditEvent(at=datetime(2026, 12, 2, 6, tzinfo=timezone.utc), actor="U1", action="late"))
    db.dispose()
    r = CliRunner().invoke(main, ["audit", "--since", "2026-12-02", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [e["action"] for e in json.loads(r.output)["events"]] == ["late"]


def test_a_naive_now_in_the_shell_means_the_configured_time_zone(db_url, monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    for zone, said in (("America/New_York", "2026-12-01T07:00:00Z"), ("UTC", "2026-12-01T02:00:00Z")):
        app = Gaorec(Settings(database_url=db_url, timezone=zone, _env_file=None))
        out = io.StringIO()
        # the explicit instant first: a session's time only moves forward (02:00Z is not after 07:00Z)
        Shell(app, out=out).run(io.StringIO(":now 2026-12-01T02:00:00Z\n:now 2026-12-01T02:00:00\n"))
        assert f"Reminder pass at {said}: 0 posts." in out.getvalue(), out.getvalue()
        assert "Reminder pass at 2026-12-01T02:00:00Z: 0 posts." in out.getvalue()
        app.db.dispose()
