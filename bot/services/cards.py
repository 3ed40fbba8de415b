"""What a card tells beyond the record: the latest acknowledgement (who, when,
note), a snooze in force, the last reminder — read for a batch of views."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repo
from storage.models import AuditEvent, Reminder, Snooze


def enrich(session: Session, views: list, now: datetime) -> list:
    """Fill ``acknowledged``, ``snoozed_until`` (with who and why) and ``last_reminded`` on each view.
    ``now`` is aware: a snooze counts while its end is after it."""
    by_id = {v.id: v for v in views}
    ids = list(by_id)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for rec_id, ack in repo.last_acknowledgements(session, chunk).items():
            by_id[rec_id].acknowledged = {"by": ack["user"], "at": ack["at"], "note": ack["note"]}
        q = (select(Reminder.recommendation_id, Snooze.until, Snooze.user_id, Snooze.reason)
             .join(Snooze, Snooze.reminder_id == Reminder.id)
             .where(Reminder.recommendation_id.in_(chunk), Reminder.state == "snoozed",
                    Reminder.quiet_until == Snooze.until, Snooze.until > now)
             .order_by(Snooze.until, Snooze.id))
        for rec_id, until, user, reason in session.execute(q):  # the latest-ending snooze wins
            v = by_id[rec_id]
            v.snoozed_until, v.snoozed_by, v.snooze_reason = until, user, reason
        q = (select(AuditEvent.recommendation_id, func.max(AuditEvent.at))
             .where(AuditEvent.recommendation_id.in_(chunk), AuditEvent.action == "remind")
             .group_by(AuditEvent.recommendation_id))
        for rec_id, at in session.execute(q):
            by_id[rec_id].last_reminded = at
    return views
