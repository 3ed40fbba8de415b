"""Score promise extraction against the labelled real comments.

    python -m bench.promises [--shared ../shared/gao] [--verbose]

labels.json names each whole comment in ../shared/gao by file, position,
report and recommendation number (no GAO text is copied here), with the due
dates a careful reader finds in it and the phrases that must NOT be read as
promises (status dates, past events, GAO's own plans, report dates, statutory
deadlines). Precision and recall are over due dates, comment by comment.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

from bot.gao.parse import parse
from bot.gao.promises import extract

HERE = Path(__file__).parent
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "gao"


def report_ref(number: str | None, title: str | None) -> str:
    """The report's number, or a short hash of its title (titles are GAO's words, not copied here)."""
    if number:
        return number
    norm = re.sub(r"\W+", " ", (title or "").casefold()).strip()
    return "title-sha1:" + hashlib.sha1(norm.encode()).hexdigest()[:12]


def comments(shared: Path):
    """(file, index, report, rec, comment) for every whole comment in the shared folder."""
    files = [shared / "cbp-agency-page-2024.txt", shared / "export-2026-09-28-excerpt.csv",
             *sorted((shared / "excerpts").glob("*.txt"))]
    for f in files:
        result = parse(f.read_bytes(), f.name)
        for i, rec in enumerate(result.recommendations):
            if rec.comments:
                yield f.name, i, report_ref(rec.report.number, rec.report.title), rec.number, rec.comments


def score(shared: Path, verbose: bool = False) -> dict:
    labels = {(x["file"], x["index"]): x for x in json.loads((HERE / "labels.json").read_text())["comments"]}
    tp = fp = fn = invented = seen = 0
    problems = []
    for name, i, report, rec_no, comment in comments(shared):
        label = labels.get((name, i))
        if label is None:
            problems.append(f"{name} #{i}: no label (report {report}, rec {rec_no})")
            continue
        if label["report"] != report or label["rec"] != rec_no:
            problems.append(f"{name} #{i}: label names {label['report']} rec {label['rec']}, parse gave {report} rec {rec_no}")
            continue
        seen += 1
        found = extract(comment)
        got, want = Counter(p.due.isoformat() for p in found), Counter(label["due"])
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
        bad = [p.phrase for p in found if p.phrase in label.get("not", [])]
        invented += len(bad)
        if verbose and (got != want or bad):
            print(f"{name} #{i} ({report} rec {rec_no}): want {sorted(want.elements())} got {sorted(got.elements())}"
                  f"{' invented ' + str(bad) if bad else ''}")
    missing = len(labels) - seen
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"comments": seen, "unlabelled_or_mismatched": problems, "labels_not_seen": missing,
            "promises_labelled": tp + fn, "true_positives": tp, "false_positives": fp, "false_negatives": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "invented_from_non_promises": invented}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if not args.shared.exists():
        print(f"{args.shared} is absent: nothing to score", file=sys.stderr)
        return 2
    print(json.dumps(score(args.shared, args.verbose), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
