"""Period ends for the periods agencies promise by (pure).

Federal fiscal year N runs Oct 1 of N-1 to Sep 30 of N; its first quarter is
Oct-Dec of N-1. Seasons are meteorological: spring Mar-May, summer Jun-Aug,
fall Sep-Nov, winter N = Dec N to Feb N+1.
"""
from __future__ import annotations

import calendar as _cal
from datetime import date
from functools import lru_cache

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "1": 1, "2": 2, "3": 3, "4": 4}
ORDINAL_WORDS = ["", "first", "second", "third", "fourth"]
SEASON_END_MONTH = {"spring": 5, "summer": 8, "fall": 11, "autumn": 11, "winter": 2}


@lru_cache(maxsize=2048)  # the promise reader asks for the same months again and again
def month_end(year: int, month: int) -> date:
    return date(year, month, _cal.monthrange(year, month)[1])


def add_months(d: date, months: int) -> date:
    """The last day of the month ``months`` after d's month."""
    index = d.year * 12 + (d.month - 1) + months
    return month_end(index // 12, index % 12 + 1)


def full_year(y: int) -> int:
    """FY23 -> 2023 (two-digit years are this century)."""
    return y + 2000 if y < 100 else y


def fiscal_year_end(fy: int) -> date:
    return date(full_year(fy), 9, 30)


def fiscal_year_start(fy: int) -> date:
    return date(full_year(fy) - 1, 10, 1)


def fiscal_quarter_end(fy: int, q: int) -> date:
    """Q1 FY2025 ends 2024-12-31; Q4 FY2020 ends 2020-09-30."""
    if not 1 <= q <= 4:
        raise ValueError(f"quarter {q}")
    fy = full_year(fy)
    return month_end(fy - 1, 12) if q == 1 else month_end(fy, 3 * (q - 1))


def quarter_end(year: int, q: int) -> date:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter {q}")
    return month_end(full_year(year), 3 * q)


def fiscal_half_end(fy: int, half: int) -> date:
    return fiscal_quarter_end(fy, 2 * half)


def half_end(year: int, half: int) -> date:
    return quarter_end(year, 2 * half)


def season_end(season: str, year: int) -> date:
    season = season.lower()
    m = SEASON_END_MONTH[season]
    return month_end(year + 1, 2) if season == "winter" else month_end(year, m)


def fiscal_year_of(d: date) -> int:
    return d.year + 1 if d.month >= 10 else d.year


def utc_z(at) -> str:
    """THE written form of an instant (docs/architecture.md, "Each rule once"): ISO 8601 in UTC, to the second,
    with a Z ("2026-11-28T12:00:00Z"). ``at`` is an aware datetime (storage.types.iso_z refuses naive ones)."""
    from datetime import timezone as _tz

    return at.astimezone(_tz.utc).replace(microsecond=0).isoformat()[:-6] + "Z"


def local_day(instant, tz) -> date | None:
    """THE date a person is shown for a stored instant (docs/architecture.md, "Time"): the day it is in ``tz``
    (GAOREC_TIMEZONE). Takes an aware datetime, an ISO 8601 text ("…Z" or with an offset; a date alone is
    already a day) or None. A naive datetime is refused: its meaning is not known here."""
    from datetime import datetime as _dt, timezone as _tz

    if instant is None or instant == "":
        return None
    if isinstance(instant, str):
        text = instant.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        instant = _dt.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=_tz.utc)  # gaorec's offset-less texts are UTC (storage.types.utc_text)
    elif isinstance(instant, date) and not isinstance(instant, _dt):
        return instant
    if instant.tzinfo is None or instant.tzinfo.utcoffset(instant) is None:
        raise TypeError(f"naive datetime {instant.isoformat()!r}: say its time zone (docs/architecture.md, Time)")
    return instant.astimezone(tz).date()


def day_text(instant, tz) -> str:
    """``local_day`` as ISO text ("2026-11-28"), "" for None."""
    d = local_day(instant, tz)
    return d.isoformat() if d else ""
