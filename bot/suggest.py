"""“Did you mean …?”: an unknown first word that is a typo of a subcommand, and greetings (pure)."""
from __future__ import annotations

import re
from functools import lru_cache

from .commands import known_words

COMMANDS = sorted(w for w in known_words() if w.isalpha())
GREETINGS = {"hello", "hi", "hey", "hiya", "howdy", "greetings", "morning", "afternoon", "evening", "thanks",
             "thank"}
_POLITE = GREETINGS | {"good", "there", "you", "all", "gaorec", "team", "folks", "o", "ello"}


def distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (a swap of two neighbours counts 1), capped."""
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], cap)


def is_greeting(text: str) -> bool:
    """'hello', 'Hi there!', 'good morning', 'thanks': said to the bot, not searched for."""
    words = re.findall(r"[a-z]+", (text or "").lower())
    return bool(words) and any(w in GREETINGS for w in words) and all(w in _POLITE for w in words)


@lru_cache(maxsize=4096)  # a pure function of one word, asked of every search's first word
def did_you_mean(word: str) -> str | None:
    """The subcommand `word` is most likely a typo of: one edit for words up to 4 letters, two beyond (and
    never a word that is itself a command, nor a greeting)."""
    w = word.lower()
    if not w.isalpha() or len(w) < 3 or w in COMMANDS or w in GREETINGS:
        return None
    allowed = 1 if len(w) <= 4 else 2
    near = [c for c in COMMANDS if abs(len(c) - len(w)) <= allowed]  # a distance is at least the length difference
    if not near:
        return None
    best = min(near, key=lambda c: (distance(w, c), c))
    return best if distance(w, best) <= allowed else None
