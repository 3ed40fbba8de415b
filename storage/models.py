"""Typed SQLAlchemy 2.0 models. Relationships are lazy="raise": every query
says what it loads."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean, Date, Float, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    title_norm: Mapped[str | None] = mapped_column(String(500), index=True)
    published: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(300))
    director: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    recommendations: Mapped[list[Recommendation]] = relationship(back_populates="report", lazy="raise")


class Recommendation(Base):
    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("report_id", "ident"),
        # covers the overdue test (status, due, status date, still listed): the count reads the index alone
        Index("ix_recommendations_overdue", "status", "current_due", "status_date", "priority", "listed", "outcome"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="RESTRICT"), index=True)
    ident: Mapped[str] = mapped_column(String(400))  # number|agency, label|agency, matter N|agency, -|agency|ordinal
    number: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="recommendation", server_default="recommendation")
    label: Mapped[str | None] = mapped_column(String(32))  # GAO's label when not an integer ("19-01")
    agency: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(60))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[str | None] = mapped_column(Text)
    comments_cut: Mapped[bool] = mapped_column(Boolean, default=False)
    topics: Mapped[str | None] = mapped_column(Text)  # "; "-joined
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_changed: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last status/comment change observed
    # the date of the GAO snapshot that first showed that change (not the day it was imported): what overdue reads
    changed_on: Mapped[date | None] = mapped_column(Date)
    current_due: Mapped[date | None] = mapped_column(Date)  # the current promise's due date
    status_date: Mapped[date | None] = mapped_column(Date)  # later of latest statement and last change
    as_of: Mapped[date | None] = mapped_column(Date)  # the GAO snapshot its status and comment come from
    # listed by the latest complete snapshot
    listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_listed: Mapped[date | None] = mapped_column(Date)  # as-of of the last snapshot that listed it
    outcome: Mapped[str | None] = mapped_column(String(20))  # implemented / not-implemented / open, once not listed
    issuer: Mapped[str] = mapped_column(String(8), default="gao", server_default="gao")  # "gao" | "oig"
    target_due: Mapped[date | None] = mapped_column(Date)  # a target date a mapped sheet states
    questioned_costs: Mapped[float | None] = mapped_column(Float)
    funds_for_better_use: Mapped[float | None] = mapped_column(Float)
    justification: Mapped[str | None] = mapped_column(Text)  # why the agency does not implement it (GIAA)
    justified_by: Mapped[str | None] = mapped_column(String(64))
    justified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[Report] = relationship(back_populates="recommendations", lazy="raise")


# the overdue page in its order (priority first, then due date, then id), the overdue test read from it alone
Index("ix_recommendations_overdue_order", Recommendation.priority.desc(), Recommendation.current_due,
      Recommendation.id, Recommendation.status, Recommendation.status_date, Recommendation.listed,
      Recommendation.outcome)


class StatusEvent(Base):
    """A change of status or comments, as an import observed it."""
    __tablename__ = "status_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_status: Mapped[str | None] = mapped_column(String(60))
    new_status: Mapped[str | None] = mapped_column(String(60))
    old_comments: Mapped[str | None] = mapped_column(Text)
    new_comments: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[date | None] = mapped_column(Date)  # the snapshot the new state comes from
    kind: Mapped[str] = mapped_column(String(20), default="change", server_default="change")
    # change, older (a snapshot older than the record: history only), reopened, unlisted, relisted


class Promise(Base):
    """A date the agency promised, extracted from the comments (recomputed when they change)."""
    __tablename__ = "promises"
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    due: Mapped[date] = mapped_column(Date)
    phrase: Mapped[str] = mapped_column(String(200))
    sentence: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    stated: Mapped[date | None] = mapped_column(Date)
    confidence: Mapped[float] = mapped_column(Float)
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    why: Mapped[str | None] = mapped_column(Text)  # the reader's one-line reason


class Slip(Base):
    """The current promise's due date moved."""
    __tablename__ = "slips"
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    old_due: Mapped[date] = mapped_column(Date)
    new_due: Mapped[date | None] = mapped_column(Date)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportRun(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sources: Mapped[str] = mapped_column(Text)
    formats: Mapped[str] = mapped_column(String(300))
    new: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class Assignment(Base):
    """Who owns a recommendation (a Slack user, or a user group as "subteam:S…")."""
    __tablename__ = "assignments"
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Subscription(Base):
    """A channel hears reminders for the recommendations matching its query (empty: all)."""
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("channel_id", "query"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    query: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedEvent(Base):
    """Slack event ids already handled: retries (X-Slack-Retry-Num) are processed once."""
    __tablename__ = "processed_events"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEvent(Base):
    """Append-only: acknowledgements, snoozes, assignments, subscriptions, status changes, reminders."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class Reminder(Base):
    """One reminder thread: a recommendation's passed promise (due), in one channel.

    state: active (reminding), acknowledged / snoozed (quiet until quiet_until), closed (status changed)."""
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("recommendation_id", "channel_id", "due"),
                      Index("ix_reminders_state_next", "state", "next_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), index=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="active")
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    sent: Mapped[int] = mapped_column(Integer, default=0)  # reminder posts made (first + follow-ups)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)  # since the last acknowledgement
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Outbox(Base):
    """Every post gaorec makes, written before the call under a unique key; state
    pending -> sending -> sent. A send whose outcome is unknown is reconciled by
    the key carried in the message metadata before it is tried again."""
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # reminder, followup, escalation, status, ack, update, backlog
    channel_id: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON: text, blocks, reply_broadcast, ts (updates), user (ephemeral)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current claim (kept fresh while alive)
    first_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reconcile looks from here
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(300))


class OutboxLane(Base):
    """One delivery lane per channel: only its holder posts there, while its lease lasts (the holder extends
    it while alive, also during Retry-After sleeps); last_post_at keeps the post interval across processes."""
    __tablename__ = "outbox_lanes"
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Acknowledgement(Base):
    """An owner (or admin) answered a reminder: by a thread reply, the button or a ✅ reaction."""
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("reminder_id", "round", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # the reminder's `sent` count when acknowledged
    user_id: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Snooze(Base):
    __tablename__ = "snoozes"
    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PromiseCorrection(Base):
    """An owner's (or admin's) word on the promise gaorec read: a corrected due date ("set"), "no date was
    promised" ("none"), "that's right" ("confirm"), or back to GAO's text ("clear"). Rows are only added; the
    latest one of a recommendation holds while GAO's comment keeps the fingerprint it was made against."""
    __tablename__ = "promise_corrections"
    __table_args__ = (Index("ix_promise_corrections_rec", "recommendation_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    action: Mapped[str] = mapped_column(String(12))  # set | none | confirm | clear
    due: Mapped[date | None] = mapped_column(Date)  # set: the corrected date; confirm: the date confirmed
    reason: Mapped[str | None] = mapped_column(Text)
    read_due: Mapped[date | None] = mapped_column(Date)  # what gaorec had read, for the labelled examples
    read_phrase: Mapped[str | None] = mapped_column(String(200))
    read_sentence: Mapped[str | None] = mapped_column(Text)
    read_confidence: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)  # GAO's comment it was made against
    comment_fingerprint: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # cli, command, button, modal, shell
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClockMark(Base):
    """A statutory clock marked done: the 180-day statement of action (31 U.S.C. 720) for a GAO report,
    or an IG report's management decision (resolution) or final action."""
    __tablename__ = "clock_marks"
    __table_args__ = (UniqueConstraint("report_id", "clock"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    clock: Mapped[str] = mapped_column(String(20))  # statement | resolution | final_action
    done_by: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoreFact(Base):
    """One fact about the stored data as a whole, by name: "promise_reader", the edition of the promise reader
    (bot/gao/promises.py: READER) that read every stored comment."""
    __tablename__ = "store_facts"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
