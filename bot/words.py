"""Counted nouns for every surface: "1 status event", "2 status events", "1 entry", "3 entries"."""
from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun in the form that count takes (``many`` defaults to ``one`` + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def clip(s: str, n: int) -> str:
    """At most ``n`` characters: longer text is cut, and ends with "…"."""
    return s if len(s) <= n else s[: max(0, n - 1)].rstrip() + "…"
