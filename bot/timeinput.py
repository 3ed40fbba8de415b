"""THE rule for a date-time a person types (docs/architecture.md, "Time"): the CLI's --now and --since, the
shell's :now. ISO 8601; a "Z" or an offset says which instant it is; without one it is a wall-clock time in
the configured time zone (GAOREC_TIMEZONE), and a date alone is midnight there. Inside gaorec every datetime
is aware; the database refuses naive ones (storage/types.py)."""
from __future__ import annotations

from datetime import datetime, tzinfo

from storage.types import as_utc, utcnow


def in_zone(dt: datetime, tz: tzinfo) -> datetime:
    """A typed or picked date-time as an aware UTC instant: naive means wall-clock time in ``tz``."""
    return as_utc(dt if dt.tzinfo is not None else dt.replace(tzinfo=tz))


def parse_instant(text: str | None, tz: tzinfo) -> datetime:
    """``text`` (ISO 8601, "Z" allowed) as an aware UTC instant, naive meaning ``tz``; none given: now.
    Raises ValueError when it is not ISO 8601."""
    if not text or not text.strip():
        return utcnow()
    t = text.strip()
    return in_zone(datetime.fromisoformat(t[:-1] + "+00:00" if t[-1:] in "zZ" else t), tz)
