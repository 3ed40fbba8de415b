"""Counted nouns for every surface: "1 status event", "2 status events", "1 entry", "3 entries"."""
from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the form that count takes (``many`` defaults to ``one`` + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
