"""Reminders: what is due, the outbox that sends it exactly once, and what
owners answer (acknowledgements, snoozes).

The database is the source of truth. A pass plans in one write transaction:
reminder rows (one per recommendation, promise and channel) and outbox rows
(one per post, under a unique key). Delivery then claims each outbox row,
posts it with the key in the message metadata and records the ts. A crash
after the claim leaves the row "sending": the next delivery first looks for
the key in the channel (conversations.history / replies with metadata) and
only posts when it is not there. Two passes at one instant cannot both plan
a post: the keys are unique.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from storage import repo
from storage.models import Acknowledgement, Outbox, Recommendation, Reminder, Snooze, Subscription
from storage.queries import recommendations as recs
from storage.queries import reminders as reminder_rows
from storage.types import utc, utc_text  # aware UTC; naive refused (docs/architecture.md, Time)

from .. import messages as M
from ..blocks.render import clip
from ..blocks.reminders import (
    ask_message, ask_words, followup, reminder_message, reminder_words, status_change, updated_heading, updated_text,
)
from ..messages import Message
from ..gao import effective as ge
from ..words import plural
from .changes import CommentDiff, comment_diff

log = logging.getLogger("gaorec.reminders")
ACK_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
CLAIM_TIMEOUT = timedelta(minutes=5)  # a "sending" row older than this: its outcome is unknown
METADATA_TYPE = "gaorec_post"
PASS_LOCK = 0x6761_6F73  # advisory lock id of the planning transaction


class Poster(Protocol):
    """Where posts go: Slack's Web API, or the shell. Each renders the neutral message its own way."""

    def post(self, channel: str, message: Message, *, thread_ts: str | None, key: str,
             reply_broadcast: bool = False) -> str: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def ephemeral(self, channel: str, user: str, message: Message, thread_ts: str | None = None) -> None: ...

    def find(self, channel: str, key: str, thread_ts: str | None, oldest: datetime) -> str | None: ...


def stored_message(payload: dict) -> Message:
    """The message of an outbox row: neutral JSON, or (rows planned before neutral messages) Slack's text and
    Block Kit, kept as they are for the Slack adapter (the shell prints their text)."""
    if "message" in payload:
        return Message.from_dict(payload["message"])
    return Message(legacy={"text": payload.get("text") or "", "blocks": payload.get("blocks")})


class PermanentError(Exception):
    """Slack refused for good (channel_not_found, not_in_channel, …): do not try again."""


class RetryLater(Exception):
    """Slack did not take the post (429 after retries): it was not posted; try on the next delivery."""


class Uncertain(Exception):
    """The post may or may not have happened (timeout, reset, 5xx): reconcile by key before trying again."""


@dataclass
class PassResult:
    as_of: date
    planned: list[dict] = field(default_factory=list)  # what was (or, dry run, would be) posted
    waiting: dict[str, int] = field(default_factory=dict)  # channel -> reminders held back by the cap
    delivered: int = 0
    failed: int = 0
    dry_run: bool = False
    selection_seconds: float = 0.0

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "planned": self.planned,
                "waiting": self.waiting, "delivered": self.delivered, "failed": self.failed}


@dataclass
class AckResult:
    ok: bool
    duplicate: bool = False
    owner: str | None = None
    reminder_id: int | None = None
    gone: bool = False  # the reminder is unknown, or closed because GAO's record changed
    reason: str | None = None  # why it was refused, when not for want of permission


MAX_SNOOZE_DAYS = 365  # THE cap, for every surface (buttons, the date picker, /gaorec snooze)


def snooze_refusal(until: datetime, now: datetime) -> str | None:
    """THE snooze rule: a time after now, at most MAX_SNOOZE_DAYS away (a date picked a year ahead fits)."""
    if until <= now:
        return "Pick a date after today to snooze until; nothing was recorded."
    if until > now + timedelta(days=MAX_SNOOZE_DAYS):
        return f"Snooze for at most {MAX_SNOOZE_DAYS} days; nothing was recorded."
    return None


class Engine:
    def __init__(self, service, *, is_admin: Callable[[str], bool] | None = None, pace_seconds: float = 1.0,
                 claim_timeout: timedelta = CLAIM_TIMEOUT):
        self.service = service
        self.settings = service.settings
        self.db = service.db
        self.is_admin = is_admin or (lambda user: user in self.settings.admins)
        # (group id, user) -> member? Slack asks usergroups.users.list; without a chat nobody is (admins still may)
        self.in_group: Callable[[str, str], bool] = lambda group, user: False
        self.pace_seconds = pace_seconds
        self.claim_timeout = claim_timeout

    # -- who owns what ----------------------------------------------------------
    def _views(self, session, ids: list[int]) -> dict[int, repo.RecView]:
        """The views with their owners, resolved as everywhere else (bot/services/owners.py)."""
        from ..services import owners

        views = recs.by_ids(session, ids) if ids else []
        return {v.id: v for v in owners.resolve(session, views, self.settings.owner_rules)}

    def cadence(self, v) -> timedelta:
        """Days until the next follow-up: shorter for priority recommendations and for repeated slips."""
        days = [self.settings.followup_days]
        if v.priority and self.settings.priority_followup_days:
            days.append(self.settings.priority_followup_days)
        if self.settings.followup_days_after_slips and len(v.slips) >= self.settings.slips_for_shorter:
            days.append(self.settings.followup_days_after_slips)
        return timedelta(days=min(days))

    # -- the pass -----------------------------------------------------------------
    def select(self, session, as_of: date) -> dict[str, list[tuple[int, date, bool]]]:
        """channel -> overdue recommendations it subscribes to: (id, due, priority)."""
        subs = list(session.scalars(select(Subscription)))
        if not subs:
            return {}
        rows: dict[str, dict[int, tuple[int, date, bool]]] = {}
        for sub in subs:
            rows.setdefault(sub.channel_id, {}).update({r[0]: r for r in recs.overdue_due(session, as_of, sub.query)})
        return {ch: list(found.values()) for ch, found in rows.items()}

    def run_pass(self, now: datetime | None = None, *, dry_run: bool = False,
                 poster: Poster | None = None) -> PassResult:
        now_utc = utc(now)
        as_of = self.service.today(now_utc)
        result = PassResult(as_of=as_of, dry_run=dry_run)
        with (self.db.session() if dry_run else self.db.write()) as s:
            if not dry_run and self.db.dialect == "postgresql":
                # passes take turns (SQLite's BEGIN IMMEDIATE already makes them): a second one sees the first's work
                s.execute(sql_text("SELECT pg_advisory_xact_lock(:k)"), {"k": PASS_LOCK})
            started = time.perf_counter()
            wanted = self.select(s, as_of)
            rec_ids = sorted({r[0] for found in wanted.values() for r in found})
            existing: dict[tuple[int, str, date], Reminder] = {}
            for rem in reminder_rows.for_recommendations(s, rec_ids):
                existing[(rem.recommendation_id, rem.channel_id, rem.due)] = rem
            result.selection_seconds = time.perf_counter() - started
            cap = self.settings.reminder_cap
            firsts: dict[str, list[tuple[int, date, bool]]] = {}
            followups: list[Reminder] = []
            for channel, found in wanted.items():
                new = [r for r in found if (r[0], channel, r[1]) not in existing]
                new.sort(key=lambda r: (not r[2], r[1], r[0]))  # priority first, oldest due first
                firsts[channel] = new[:cap]
                if len(new) > cap:
                    result.waiting[channel] = len(new) - cap
                for r in found:
                    known = existing.get((r[0], channel, r[1]))
                    if known is None or known.thread_ts is None or known.state == "closed":
                        continue
                    rem = known
                    if rem.state in ("acknowledged", "snoozed"):
                        if rem.quiet_until is not None and rem.quiet_until <= now_utc:
                            followups.append(rem)  # quiet time over and still unchanged: remind again
                    elif rem.next_at is not None and rem.next_at <= now_utc:
                        followups.append(rem)
            need = {r[0] for rs in firsts.values() for r in rs} | {rem.recommendation_id for rem in followups}
            views = self._views(s, sorted(need))
            for channel, recs in firsts.items():
                for rec_id, due, _prio in recs:
                    v = views[rec_id]
                    if self._ask_first(s, v, channel, as_of, now_utc, result, dry_run):
                        continue  # the owner is asked about the date before any reminder is based on it
                    result.planned.append({"kind": "reminder", "channel": channel, "key": v.key,
                                           "due": due.isoformat(), "days_overdue": v.days_overdue(as_of),
                                           "owner": v.owner, "text": M.to_plain(reminder_words(v, as_of))})
                    if dry_run:
                        continue
                    rem = Reminder(recommendation_id=rec_id, channel_id=channel, due=due, state="active", sent=1,
                                   unanswered=1, next_at=now_utc + self.cadence(v),
                                   created_at=now_utc)
                    s.add(rem)
                    s.flush()
                    self._outbox(s, f"r{rec_id}:{due}:{channel}:1", "reminder", channel, None, rem.id, now_utc,
                                 {"message": reminder_message(v, as_of, rem.id).to_dict()})
                    repo.audit(s, at=now_utc, actor="gaorec", action="remind", recommendation_id=rec_id,
                               channel_id=channel, detail={"due": due.isoformat(), "n": 1})
                if result.waiting.get(channel) and not dry_run:
                    n = result.waiting[channel]
                    self._outbox(s, f"backlog:{channel}:{as_of}", "backlog", channel, None, None, now_utc, {
                        "message": Message(text=M.text(
                            f"{n} more overdue recommendation{'s' if n != 1 else ''} wait; they follow on the "
                            f"next reminder passes (at most {plural(cap, 'new reminder')} per pass).")).to_dict()})
            for rem in followups:
                v = views[rem.recommendation_id]
                n = rem.sent + 1
                escalate = rem.unanswered >= self.settings.escalate_after
                contact = self.settings.escalation_contact
                lead = None
                if escalate:
                    lead = M.text(M.icon("rotating_light"), "Escalation",
                                  [" to ", M.user(contact)] if contact else None, ".")
                words = followup(v, as_of, n, escalation=lead)
                result.planned.append({"kind": "escalation" if escalate else "followup", "channel": rem.channel_id,
                                       "key": v.key, "due": rem.due.isoformat(), "n": n,
                                       "days_overdue": v.days_overdue(as_of), "owner": v.owner,
                                       "text": M.to_plain(words)})
                if dry_run:
                    continue
                rem.sent, rem.unanswered, rem.state, rem.quiet_until = n, rem.unanswered + 1, "active", None
                rem.next_at = now_utc + self.cadence(v)
                self._outbox(s, f"r{rem.recommendation_id}:{rem.due}:{rem.channel_id}:{n}",
                             "escalation" if escalate else "followup", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                             {"message": Message(text=words).to_dict(), "reply_broadcast": escalate})
                repo.audit(s, at=now_utc, actor="gaorec", action="remind", recommendation_id=rem.recommendation_id,
                           channel_id=rem.channel_id, detail={"due": rem.due.isoformat(), "n": n,
                                                              "escalation": escalate})
        if not dry_run:  # statutory clocks (31 U.S.C. 720, OMB A-50) reach the same channels
            from ..services.clocks import plan_reminders

            result.planned += [{"kind": "clock", **c} for c in plan_reminders(self.db, now_utc, as_of)]
        if not dry_run and poster is not None:
            from .delivery import REVIVE_AFTER, revive

            revive(self.db, older_than=REVIVE_AFTER)  # posts a channel refused an hour or more ago: try again
            d, f = self.deliver(poster, now_utc)
            result.delivered, result.failed = d, f
        return result

    def _ask_first(self, s, v, channel: str, as_of: date, now_utc: datetime, result: PassResult,
                   dry_run: bool) -> bool:
        """A date read with low confidence, or read again after GAO changed a comment the owner had corrected, is
        put to the owner once (in the first channel that would be reminded, with That's right / Correct the date)
        before a reminder is based on it. Reminders, in every channel, wait for the answer, at most followup_days.
        True: no reminder this pass."""
        p = v.current_promise
        if not ge.needs_asking(p, v.decision, v.comments):
            return False
        key = f"ask:{v.id}:{ge.fingerprint(v.comments)[:16]}"  # once per comment, in the first channel reminded
        asked = s.scalar(select(Outbox.created_at).where(Outbox.key == key))
        if asked is not None:
            return asked > now_utc - timedelta(days=self.settings.followup_days)
        result.planned.append({"kind": "ask", "channel": channel, "key": v.key, "due": p.due.isoformat(),
                               "days_overdue": v.days_overdue(as_of), "owner": v.owner,
                               "text": M.to_plain(ask_words(v))})
        if not dry_run:
            self._outbox(s, key, "ask", channel, None, None, now_utc, {"message": ask_message(v, as_of).to_dict()})
            repo.audit(s, at=now_utc, actor="gaorec", action="promise-ask", recommendation_id=v.id,
                       channel_id=channel, detail={"due": p.due.isoformat(), "phrase": p.phrase,
                                                   "confidence": p.confidence,
                                                   "lapsed": ge.lapsed(v.decision, v.comments)})
        return True

    def _outbox(self, s, key: str, kind: str, channel: str, thread_ts: str | None, reminder_id: int | None,
                now: datetime, payload: dict) -> bool:
        """Write one post under its key; False when the key exists (already planned)."""
        if s.scalar(select(Outbox.id).where(Outbox.key == key)) is not None:
            return False
        s.add(Outbox(key=key, kind=kind, channel_id=channel, thread_ts=thread_ts, reminder_id=reminder_id,
                     payload=json.dumps(payload), state="pending", attempts=0, created_at=now))
        s.flush()
        return True

    # -- delivery -------------------------------------------------------------------
    def deliver(self, poster: Poster, now: datetime | None = None, *,
                stop: threading.Event | None = None) -> tuple[int, int]:
        """Send every pending post (and reconcile uncertain ones): one lane per channel, at most one post per
        pace_seconds in each, lanes served in turns (see delivery.py); once ``stop`` is set, nothing more after
        the post in flight. Returns (delivered, failed)."""
        from .delivery import Delivery

        return Delivery(self, poster, now, stop).run()

    def _send(self, poster: Poster, item: dict, payload: dict) -> str | None:
        kind = item["kind"]
        message = stored_message(payload)
        if kind == "update":
            poster.update(item["channel_id"], payload["ts"], message)
            return payload["ts"]
        if kind == "dm":  # to a user: chat.postMessage to a user id opens the app's direct message
            return poster.post(item["channel_id"], message, thread_ts=None, key=item["key"])
        if kind == "ephemeral":
            poster.ephemeral(item["channel_id"], payload["user"], message, item["thread_ts"])
            return None
        return poster.post(item["channel_id"], message, thread_ts=item["thread_ts"], key=item["key"],
                           reply_broadcast=bool(payload.get("reply_broadcast")))

    # -- answers ----------------------------------------------------------------------
    def reminder_for_thread(self, channel: str, thread_ts: str) -> int | None:
        with self.db.session() as s:
            return s.scalar(select(Reminder.id).where(Reminder.channel_id == channel, Reminder.thread_ts == thread_ts))

    def _may_act(self, session, rem: Reminder, user: str) -> tuple[bool, str | None]:
        return self.may_act_on(session, rem.recommendation_id, user)

    def may_act_on(self, session, rec_id: int, user: str) -> tuple[bool, str | None]:
        """Who may answer for a recommendation (acknowledge, snooze, confirm or correct its promise): its owner,
        a member of the owning user group, an admin; anyone when nobody owns it. Returns (allowed, owner)."""
        v = self._views(session, [rec_id])[rec_id]
        owner = v.owner
        if owner is None or owner == user:
            return True, owner
        if owner.startswith("subteam:") and self.in_group(owner.split(":", 1)[1], user):
            return True, owner
        return self.is_admin(user), owner

    def _answerable(self, s, reminder_id: int | None, user: str) -> tuple[Reminder, str | None] | AckResult:
        """The reminder and its owner, or the refusal to give when it is gone or the user may not answer it."""
        # a double click waits for the first
        rem = s.get(Reminder, reminder_id, with_for_update=True) if reminder_id is not None else None
        if rem is None or rem.state == "closed":
            return AckResult(ok=False, gone=True)
        ok, owner = self._may_act(s, rem, user)
        if not ok:
            return AckResult(ok=False, owner=owner, reminder_id=rem.id)
        return rem, owner

    def acknowledge(self, reminder_id: int | None, user: str, via: str, note: str | None,
                    now: datetime | None = None) -> AckResult:
        now_utc = utc(now)
        note = (note or "").strip()[:2000] or None
        with self.db.write() as s:
            answerable = self._answerable(s, reminder_id, user)
            if isinstance(answerable, AckResult):  # refused
                return answerable
            rem, owner = answerable
            existing = s.scalar(select(Acknowledgement).where(Acknowledgement.reminder_id == rem.id,
                                                              Acknowledgement.round == rem.sent,
                                                              Acknowledgement.user_id == user))
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
            rem.quiet_until = now_utc + timedelta(days=self.settings.ack_quiet_days)
            repo.audit(s, at=now_utc, actor=user, action="ack", recommendation_id=rem.recommendation_id,
                       channel_id=rem.channel_id, detail={"via": via, "note": note})
            line = M.text(M.icon("white_check_mark"), "Acknowledged by ", M.user(user), f" on {now_utc:%Y-%m-%d}",
                          f": “{clip(note, 500)}”" if note else None)
            self._answer_posts(s, rem, f"ack:{rem.id}:{ack.id}", line, now_utc)
        return AckResult(ok=True, owner=owner, reminder_id=reminder_id)

    def snooze(self, reminder_id: int | None, user: str, until: datetime, reason: str | None,
               now: datetime | None = None) -> AckResult:
        now_utc = utc(now)
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
            sn = Snooze(reminder_id=rem.id, user_id=user, until=until, reason=(reason or "").strip()[:500] or None,
                        at=now_utc)
            s.add(sn)
            s.flush()
            rem.state, rem.quiet_until, rem.unanswered = "snoozed", until, 0
            repo.audit(s, at=now_utc, actor=user, action="snooze", recommendation_id=rem.recommendation_id,
                       channel_id=rem.channel_id, detail={"until": utc_text(until), "note": sn.reason})
            line = M.text(M.icon("zzz"), "Snoozed by ", M.user(user), f" until {until:%Y-%m-%d}",
                          f": “{clip(sn.reason, 500)}”" if sn.reason else None)
            self._answer_posts(s, rem, f"snooze:{rem.id}:{sn.id}", line, now_utc)
        return AckResult(ok=True, owner=owner, reminder_id=reminder_id)

    def _answer_posts(self, s, rem: Reminder, key: str, line: M.Text, now_utc: datetime) -> None:
        """Confirm once in the thread, and show the answer on the parent message."""
        self._outbox(s, key, "ack", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                     {"message": Message(text=line).to_dict()})
        if rem.thread_ts:
            v = self._views(s, [rem.recommendation_id])[rem.recommendation_id]
            as_of = self.service.today(now_utc)
            self._outbox(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                "ts": rem.thread_ts, "message": reminder_message(v, as_of, rem.id, state_line=line).to_dict()})

    def promise_answered(self, s, rec_id: int, word_id: int, line: M.Text, now_utc: datetime, *,
                         new_due: date | None) -> int:
        """An owner confirmed or corrected the promise: say so in each open reminder thread of the
        recommendation and on its parent; reminders for a date that is no longer the promise stop. Returns the
        number of threads told."""
        rems = list(s.scalars(select(Reminder).where(Reminder.recommendation_id == rec_id, Reminder.state != "closed")))
        if not rems:
            return 0
        v = self._views(s, [rec_id])[rec_id]
        as_of = self.service.today(now_utc)
        for rem in rems:
            stop = rem.due != new_due
            note = M.text(line, "; reminders for the old date stopped." if stop else None)
            key = f"promise:{rem.id}:{word_id}"
            if stop:
                rem.state, rem.next_at = "closed", None
            self._outbox(s, key, "ack", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                         {"message": Message(text=note).to_dict()})
            if rem.thread_ts:
                self._outbox(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                    "ts": rem.thread_ts,
                    "message": reminder_message(v, as_of, rem.id, state_line=note, buttons=not stop).to_dict()})
        return len(rems)

    def snooze_key(self, key: str, channel: str | None, user: str, days: int, reason: str | None,
                   now: datetime | None = None) -> list[AckResult]:
        """/gaorec snooze KEY 30d: every open reminder of that recommendation (in this channel, if given)."""
        now_utc = utc(now)
        with self.db.session() as s:
            q = (select(Reminder.id).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                 .where(Recommendation.key == key.lower(), Reminder.state != "closed"))
            if channel:
                q = q.where(Reminder.channel_id == channel)
            ids = list(s.scalars(q))
        return [self.snooze(i, user, now_utc + timedelta(days=days), reason, now_utc) for i in ids]

    # -- GAO changed a reminded recommendation ---------------------------------------------
    def after_import(self, changed_keys: list[str], now: datetime | None = None) -> int:
        """Close the loop for reminded recommendations whose status or comment changed: post what changed in
        the thread, update the parent, stop reminding for the old promise. Returns threads closed."""
        if not changed_keys:
            return 0
        now_utc = utc(now)
        as_of = self.service.today(now_utc)
        closed = 0
        with self.db.write() as s:
            rems = list(s.scalars(select(Reminder).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                                  .where(Recommendation.key.in_(changed_keys), Reminder.state != "closed")))
            if not rems:
                return 0
            views = self._views(s, sorted({r.recommendation_id for r in rems}))
            for rem in rems:
                v = views[rem.recommendation_id]
                last = recs.latest_status_event(s, v.id)
                if last is None:  # a change without a status event (text or priority only)
                    continue
                key = f"status:{rem.id}:{last.id}"
                if s.scalar(select(Outbox.id).where(Outbox.key == key)) is not None:
                    continue  # this change was already told in this thread
                still = v.current_due == rem.due and v.days_overdue(as_of) is not None and v.status_date is not None \
                    and v.status_date <= rem.due
                diff = comment_diff(last.old_comments, last.new_comments) \
                    if (last.old_comments or "") != (last.new_comments or "") else CommentDiff()
                self._outbox(s, key, "status", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                             {"message": Message(text=status_change(
                                 v, last.old_status, as_of, added=diff.added, removed=diff.removed,
                                 stopped=not still)).to_dict()})
                if still:  # GAO wrote something, but the promise still passed with no status change
                    if rem.thread_ts:
                        self._outbox(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                            "ts": rem.thread_ts, "message": reminder_message(v, as_of, rem.id).to_dict()})
                    continue
                rem.state, rem.next_at = "closed", None
                closed += 1
                if rem.thread_ts:
                    line = M.text(M.icon("arrows_counterclockwise"), f"GAO updated this on {now_utc:%Y-%m-%d}: "
                                  f"{v.status or ''}; reminders for this promise stopped.")
                    msg = reminder_message(v, as_of, rem.id, state_line=line, buttons=False,
                                           heading=updated_heading(v, as_of))
                    msg.text = updated_text(v, as_of)
                    self._outbox(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                        "ts": rem.thread_ts, "message": msg.to_dict()})
                repo.audit(s, at=now_utc, actor="gaorec", action="stop", recommendation_id=v.id,
                           channel_id=rem.channel_id, detail={"due": rem.due.isoformat(), "reason": "GAO updated it"})
        return closed

    # -- the weekly digest ---------------------------------------------------------------
    def digest(self, now: datetime | None = None, *, dry_run: bool = False, poster: Poster | None = None) -> dict:
        """One message per subscribed channel with a thread of details: what is overdue (priority first), what
        became overdue this week, what is due in 30 days, what changed status and what moved its date."""
        from ..blocks.home import digest_message, digest_section

        now_utc = utc(now)
        as_of = self.service.today(now_utc)
        week_ago = now_utc - timedelta(days=7)
        planned: dict[str, dict[str, int]] = {}
        from ..services.reports import giaa

        unjustified_keys = giaa(self.db, as_of).missing  # the coming GAO-IG Act report's gaps
        with (self.db.session() if dry_run else self.db.write()) as s:
            subs = list(s.scalars(select(Subscription)))
            channels: dict[str, list[str]] = defaultdict(list)
            for sub in subs:
                channels[sub.channel_id].append(sub.query)
            for channel, queries in channels.items():
                match = recs.matching_any(s, queries)

                def pick(where, match=match):  # this channel's match, bound now
                    order = (Recommendation.priority.desc(), Recommendation.current_due, Recommendation.id)
                    return recs.views(s, where if match is None else where & match, order=order)

                overdue = pick(recs.overdue_where(as_of))
                became = [v for v in overdue if v.current_due >= as_of - timedelta(days=7)]
                due = pick(recs.due_where(as_of, as_of + timedelta(days=30)))
                changed = pick(recs.changed_status_since(week_ago))
                slipped = pick(recs.moved_date_since(week_ago))
                unlisted = pick(recs.unlisted_unsettled_where())
                unjustified = pick(Recommendation.key.in_(unjustified_keys)) if unjustified_keys else []
                counts = {"overdue": len(overdue), "became": len(became), "due": len(due), "changed": len(changed),
                          "slipped": len(slipped), "unjustified": len(unjustified), "unlisted": len(unlisted)}
                planned[channel] = counts
                if dry_run:
                    continue
                parent = f"digest:{channel}:{as_of}"
                if not self._outbox(s, parent, "digest", channel, None, None, now_utc,
                                    {"message": digest_message(counts, as_of).to_dict()}):
                    continue  # this week's digest was already planned
                for n, (title, views) in enumerate((("Overdue now, priority first", overdue),
                                                    ("Became overdue this week", became),
                                                    ("Due in the next 30 days", due),
                                                    ("Changed status this week", changed),
                                                    ("Moved their date this week", slipped),
                                                    ("In the GAO-IG Act report with neither a timeline nor a "
                                                     "justification (/gaorec justify)", unjustified),
                                                    ("No longer listed by GAO: probably closed (mark the outcome)",
                                                     unlisted))):
                    if views:
                        self._outbox(s, f"{parent}:{n}", "digest-detail", channel, None, None, now_utc,
                                     {"message": Message(text=digest_section(title, views, as_of),
                                                         thread=parent).to_dict(),
                                      "parent_key": parent})
        if not dry_run and poster is not None:
            self.deliver(poster, now_utc)
        return planned

    def pending(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(Outbox).where(Outbox.state.in_(("pending", "sending"))))
