"""Every /gaorec read answers the same before and after a change to its read path: the ack's JSON body
(blocks, text) for the query mix of bench.slack_http and more (pages, keys, cards, history, filters,
owners by assignment and by rule), at a fixed time, on a database given by URL.

    python -m bench.answers_same --db sqlite:////tmp/100k.db dump before.json
    python -m bench.answers_same --db sqlite:////tmp/100k.db check before.json   # exit 1 on any difference

With --setup, a few assignments and a promise correction are written first (once), so that owners from
assignments and corrections are exercised too."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from bench.slack_http import QUERIES
from bot.listeners.commands import answer_payload
from bot.reply import Caller
from bot.service import Gaorec
from config.settings import Settings
from storage import repo
from storage.db import Database

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
RULES = [{"agency": "Department of Homeland Security", "owner": "U0RULEDHS"},
         {"query": "cybersecurity", "owner": "U0RULECYB"},
         {"query": "tariffs", "owner": "subteam:S0TARIFF"}]


def texts(service: Gaorec) -> list[tuple[str, int]]:
    keys = []
    for q in ("232", "oversight", "payments", "cybersecurity privacy"):
        views, _ = service.search(q, limit=3, as_of=NOW.date())
        keys += [v.key for v in views]
    out = [(q, 0) for q in QUERIES]
    out += [(q, off) for q in ("overdue", "oversight", "due 90d", "232", "priority overdue") for off in (5, 995)]
    out += [(f"show {k}", 0) for k in keys] + [(k, 0) for k in keys[:4]] + [(f"history {k}", 0) for k in keys[:4]]
    out += [(q, 0) for q in ("agency:CBP", "agency:DHS overdue", "owner:@U0RULECYB", "owner:<@U0ASSIGNED>",
                             "overdue cybersecurity", "due 365d tariffs", "GAO-20-10", "tariff", "status:open",
                             "mine", "shwo 232", "zzzzqqq", "stats", "show", "hello", "overdue zzzzqqq", "\"232",
                             "NEAR(", "Section 512", "housing")]
    return out


def setup(db: Database) -> None:
    """Assign the first three results of "oversight" and record a correction on the first "payments" one."""
    from storage.queries import corrections

    with db.write() as s:
        if s.scalar(repo.select(repo.Assignment.recommendation_id).limit(1)) is not None:
            return
        ids = [v.id for v in repo.search(s, "oversight", 3)[0]]
        for i in ids:
            repo.assign(s, i, "U0ASSIGNED", "U0ADMIN", NOW)
        pid = [v.id for v in repo.search(s, "payments", 1)[0]]
        corrections.add(s, pid[0], action="set", due=NOW.date().replace(year=2027), reason="new plan", read=None,
                        comment=repo.get(s, repo.search(s, "payments", 1)[0][0].key).comments, actor="U0ASSIGNED",
                        via="slack", now=NOW)


def answers(url: str, rules: bool) -> dict[str, dict]:
    settings = Settings(database_url=url, owner_rules=RULES if rules else [])
    service = Gaorec(settings)
    caller = Caller(user_id="U0ASSIGNED", name="dana", channel_id="C0BENCH")
    out = {}
    for text, offset in texts(service):
        out[f"{'rules' if rules else 'plain'} | {text} | {offset}"] = answer_payload(
            service.handle(text, caller, now=NOW, offset=offset))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("action", choices=["dump", "check"])
    ap.add_argument("file")
    args = ap.parse_args()
    if args.setup:
        setup(Database(args.db))
    got = {**answers(args.db, False), **answers(args.db, True)}
    if args.action == "dump":
        with open(args.file, "w") as f:
            json.dump(got, f, indent=1, sort_keys=True, default=str)
        print(f"{len(got)} answers written to {args.file}")
        return
    with open(args.file) as f:
        want = json.load(f)
    got = json.loads(json.dumps(got, sort_keys=True, default=str))
    bad = [k for k in want if want[k] != got.get(k)] + [k for k in got if k not in want]
    for k in bad[:10]:
        print("DIFFERENT:", k)
    print(f"{len(want) - len(bad)} of {len(want)} answers identical")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
