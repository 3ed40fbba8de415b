"""The audit log, a page at a time, newest first, with the total (so a reader knows how many more)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Recommendation
from ..types import iso_z


def page(session: Session, *, since: datetime | None = None, rec_id: int | None = None, limit: int = 100,
         offset: int = 0) -> tuple[list[dict], int]:
    """(events newest first, total matching)."""
    where = []
    if since is not None:
        where.append(AuditEvent.at >= since)
    if rec_id is not None:
        where.append(AuditEvent.recommendation_id == rec_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    q = (select(AuditEvent, Recommendation.key)
         .outerjoin(Recommendation, Recommendation.id == AuditEvent.recommendation_id)
         .where(*where).order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
    events = [{"id": a.id, "at": iso_z(a.at), "actor": a.actor, "action": a.action,
               "key": key, "channel": a.channel_id, "detail": json.loads(a.detail) if a.detail else {}}
              for a, key in session.execute(q)]
    return events, total
