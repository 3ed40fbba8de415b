"""Queries for the office's reports: the GAO-IG Act list, the IG semiannual view, statutory clocks and
justifications. Rules about what goes in a report live in bot/services/reports.py; here only reads and
writes."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.gao.records import OPEN_STATUSES

from .models import AuditEvent, ClockMark, Outbox, Recommendation, Report, StatusEvent, Subscription
from .queries.reminders import plan_post
from .repo import RecView, _matching, _views

NOT_IMPLEMENTED = "Closed – Not Implemented"


def unimplemented_where():
    """Open or closed as not implemented by GAO's last word, unless GAO stopped listing it and its owner said it
    was implemented (``gaorec outcome KEY implemented``): the one rule of the GAO-IG Act list and of
    ``export --unimplemented``."""
    said_implemented = Recommendation.listed.is_(False) & (func.coalesce(Recommendation.outcome, "") == "implemented")
    return Recommendation.status.in_((*OPEN_STATUSES, NOT_IMPLEMENTED)) & ~said_implemented


def unimplemented_published_by(session: Session, cutoff: date, agency: str | None = None) -> list[RecView]:
    """Open or closed-not-implemented recommendations whose report was published on or before ``cutoff``."""
    where = unimplemented_where() & (Report.published <= cutoff)
    if agency:
        where = where & func.lower(Recommendation.agency).contains(agency.casefold())
    return _views(session, where, order=(Report.published, Report.number, Recommendation.number,
                                         Recommendation.id))


def unimplemented_undated(session: Session, agency: str | None = None) -> int:
    """How many open or closed-not-implemented recommendations have no report date (copied agency pages)."""
    where = unimplemented_where() & Report.published.is_(None)
    if agency:
        where = where & func.lower(Recommendation.agency).contains(agency.casefold())
    return session.scalar(select(func.count(Recommendation.id)).join(Report, Report.id == Recommendation.report_id)
                          .where(where)) or 0


def ig_published_by(session: Session, end: date) -> list[RecView]:
    return _views(session, (Recommendation.issuer == "oig") & (Report.published <= end),
                  order=(Report.published, Report.number, Recommendation.number, Recommendation.id))


def status_moves(session: Session, rec_ids: list[int], start: datetime, end: datetime) -> dict[int, list[str]]:
    """The statuses each recommendation moved to between ``start`` and ``end`` (as imports observed)."""
    out: dict[int, list[str]] = defaultdict(list)
    if not rec_ids:
        return out
    q = (select(StatusEvent.recommendation_id, StatusEvent.new_status)
         .where(StatusEvent.recommendation_id.in_(rec_ids), StatusEvent.observed_at >= start,
                StatusEvent.observed_at < end, StatusEvent.old_status != StatusEvent.new_status)
         .order_by(StatusEvent.id))
    for rid, status in session.execute(q):
        if status is not None:  # NULL is never != (above): never None
            out[rid].append(status)
    return out


def set_justification(session: Session, rec_id: int, text: str | None, by: str, now: datetime) -> None:
    session.execute(update(Recommendation).where(Recommendation.id == rec_id).values(
        justification=text, justified_by=by if text else None, justified_at=now if text else None))
    session.add(AuditEvent(at=now, actor=by, action="justify", recommendation_id=rec_id, channel_id=None,
                           detail=json.dumps({"justification": text}, sort_keys=True)))


@dataclass
class ReportClockRow:
    report_id: int
    number: str | None
    title: str | None
    published: date
    issuer: str
    recommendations: int


def reports_with_recommendations(session: Session) -> list[ReportClockRow]:
    """Every report with a publication date and at least one recommendation, by issuer."""
    q = (select(Report.id, Report.number, Report.title, Report.published, Recommendation.issuer,
                func.count(Recommendation.id))
         .join(Recommendation, Recommendation.report_id == Report.id)
         .where(Report.published.is_not(None))
         .group_by(Report.id, Report.number, Report.title, Report.published, Recommendation.issuer)
         .order_by(Report.published, Report.id))
    return [ReportClockRow(rid, number, title, published, issuer, n)
            for rid, number, title, published, issuer, n in session.execute(q)
            if published is not None]  # never None (above)


def clock_marks(session: Session) -> dict[tuple[int, str], ClockMark]:
    return {(m.report_id, m.clock): m for m in session.scalars(select(ClockMark))}


def report_by_number(session: Session, number: str) -> Report | None:
    return session.scalar(select(Report).where(func.upper(Report.number) == number.upper()))


def mark_clock(session: Session, report_id: int, clock: str, by: str, now: datetime, report: str | None = None) -> bool:
    """False when that clock was already marked done."""
    if session.scalar(select(ClockMark.id).where(ClockMark.report_id == report_id, ClockMark.clock == clock)):
        return False
    session.add(ClockMark(report_id=report_id, clock=clock, done_by=by, done_at=now))
    session.add(AuditEvent(at=now, actor=by, action="clock", recommendation_id=None, channel_id=None,
                           detail=json.dumps({"report": report, "clock": clock, "done": True}, sort_keys=True)))
    session.flush()
    return True


def channels_for_report(session: Session, report_id: int) -> list[str]:
    """Subscribed channels whose subscription covers at least one recommendation of the report."""
    out = []
    by_channel: dict[str, list[str]] = defaultdict(list)
    for sub in session.scalars(select(Subscription)):
        by_channel[sub.channel_id].append(sub.query)
    for channel, queries in sorted(by_channel.items()):
        if "" in queries:
            out.append(channel)
            continue
        match = _matching(session, queries[0])
        for q in queries[1:]:
            match = match | _matching(session, q)
        hit = session.scalar(select(Recommendation.id).join(Report, Report.id == Recommendation.report_id)
                             .where((Recommendation.report_id == report_id) & match).limit(1))
        if hit is not None:
            out.append(channel)
    return out


def outbox_keys(session: Session, prefix: str) -> set[str]:
    return set(session.scalars(select(Outbox.key).where(Outbox.key.startswith(prefix, autoescape=True))))


def add_post(session: Session, key: str, kind: str, channel: str, payload: dict, now: datetime) -> bool:
    """One post under its unique key (the reminder outbox delivers it); False when already planned."""
    return plan_post(session, key, kind, channel, None, None, now, payload)
