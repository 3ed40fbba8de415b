"""Score the promise reader: precision and recall over (comment, due date) pairs.

    python -m bench.promises [--shared ../shared/gao] [--part dev|heldout|challenge|all] [--verbose]

Three sets, reported separately:

- dev and heldout: every real labelled comment, put into one part by
  ``split.py`` (fixed seed, stratified by origin) before any tuning. Sources:
  labels.json (our labels of the whole comments in ../shared/gao, named, not
  copied), ../shared/gao/comments-dev.json (a second annotator's labels; where
  the guideline decides otherwise, decisions.json says so and wins) and
  found.json (comments found in stored gao.gov pages, labelled by us).
- challenge: challenge.json, sentences in our own words, positive and negative
  for every decision in docs/promises.md.
- fresh: fresh.json, real comments collected from stored gao.gov pages after
  the reader was done, labelled by two annotators who never saw its output,
  and scored once: a blind test, never tuned on.

Rules are tuned on dev only; heldout is only scored (``--verbose`` prints
failures of dev and challenge, never of heldout unless ``--show-heldout``).
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

from .split import load as load_split

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


def real_items(shared: Path) -> tuple[list[dict], list[str]]:
    """Every real labelled comment as {id, text, due, not}; and problems (labels that no longer match)."""
    items, problems = [], []
    labels = {(x["file"], x["index"]): x for x in json.loads((HERE / "labels.json").read_text())["comments"]}
    decisions_file = HERE / "decisions.json"
    decisions = json.loads(decisions_file.read_text())["decisions"] if decisions_file.exists() else {}
    seen = set()
    for name, i, report, rec_no, comment in comments(shared):
        label = labels.get((name, i))
        if label is None:
            problems.append(f"{name} #{i}: no label (report {report}, rec {rec_no})")
            continue
        if label["report"] != report or label["rec"] != rec_no:
            problems.append(f"{name} #{i}: label names {label['report']} rec {label['rec']}, "
                            f"parse gave {report} rec {rec_no}")
            continue
        seen.add((name, i))
        cid = f"labels:{name}#{i}"
        due = decisions[cid]["due"] if cid in decisions else label["due"]
        items.append({"id": cid, "text": comment, "due": due, "not": label.get("not", [])})
    problems += [f"{n} #{i}: label not seen in the parse" for (n, i) in labels if (n, i) not in seen
                 and not any(p.startswith(f"{n} #{i}:") for p in problems)]
    dev = shared / "comments-dev.json"
    if dev.exists():
        for i, x in enumerate(json.loads(dev.read_text())):
            cid = f"dev2:{i}"
            due = decisions[cid]["due"] if cid in decisions else [p["due"] for p in x["promises"]]
            items.append({"id": cid, "text": x["comment"], "due": due,
                          "not": [n.split(" :: ")[0] for n in x.get("non_promise_dates", [])]})
    for x in json.loads((HERE / "found.json").read_text())["comments"]:
        items.append({"id": f"found:{x['id']}", "text": x["comment"], "due": x["due"],
                      "not": [n.split(" :: ")[0] for n in x.get("not", [])]})
    return items, problems


def fresh_items() -> list[dict]:
    path = HERE / "fresh.json"
    if not path.exists():
        return []
    return [{"id": f"fresh:{x['id']}", "text": x["comment"], "due": x["due"],
             "not": [n.split(" :: ")[0] for n in x.get("not", [])]}
            for x in json.loads(path.read_text())["comments"]]


def challenge_items() -> list[dict]:
    out = []
    for i, x in enumerate(json.loads((HERE / "challenge.json").read_text())["sentences"]):
        out.append({"id": f"challenge:{i}:{x['rule']}", "text": x["text"], "due": x["due"], "not": []})
    return out


def score_items(items: list[dict], verbose: bool = False) -> dict:
    tp = fp = fn = 0
    failures = []
    for it in items:
        found = extract(it["text"])
        got, want = Counter(p.due.isoformat() for p in found), Counter(it["due"])
        tp += sum((got & want).values())
        fp += sum((got - want).values())
        fn += sum((want - got).values())
        if got != want:
            failures.append(it["id"])
            if verbose:
                print(f"  {it['id']}: want {sorted(want.elements())} got {sorted(got.elements())}\n"
                      f"    {it['text'][:600]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"comments": len(items), "promises_labelled": tp + fn, "found": tp + fp, "true_positives": tp,
            "false_positives": fp, "false_negatives": fn, "precision": round(precision, 4),
            "recall": round(recall, 4), "comments_wrong": len(failures)}


def score(shared: Path, verbose: bool = False, show_heldout: bool = False) -> dict:
    items, problems = real_items(shared)
    parts = load_split()
    unsplit = [it["id"] for it in items if it["id"] not in parts]
    out: dict = {"unlabelled_or_mismatched": problems, "not_in_split": unsplit}
    # The first labelled set alone (labels.json, both parts), as before the split
    ours = [it for it in items if it["id"].startswith("labels:")]
    first = score_items(ours)
    invented = sum(1 for it in ours for p in extract(it["text"]) if p.phrase in it["not"])
    out.update({"comments": first["comments"], "labels_not_seen": sum(1 for p in problems if "not seen" in p),
                "promises_labelled": first["promises_labelled"], "precision": first["precision"],
                "recall": first["recall"], "invented_from_non_promises": invented})
    for part in ("dev", "heldout"):
        if verbose and (part == "dev" or show_heldout):
            print(f"{part} failures:")
        out[part] = score_items([it for it in items if parts.get(it["id"]) == part],
                                verbose and (part == "dev" or show_heldout))
    if verbose:
        print("challenge failures:")
    out["challenge"] = score_items(challenge_items(), verbose)
    if show_heldout:
        print("fresh failures:")
    out["fresh"] = score_items(fresh_items(), show_heldout)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--verbose", action="store_true", help="print the dev and challenge comments read wrong")
    ap.add_argument("--show-heldout", action="store_true",
                    help="also print held-out and fresh failures (never tune on them)")
    args = ap.parse_args()
    if not args.shared.exists():
        print(f"{args.shared} is absent: nothing to score", file=sys.stderr)
        return 2
    print(json.dumps(score(args.shared, args.verbose, args.show_heldout), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
