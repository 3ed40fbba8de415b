"""Does this promise reader read exactly as the one at another git revision?

    python -m bench.promises.equal --against REV [--texts 12000] [--seed 1]

Reads the same texts with both readers and compares everything a reading
holds: every promise (due, phrase, sentence, kind, stated, confidence,
current, offset, why), the statement dates, and every rejected date with its
role, why, offset and period end. The texts:

- every real labelled comment and every challenge sentence (bench.promises);
- import-like comments from bench/generate.py;
- random splices: pieces of the above cut at random places and glued with
  prepositions, month names, numbers, slashes, semicolons, colons, entities,
  abbreviations, quotes and odd case, so that sentence, clause and window
  edges fall everywhere;
- run-on sentences of a few hundred to several thousand words (the long-
  sentence paths);
- the four 1 MB comments of bench.promises.speed.

Prints the number of texts and characters read and every difference (the
first few in full); exits 1 if any.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time

from bot.gao.promises import read

from .__main__ import DEFAULT_SHARED, challenge_items, real_items
from .speed import comments as megabytes
from .speed import reader_at

GLUE = [" ", " ", ". ", "; ", ": ", ", ", " by ", " in ", " before ", " until ", " as of ", " no later than ",
        " beginning in ", " We ", " GAO ", " the agency will ", " officials stated that ", " not ", " each ",
        " 9/30/", " 12/", " FY", " fiscal year ", " the end of ", " the second quarter of ", " mid-", " early ",
        " within 90 days", " of ", " U.S. ", " No. ", " e.g. ", " &amp; ", " &lt;", "\u00a0", " \u2013 ", "\n",
        " (", ") ", "\"", " ’s ", " Act of ", " 2025", " 26", " 2024-", " May", " June", " March 1, 2027",
        " spring ", " later this year", " on track to ", " planned to begin ", " and report to GAO ", " ſ", " K"]


def key(r):
    return ([dataclasses.astuple(p) for p in r.promises], list(r.statements),
            [dataclasses.astuple(s) for s in getattr(r, "rejected", [])])


def texts(n: int, seed: int):
    rnd = random.Random(seed)
    from bench.generate import comment

    base = [x["text"] for x in challenge_items()] + [x["text"] for x in real_items(DEFAULT_SHARED)[0]]
    yield from base
    gen = random.Random(seed + 1)
    made = [comment(gen, gen.random() < 0.5) for _ in range(max(n // 4, 1))]
    yield from made
    pool = base + made
    for _ in range(n - len(base) - len(made) - 80):
        parts = []
        for _ in range(rnd.randint(1, 8)):
            s = rnd.choice(pool)
            a = rnd.randrange(len(s) + 1)
            b = min(len(s), a + rnd.randint(1, 400))
            piece = s[a:b]
            if rnd.random() < 0.1:
                piece = piece.upper() if rnd.random() < 0.5 else piece.lower()
            parts.append(piece)
            parts.append(rnd.choice(GLUE))
        yield "".join(parts)
    words = " ".join(pool).split()
    for _ in range(80):  # run-on sentences: no sentence end, thousands of dates
        k = rnd.randint(300, 5000)
        yield " ".join(rnd.choice(words).rstrip(".!?") + rnd.choice(["", "", "", ",", ";", " by", " in"])
                       for _ in range(k))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", required=True, metavar="REV")
    ap.add_argument("--texts", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-megabytes", action="store_true", help="leave out the four 1 MB comments")
    args = ap.parse_args()
    old = reader_at(args.against)
    all_texts = list(texts(args.texts, args.seed))
    if not args.no_megabytes:
        all_texts += list(megabytes().values())
    diffs = 0
    chars = 0
    t0 = time.process_time()
    for i, t in enumerate(all_texts):
        chars += len(t)
        a, b = key(old(t)), key(read(t))
        if a != b:
            diffs += 1
            if diffs <= 5:
                print(f"text {i} ({len(t)} chars) reads differently: {t[:300]!r}")
                for part, x, y in zip(("promises", "statements", "rejected"), a, b):
                    if x != y:
                        only_old = [e for e in x if e not in y][:3]
                        only_new = [e for e in y if e not in x][:3]
                        print(f"  {part}: {args.against} only {only_old}\n  {part}: this reader only {only_new}")
    print(f"{len(all_texts):,} texts, {chars:,} characters, {diffs} read differently "
          f"({time.process_time() - t0:.0f} s CPU)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
