"""Records as data: the JSON contract of one recommendation, and the counts behind `gaorec stats`."""
from __future__ import annotations

from datetime import date

from storage import repo
from storage.db import Database
from storage.types import iso_z

from ..gao import effective as ge

MAX_QUERY = 500


def record_json(v: repo.RecView, as_of: date, *, detail: bool = False) -> dict:
    """One recommendation in the JSON contract (CLI --json); ``detail`` adds what `show` tells."""
    days = v.days_overdue(as_of)
    out: dict[str, object] = {
        "key": v.key, "report_number": v.report_number, "report_title": v.report_title,
        "rec_number": v.rec_number, "rec_label": v.rec_label, "kind": v.kind,
        "agency": v.agency, "status": v.status, "priority": v.priority,
        "text": v.text, "comments": v.comments, "url": v.url,
        "first_seen": iso_z(v.first_seen), "last_changed": iso_z(v.last_changed),
        "changed_on": v.changed_on.isoformat() if v.changed_on else None,
        "promises": [p.to_json() for p in v.promises],
        "overdue": days is not None, "days_overdue": days, "slips": v.slips, "source": v.issuer,
        **({"questioned_costs": v.questioned_costs, "funds_for_better_use": v.funds_for_better_use}
           if v.issuer == "oig" else {}),
        "owner": v.owner, "owner_source": v.owner_source,
        "correction": v.decision.to_json() if ge.holds(v.decision, v.comments) else None,
        "listed": v.listed, "last_listed": v.last_listed.isoformat() if v.last_listed else None,
    }
    if not v.listed:
        out["outcome"] = v.outcome
    if detail:
        out["owner_rule"] = v.owner_rule
        out["status_events"] = v.status_events
        out["topics"] = v.topics
        out["comments_cut"] = v.comments_cut
        ack = v.acknowledged
        out["acknowledged"] = ({"by": ack["by"], "at": iso_z(ack["at"]), "note": ack["note"]}
                               if ack else None)
        out["snoozed_until"] = iso_z(v.snoozed_until)
        out["last_reminded"] = iso_z(v.last_reminded)
    return out


def stats(db: Database, as_of: date) -> dict:
    with db.session() as s:
        return repo.stats(s, as_of)


def count_unlisted_passed(db: Database, as_of: date, query: str | None = None) -> int:
    with db.session() as s:
        return repo.count_unlisted_passed(s, as_of, (query or "")[:MAX_QUERY] or None)
