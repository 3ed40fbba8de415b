"""Planning: what is due. A reminder pass selects, for each subscribed channel, what is overdue (the rule in
storage/queries/overdue.py) and not answered, and writes in one transaction the reminder rows (one per
recommendation, promise and channel) and their posts in the outbox (one per post, under a unique key). Two
passes at one instant cannot both plan a post: the keys are unique. A low-confidence date is put to the owner
once before any reminder is based on it. After an import, the threads of reminded recommendations GAO changed
are told what changed, and reminding for an old promise stops.

Planning writes posts; the outbox (bot/reminders/outbox.py) delivers them."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from storage import repo
from storage.db import Database
from storage.locks import passes_take_turns
from storage.models import Reminder
from storage.queries import recommendations as recs
from storage.queries import reminders as q
from storage.types import utc, utcnow  # aware UTC; naive refused (docs/architecture.md, Time)

from .. import messages as M
from ..blocks.reminders import (
    ask_message, ask_words, followup, reminder_message, reminder_words, status_change, updated_heading, updated_text,
)
from ..gao import effective as ge
from ..messages import Message
from ..words import plural
from .answers import Views
from .changes import CommentDiff, comment_diff
from .outbox import Outbox
from .poster import Poster, serves


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


@dataclass(frozen=True)
class Cadence:
    """How often a reminder is followed up (settings of the same names)."""
    followup_days: int = 7
    priority_followup_days: int | None = None  # GAO priority recommendations
    followup_days_after_slips: int | None = None  # recommendations whose date moved slips_for_shorter times
    slips_for_shorter: int = 2

    def after(self, v: repo.RecView) -> timedelta:
        """Days until the next follow-up: shorter for priority recommendations and for repeated slips."""
        days = [self.followup_days]
        if v.priority and self.priority_followup_days:
            days.append(self.priority_followup_days)
        if self.followup_days_after_slips and len(v.slips) >= self.slips_for_shorter:
            days.append(self.followup_days_after_slips)
        return timedelta(days=min(days))


class Planner:
    def __init__(self, db: Database, *, outbox: Outbox, views: Views, today: Callable[[datetime], date],
                 cadence: Cadence, cap: int, escalate_after: int, escalation_contact: str | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.outbox = outbox  # a pass given a poster delivers what it planned
        self.views = views
        self.today = today  # an instant -> the day it is in the configured time zone
        self.cadence = cadence
        self.cap = cap  # at most this many new reminders per channel and pass
        self.escalate_after = escalate_after  # unanswered reminders before a follow-up escalates
        self.escalation_contact = escalation_contact  # who an escalation mentions
        self.clock = clock

    def _now(self, now: datetime | None) -> datetime:
        return utc(now if now is not None else self.clock())

    def select(self, session: Session, as_of: date, channels: list[str] | None = None
               ) -> dict[str, list[tuple[int, date, bool]]]:
        """channel -> overdue recommendations it subscribes to: (id, due, priority); the channels a pass serves
        (poster.serves)."""
        rows: dict[str, dict[int, tuple[int, date, bool]]] = {}
        for channel, queries in q.subscribed_queries(session).items():
            if not serves(channel, channels):
                continue
            for query in queries:
                rows.setdefault(channel, {}).update({r[0]: r for r in recs.overdue_due(session, as_of, query)})
        return {ch: list(found.values()) for ch, found in rows.items()}

    def run_pass(self, now: datetime | None = None, *, dry_run: bool = False,
                 poster: Poster | None = None, channels: list[str] | None = None) -> PassResult:
        now_utc = self._now(now)
        as_of = self.today(now_utc)
        result = PassResult(as_of=as_of, dry_run=dry_run)
        with (self.db.session() if dry_run else self.db.write()) as s:
            if not dry_run:
                passes_take_turns(s)  # a second pass sees the first's work
            started = time.perf_counter()
            wanted = self.select(s, as_of, channels)
            rec_ids = sorted({r[0] for found in wanted.values() for r in found})
            existing: dict[tuple[int, str, date], Reminder] = {}
            for rem in q.for_recommendations(s, rec_ids):
                existing[(rem.recommendation_id, rem.channel_id, rem.due)] = rem
            result.selection_seconds = time.perf_counter() - started
            cap = self.cap
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
            views = self.views(s, sorted(need))
            for channel, chosen in firsts.items():
                for rec_id, due, _prio in chosen:
                    v = views[rec_id]
                    if self._ask_first(s, v, channel, as_of, now_utc, result, dry_run):
                        continue  # the owner is asked about the date before any reminder is based on it
                    result.planned.append({"kind": "reminder", "channel": channel, "key": v.key,
                                           "due": due.isoformat(), "days_overdue": v.days_overdue(as_of),
                                           "owner": v.owner, "text": M.to_plain(reminder_words(v, as_of))})
                    if dry_run:
                        continue
                    rem = Reminder(recommendation_id=rec_id, channel_id=channel, due=due, state="active", sent=1,
                                   unanswered=1, next_at=now_utc + self.cadence.after(v),
                                   created_at=now_utc)
                    s.add(rem)
                    s.flush()
                    q.plan_post(s, f"r{rec_id}:{due}:{channel}:1", "reminder", channel, None, rem.id, now_utc,
                                {"message": reminder_message(v, as_of, rem.id, day=self.today).to_dict()})
                    repo.audit(s, at=now_utc, actor="gaorec", action="remind", recommendation_id=rec_id,
                               channel_id=channel, detail={"due": due.isoformat(), "n": 1})
                if result.waiting.get(channel) and not dry_run:
                    n = result.waiting[channel]
                    q.plan_post(s, f"backlog:{channel}:{as_of}", "backlog", channel, None, None, now_utc, {
                        "message": Message(text=M.text(
                            f"{n} more overdue recommendation{'s' if n != 1 else ''} wait; they follow on the "
                            f"next reminder passes (at most {plural(cap, 'new reminder')} per pass).")).to_dict()})
            for rem in followups:
                v = views[rem.recommendation_id]
                n = rem.sent + 1
                escalate = rem.unanswered >= self.escalate_after
                contact = self.escalation_contact
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
                rem.next_at = now_utc + self.cadence.after(v)
                q.plan_post(s, f"r{rem.recommendation_id}:{rem.due}:{rem.channel_id}:{n}",
                            "escalation" if escalate else "followup", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                            {"message": Message(text=words).to_dict(), "reply_broadcast": escalate})
                repo.audit(s, at=now_utc, actor="gaorec", action="remind", recommendation_id=rem.recommendation_id,
                           channel_id=rem.channel_id, detail={"due": rem.due.isoformat(), "n": n,
                                                              "escalation": escalate})
        if not dry_run:  # statutory clocks (31 U.S.C. 720, OMB A-50) reach the same channels
            from ..services.clocks import plan_reminders

            result.planned += [{"kind": "clock", **c} for c in plan_reminders(self.db, now_utc, as_of, channels)]
        if not dry_run and poster is not None:
            from .delivery import REVIVE_AFTER

            self.outbox.revive(older_than=REVIVE_AFTER)  # posts a channel refused an hour or more ago: try again
            d, f = self.outbox.deliver(poster, now_utc, channels=channels)
            result.delivered, result.failed = d, f
        return result

    def _ask_first(self, s: Session, v: repo.RecView, channel: str, as_of: date, now_utc: datetime,
                   result: PassResult, dry_run: bool) -> bool:
        """A date read with low confidence, or read again after GAO changed a comment the owner had corrected, is
        put to the owner once (in the first channel that would be reminded, with That's right / Correct the date)
        before a reminder is based on it. Reminders, in every channel, wait for the answer, at most followup_days.
        True: no reminder this pass."""
        p = v.current_promise
        if p is None or not ge.needs_asking(p, v.decision, v.comments):
            return False
        key = f"ask:{v.id}:{ge.fingerprint(v.comments)[:16]}"  # once per comment, in the first channel reminded
        asked = q.planned_at(s, key)
        if asked is not None:
            return asked > now_utc - timedelta(days=self.cadence.followup_days)
        result.planned.append({"kind": "ask", "channel": channel, "key": v.key, "due": p.due.isoformat(),
                               "days_overdue": v.days_overdue(as_of), "owner": v.owner,
                               "text": M.to_plain(ask_words(v))})
        if not dry_run:
            q.plan_post(s, key, "ask", channel, None, None, now_utc, {"message": ask_message(v, as_of).to_dict()})
            repo.audit(s, at=now_utc, actor="gaorec", action="promise-ask", recommendation_id=v.id,
                       channel_id=channel, detail={"due": p.due.isoformat(), "phrase": p.phrase,
                                                   "confidence": p.confidence,
                                                   "lapsed": ge.lapsed(v.decision, v.comments)})
        return True

    # -- GAO changed a reminded recommendation ---------------------------------------------
    def after_reread(self, moved: list[tuple[str, date | None]], edition: str, now: datetime | None = None) -> int:
        """A new edition of the promise reader moved these recommendations' due dates ((key, new due); GAO's
        comment unchanged): each open reminder thread on another date hears it, its parent loses its buttons,
        and reminders for that date stop (the next pass reminds on the new date if it too has passed). Once per
        thread and edition. Returns threads told."""
        if not moved:
            return 0
        now_utc = self._now(now)
        as_of = self.today(now_utc)
        new_due = dict(moved)
        told = 0
        with self.db.write() as s:
            rems = q.open_for_keys(s, list(new_due))
            if not rems:
                return 0
            views = self.views(s, sorted({r.recommendation_id for r in rems}))
            for rem in rems:
                v = views[rem.recommendation_id]
                due = new_due.get(v.key)
                key = f"reread:{rem.id}:{edition}"
                if rem.due == due or q.post_exists(s, key):
                    continue
                rem.state, rem.next_at = "closed", None
                told += 1
                line = M.text(f"gaorec now reads GAO's unchanged comment as promising {due or 'no date'}, not "
                              f"{rem.due} (a newer promise reader); reminders for {rem.due} stopped.")
                q.plan_post(s, key, "status", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                            {"message": Message(text=line).to_dict()})
                if rem.thread_ts:  # the parent says it in its heading and its notification text, not "overdue"
                    msg = reminder_message(v, as_of, rem.id, day=self.today, state_line=line, buttons=False,
                                           heading=M.text(M.icon("arrows_counterclockwise"), M.strong(
                                               f"gaorec now reads another promised date: {due or 'none'} (it had "
                                               f"read {rem.due}). Reminders for {rem.due} stopped.")))
                    msg.text = M.text(f"GAO recommendation {v.key}: gaorec now reads the promised date as "
                                      f"{due or 'none'}, not {rem.due}; reminders for {rem.due} stopped.")
                    q.plan_post(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                        "ts": rem.thread_ts, "message": msg.to_dict()})
                repo.audit(s, at=now_utc, actor="gaorec", action="stop", recommendation_id=v.id,
                           channel_id=rem.channel_id, detail={"due": rem.due.isoformat(),
                                                              "reason": f"promise reader {edition} reads {due}"})
        return told

    def after_import(self, changed_keys: list[str], now: datetime | None = None) -> int:
        """Close the loop for reminded recommendations whose status or comment changed: post what changed in
        the thread, update the parent, stop reminding for the old promise. Returns threads closed."""
        if not changed_keys:
            return 0
        now_utc = self._now(now)
        as_of = self.today(now_utc)
        closed = 0
        with self.db.write() as s:
            rems = q.open_for_keys(s, changed_keys)
            if not rems:
                self._closed_by_gao(s, changed_keys, now_utc, as_of)
                return 0
            views = self.views(s, sorted({r.recommendation_id for r in rems}))
            for rem in rems:
                v = views[rem.recommendation_id]
                last = recs.latest_status_event(s, v.id)
                if last is None:  # a change without a status event (text or priority only)
                    continue
                key = f"status:{rem.id}:{last.id}"
                if q.post_exists(s, key):
                    continue  # this change was already told in this thread
                still = v.current_due == rem.due and v.days_overdue(as_of) is not None and v.status_date is not None \
                    and v.status_date <= rem.due
                diff = comment_diff(last.old_comments, last.new_comments) \
                    if (last.old_comments or "") != (last.new_comments or "") else CommentDiff()
                q.plan_post(s, key, "status", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                            {"message": Message(text=status_change(
                                v, last.old_status, as_of, added=diff.added, removed=diff.removed,
                                stopped=not still)).to_dict()})
                if still:  # GAO wrote something, but the promise still passed with no status change
                    if rem.thread_ts:
                        q.plan_post(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
                            "ts": rem.thread_ts,
                            "message": reminder_message(v, as_of, rem.id, day=self.today).to_dict()})
                    continue
                rem.state, rem.next_at = "closed", None
                closed += 1
                if rem.thread_ts:
                    self._updated_parent(s, rem, v, key, "; reminders for this promise stopped.", as_of, now_utc)
                repo.audit(s, at=now_utc, actor="gaorec", action="stop", recommendation_id=v.id,
                           channel_id=rem.channel_id, detail={"due": rem.due.isoformat(), "reason": "GAO updated it"})
            self._closed_by_gao(s, changed_keys, now_utc, as_of)
        return closed

    def _closed_by_gao(self, s: Session, changed_keys: list[str], now_utc: datetime, as_of: date) -> None:
        """GAO closed a recommendation whose reminder thread had already stopped (an owner's correction, an
        earlier change): the thread and its parent still say so, once."""
        quiet = q.quiet_threads_for_keys(s, changed_keys)
        views = self.views(s, sorted({r.recommendation_id for r in quiet})) if quiet else {}
        for rem in quiet:
            v = views[rem.recommendation_id]
            last = recs.latest_status_event(s, v.id)
            if v.is_open() or last is None or last.old_status == last.new_status:
                continue  # only a closing is told in a stopped thread
            key = f"status:{rem.id}:{last.id}"
            if q.post_exists(s, key):
                continue
            q.plan_post(s, key, "status", rem.channel_id, rem.thread_ts, rem.id, now_utc,
                        {"message": Message(text=status_change(v, last.old_status, as_of, stopped=True)).to_dict()})
            self._updated_parent(s, rem, v, key, ".", as_of, now_utc)

    def _updated_parent(self, s: Session, rem: Reminder, v: repo.RecView, key: str, tail: str, as_of: date,
                        now_utc: datetime) -> None:
        """A reminder's parent once GAO changed its record: the new state as heading and notification, no
        buttons, and "GAO updated this on DAY: STATUS" plus ``tail``."""
        line = M.text(M.icon("arrows_counterclockwise"), f"GAO updated this on {self.today(now_utc)}: "
                      f"{v.status or ''}{tail}")
        msg = reminder_message(v, as_of, rem.id, day=self.today, state_line=line, buttons=False,
                               heading=updated_heading(v, as_of))
        msg.text = updated_text(v, as_of)
        q.plan_post(s, key + ":parent", "update", rem.channel_id, None, rem.id, now_utc, {
            "ts": rem.thread_ts, "message": msg.to_dict()})
