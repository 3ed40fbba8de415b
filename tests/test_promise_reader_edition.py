"""The promise reader's edition (bot/gao/promises.py: READER) names what it reads: a database whose comments were
read by another edition has them read again (storage/imports/reread.py). So a change to any reading must come
with a new edition, or an upgraded database keeps dates the new reader would not give."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from bot.gao import promises as gp

CORPUS = Path(__file__).resolve().parent.parent / "bench" / "promises"
# Each edition and the fingerprint of its readings of the corpus. Add a line for a new edition; never edit one.
EDITIONS = {
    "2026-11-29": "394264c0071c8d8c3d73332f0c9cb3bfa262da3698c1effe0ea16d57f3dfc479",
    # quarters after the year, "not … before" a lower bound, "pushed back to", revising one's estimate a statement
    "2026-11-29.2": "82ee5f75012a5700adb4a7ac3e5e76962527778508a8e288c90f3b3d74fe4553",
}


def corpus() -> list[str]:
    """Real GAO comments (fresh.json, found.json) and the guideline's own sentences (challenge.json): 471 texts."""
    texts = [c["comment"] for name in ("fresh", "found")
             for c in json.loads((CORPUS / f"{name}.json").read_text())["comments"]]
    return texts + [s["text"] for s in json.loads((CORPUS / "challenge.json").read_text())["sentences"]]


def fingerprint(texts: list[str]) -> str:
    h = hashlib.sha256()
    for r in gp.read_many(texts):
        h.update(json.dumps([[dataclasses.astuple(p) for p in r.promises], list(r.statements)], default=str,
                            sort_keys=True).encode())
    return h.hexdigest()


def test_the_reader_edition_names_its_readings():
    got = fingerprint(corpus())
    assert gp.READER in EDITIONS, f"add {gp.READER!r}: {got!r} to EDITIONS"
    assert got == EDITIONS[gp.READER], (
        f"the reader's readings changed under edition {gp.READER}: name a new edition in bot/gao/promises.py "
        f"(READER) and add it to EDITIONS here with {got!r}")


def test_each_edition_reads_differently():
    assert len(set(EDITIONS.values())) == len(EDITIONS)


def test_the_fingerprint_sees_a_changed_reading(monkeypatch):
    texts = corpus()
    before = fingerprint(texts)
    real = gp.read_many

    def one_day_later(comments):
        out = real(comments)
        for r in out:
            for i, p in enumerate(r.promises):
                r.promises[i] = dataclasses.replace(p, due=p.due.replace(day=1))
                break
        return out

    monkeypatch.setattr(gp, "read_many", one_day_later)
    assert fingerprint(texts) != before
