"""Put every real labelled comment at random into ``dev`` or ``heldout``.

    python -m bench.promises.split [--shared ../shared/gao]

Written and run BEFORE the comments were read closely. Each comment has a
stable id; its origin (where it was labelled) is the stratum. Within each
origin the ids are shuffled with a fixed seed and ceil(n/3) go to ``heldout``.
The split is kept in ``split.json``: ids already there keep their part, so
comments added later (a new origin, or more of one) never move old ones; the
new ids of an origin are shuffled and assigned so that origin keeps at least a
third held out. Held-out comments are only scored, never tuned on.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
SPLIT = HERE / "split.json"
SEED = 20261128
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "gao"


def origin_of(comment_id: str) -> str:
    """The stratum: which set, and for our own labels which kind of file."""
    kind, _, rest = comment_id.partition(":")
    if kind == "labels":
        name = rest.split("#")[0]
        return "labels/cbp-page" if name.startswith("cbp-") else (
            "labels/export" if name.startswith("export-") else "labels/excerpts")
    return kind  # "dev2" (the second annotator's), "found" (comments we found and labelled)


def all_ids(shared: Path) -> list[str]:
    ids = [f"labels:{x['file']}#{x['index']}" for x in json.loads((HERE / "labels.json").read_text())["comments"]]
    dev = shared / "comments-dev.json"
    if dev.exists():
        ids += [f"dev2:{i}" for i in range(len(json.loads(dev.read_text())))]
    found = HERE / "found.json"
    if found.exists():
        ids += [f"found:{x['id']}" for x in json.loads(found.read_text())["comments"]]
    return ids


def assign(ids: list[str], existing: dict[str, str]) -> dict[str, str]:
    parts = dict(existing)
    by_origin: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        by_origin[origin_of(i)].append(i)
    for origin in sorted(by_origin):
        members = by_origin[origin]
        new = sorted(i for i in members if i not in parts)
        random.Random(f"{SEED}:{origin}").shuffle(new)
        held = sum(1 for i in members if parts.get(i) == "heldout")
        want = math.ceil(len(members) / 3)
        for i in new:
            if held < want:
                parts[i] = "heldout"
                held += 1
            else:
                parts[i] = "dev"
    return {i: parts[i] for i in sorted(parts)}


def load() -> dict[str, str]:
    return json.loads(SPLIT.read_text())["parts"] if SPLIT.exists() else {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args()
    if not (args.shared / "comments-dev.json").exists():
        print(f"{args.shared} is absent: cannot list the comments", file=sys.stderr)
        return 2
    parts = assign(all_ids(args.shared), load())
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"dev": 0, "heldout": 0})
    for i, p in parts.items():
        counts[origin_of(i)][p] += 1
    SPLIT.write_text(json.dumps({"seed": SEED, "counts": counts, "parts": parts}, indent=1) + "\n")
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
