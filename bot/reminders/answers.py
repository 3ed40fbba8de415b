"""What owners answer to a reminder: an acknowledgement, a snooze, a word on the promise; and THE rule of who
may answer for a recommendation (``Answers.may_act_on``).

An answer is recorded with its audit row in one write transaction, and the confirmations it causes (a line in
the thread, the parent message updated) are planned through the outbox in that same transaction."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import repo
from storage.db import Database
from storage.models import Acknowledgement, Reminder, Snooze
from storage.queries import reminders as q
from storage.types import utc, utc_text, utcnow  # aware UTC; naive refused (docs/architecture.md, Time)

from .. import messages as M
from ..blocks.reminders import OVERDUE_HEADING, reminder_message
from ..messages import Message
from ..words import clip

ACK_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
MAX_SNOOZE_DAYS = 365  # THE cap, for every surface (buttons, the date picker, /gaorec snooze)

Views = Callable[[Session, list[int]], dict[int, repo.RecView]]  # views by id, owners resolved (THE owner rule)


def snooze_refusal(until: datetime, now: datetime) -> str | None:
    """THE snooze rule: a time after now, at most MAX_SNOOZE_DAYS away (a date picked a year ahead fits)."""
    if until <= now:
        return "Pick a date after today to snooze until; nothing was recorded."
    if until > now + timedelta(days=MAX_SNOOZE_DAYS):
        return f"Snooze for at most {MAX_SNOOZE_DAYS} days; nothing was recorded."
    return None


class People(Protocol):
    """Who is who, as the chat knows it: a workspace admin, a member of a user group."""

    def is_admin(self, user: str) -> bool: ...

    def in_group(self, group: str, user: str) -> bool: ...


@dataclass(frozen=True)
class Admins:
    """Without a chat to ask: the users listed (settings.admins) are admins, and nobody is in a group."""
    users: frozenset[str] = frozenset()

    def is_admin(self, user: str) -> bool:
        return user in self.users

    def in_group(self, group: str, user: str) -> bool:
        return False


@dataclass
class AckResult:
    ok: bool
    duplicate: bool = False
    owner: str | None = None
    reminder_id: int | None = None
    gone: bool = False  # the reminder is unknown, or closed because GAO's record changed
    reason: str | None = None  # why it was refused, when not for want of permission


class Answers:
    def __init__(self, db: Database, *, people: People, views: Views, today: Callable[[datetime], date],
                 ack_quiet_days: int, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.people = people
        self.views = views
        self.today = today  # an instant -> the day it is in the configured time zone
        self.ack_quiet_days = ack_quiet_days  # days without follow-ups after an acknowledgement
        self.clock = clock

    def _now(self, now: datetime | None) -> datetime:
        return utc(now if now is not None else self.clock())

    # -- who may answer ----------------------------------------------------------------------------------------
    def may_act_on(self, session: Session, rec_id: int, user: str) -> tuple[bool, str | None]:
        """Who may answer for a recommendation (acknowledge, snooze, confirm or correct its promise): its owner,
        a member of the owning user group, an admin; anyone when nobody owns it. Returns (allowed, owner)."""
        v = self.views(session, [rec_id])[rec_id]
        owner = v.owner
        if owner is None or owner == user:
            return True, owner
        if owner.startswith("subteam:") and self.people.in_group(owner.split(":", 1)[1], user):
            return True, owner
        return self.people.is_admin(user), owner

    def reminder_for_thread(self, channel: str, thread_ts: str) -> int | None:
        with self.db.session() as s:
            return q.for_thread(s, channel, thread_ts)

    def _answerable(self, s: Session, reminder_id: int | None, user: str) -> tuple[Reminder, str | None] | AckResult:
        """The reminder and its owner, or the refusal to give when it is gone or the user may not answer it."""
        rem = q.locked(s, reminder_id) if reminder_id is not None else None  # a double click waits for the first
        if rem is None or rem.state == "closed":
            return AckResult(ok=False, gone=True)
        ok, owner = self.may_act_on(s, rem.recommendation_id, user)
        if not ok:
            return AckResult(ok=False, owner=owner, reminder_id=rem.id)
        return rem, owner

    # -- acknowledge and snooze ---------------------------------------------------------------------------------
    def acknowledge(self, reminder_id: int | None, user: str, via: str, note: str | None,
                    now: datetime | None = None) -> AckResult:
        now_utc = self._now(now)
        note = (note or "").strip()[:2000] or None
        with self.db.write() as s:
            answerable = self._answerable(s, reminder_id, user)
            if isinstance(answerable, AckResult):  # refused
                return answerable
            rem, owner = answerable
            existing = q.acknowledgement(s, rem.id, rem.sent, user)
            if existing is not None:
                if note and not existing.note:
                    existing.note = note
                return AckResult(ok=True, duplicate=True, owner=owner, reminder_id=rem.id)
            try:
                with s.begin_nested():
                    ack = Acknowledgement(reminder_id=rem.id, round=rem.sent, user_id=user, via=via, note=note,
                                          at=now_utc)
                    s.add(ack)
                    s.flush()
            except IntegrityError:  # a concurrent delivery of the same answer won
                return AckResult(ok=True, duplicate=True, owner=owner, reminder_id=rem.id)
            rem.state, rem.unanswered = "acknowledged", 0
            rem.quiet_until = now_utc + timedelta(days=self.ack_quiet_days)
            repo.audit(s, at=now_utc, actor=user, action="ack", recommendation_id=rem.recommendation_id,
                       channel_id=rem.channel_id, detail={"via": via, "note": note})
            line = M.text(M.icon("white_check_mark"), "Acknowledged by ", M.user(user), f" on {self.today(now_utc)}",
                          f": “{clip(note, 500)}”" if note else None)
            self._answer_posts(s, rem, f"ack:{rem.id}:{ack.id}", line, now_utc)
        return AckResult(ok=True, owner=owner, reminder_id=reminder_id)

    def snooze(self, reminder_id: int | None, user: str, until: datetime, reason: str | None,
               now: datetime | None = None) -> AckResult:
        now_utc = self._now(now)
        until = utc(until)
        refused = snooze_refusal(until, now_utc)
        if refused:
            return AckResult(ok=False, reminder_id=reminder_id, reason=refused)
        with self.db.write() as s:
            answerable = self._answerable(s, reminder_id, user)
            if isinstance(answerable, AckResult):  # refused
                return answerable
            rem, owner = answerable
            if rem.state == "snoozed" and rem.quiet_until is not None and rem.quiet_until.date() == until.date():
                return AckResult(ok=True, duplicate=True, owner=owner, reminder_id=rem.id)  # a repeated click
            if rem.state == "acknowledged" and rem.quiet_until is not None and until <= rem.quiet_until:
                quiet = self.today(rem.quiet_until)  # an acknowledgement's quiet days are never cut short
                return AckResult(ok=False, owner=owner, reminder_id=rem.id, reason=(
                    f"This reminder was acknowledged and stays quiet until {quiet}; a snooze until "
                    f"{self.today(until)} would end that sooner, so nothing was changed (snooze past {quiet} to "
                    "keep it quiet longer)."))
            sn = Snooze(reminder_id=rem.id, user_id=user, until=until, reason=(reason or "").strip()[:500] or None,
                        at=now_utc)
            s.add(sn)
            s.flush()
            rem.state, rem.quiet_until, rem.unanswered = "snoozed", until, 0
            repo.audit(s, at=now_utc, actor=user, action="snooze", recommendation_id=rem.recommendation_id,
                       channel_id=rem.channel_id, detail={"until": utc_text(until), "note": sn.reason})
            line = M.text(M.icon("zzz"), "Snoozed by ", M.user(user), f" until {self.today(until)}",
                          f": “{clip(sn.reason, 500)}”" if sn.reason else None)
            self._answer_posts(s, rem, f"snooze:{rem.id}:{sn.id}", line, now_utc)
        return AckResult(ok=True, owner=owner, reminder_id=reminder_id)

    def snooze_key(self, key: str, channel: str | None, user: str, days: int, reason: str | None,
                   now: datetime | None = None) -> list[AckResult]:
        """/gaorec snooze KEY 30d: every open reminder of that recommendation (in this channel, if given)."""
        now_utc = self._now(now)
        with self.db.session() as s:
            ids = q.open_ids_for_key(s, key, channel)
        return [self.snooze(i, user, now_utc + timedelta(days=days), reason, now_utc) for i in ids]

    def _answer_posts(self, s: Session, rem: Reminder, key: str, line: M.Text, now_utc: datetime) -> None:
        """Confirm once in the thread, and show the answer on the parent message."""
        q.plan_post(s, key, "ack", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                    {"message": Message(text=line).to_dict()})
        if rem.thread_ts:
            v = self.views(s, [rem.recommendation_id])[rem.recommendation_id]
            as_of = self.today(now_utc)
            q.plan_post(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                "ts": rem.thread_ts,
                "message": reminder_message(v, as_of, rem.id, day=self.today, state_line=line).to_dict()})

    # -- a word on the promise ------------------------------------------------------------------------------
    def promise_answered(self, s: Session, rec_id: int, word_id: int, line: M.Text, now_utc: datetime, *,
                         new_due: date | None) -> int:
        """An owner confirmed or corrected the promise: say so in each open reminder thread of the
        recommendation and on its parent; reminders for a date that is no longer the promise stop. Returns the
        number of threads told."""
        rems = q.open_for_recommendation(s, rec_id)
        if not rems:
            return 0
        v = self.views(s, [rec_id])[rec_id]
        as_of = self.today(now_utc)
        for rem in rems:
            stop = rem.due != new_due
            note = M.text(line, "; reminders for the old date stopped." if stop else None)
            key = f"promise:{rem.id}:{word_id}"
            if stop:
                rem.state, rem.next_at = "closed", None
            q.plan_post(s, key, "ack", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                        {"message": Message(text=note).to_dict()})
            if rem.thread_ts:
                heading = (M.text(M.icon("arrows_counterclockwise"), M.strong(
                    f"The promised date changed: reminders for {rem.due} stopped.")) if stop else OVERDUE_HEADING)
                q.plan_post(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                    "ts": rem.thread_ts,
                    "message": reminder_message(v, as_of, rem.id, day=self.today, state_line=note,
                                                buttons=not stop, heading=heading).to_dict()})
        return len(rems)
