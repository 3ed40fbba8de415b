"""What GAO changed in a comment, sentence by sentence (pure): the thread note
after an import quotes the new or changed sentences, not the comment's opening."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..gao.promises import sentences


@dataclass
class CommentDiff:
    added: list[str] = field(default_factory=list)  # new or changed sentences, in the new comment's order
    removed: int = 0  # sentences of the old comment that are gone (changed ones count in added only)


def _norm(s: str) -> str:
    return " ".join(s.split())


def comment_diff(old: str | None, new: str | None) -> CommentDiff:
    """Sentences of `new` that `old` did not have, and how many of `old`'s are gone."""
    a = [_norm(x) for _, x in sentences(_norm(old or ""))]
    b = [_norm(x) for _, x in sentences(_norm(new or ""))]
    out = CommentDiff()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("insert", "replace"):
            out.added += b[j1:j2]
        if op == "delete" or (op == "replace" and i2 - i1 > j2 - j1):
            out.removed += (i2 - i1) - (j2 - j1 if op == "replace" else 0)
    return out
