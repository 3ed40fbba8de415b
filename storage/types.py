"""Aware time at the boundary (docs/architecture.md, "Time").

Every datetime column is a ``UTCDateTime``: Python hands it aware datetimes, it stores them as UTC without an
offset (SQLite: the text SQLAlchemy has always written, "2026-11-28 12:00:00.000000"; PostgreSQL: ``timestamp
without time zone``), and it gives back aware UTC datetimes. A naive datetime is refused: its meaning is not
known here. Rows written before this type read back as the same instant (they were naive UTC)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from bot.gao.calendar import utc_z


class NaiveDatetime(TypeError):
    """A naive datetime reached the database layer: say which time zone it is in before storing it."""


def as_utc(dt: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused (NaiveDatetime)."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise NaiveDatetime(f"naive datetime {dt.isoformat()!r}: gaorec stores aware datetimes only "
                            "(give it a time zone; see docs/architecture.md, Time)")
    return dt.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(timezone.utc)


def utc(now: datetime | None = None) -> datetime:
    """``now`` (aware, any zone) in UTC, or the present instant when none is given; naive is refused."""
    return as_utc(now) if now is not None else utcnow()


def iso_z(dt: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC to the second with a Z ("2026-11-28T12:00:00Z"), as every output gives it (JSON,
    the audit log, exports); the database keeps the microseconds, so order by the instant, not by this text."""
    return utc_z(as_utc(dt)) if dt else None


def utc_text(dt: datetime) -> str:
    """An instant as UTC ISO 8601 without an offset, as gaorec has always written instants into outbox keys and
    audit details ("2026-11-28T12:00:00")."""
    return as_utc(dt).replace(tzinfo=None).isoformat()


class UTCDateTime(TypeDecorator):
    """A datetime column that takes and gives aware datetimes and stores UTC without an offset."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise NaiveDatetime(f"not a datetime: {value!r}")
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:  # pragma: no cover - a column declared with a time zone elsewhere
            return value.astimezone(timezone.utc)
        return value.replace(tzinfo=timezone.utc)
