"""The weekly digest: one message per subscribed channel, with a thread of details (what is overdue, what
became overdue this week, what is due in 30 days, what changed status or moved its date, what the coming GAO-IG
Act report lacks, what GAO no longer lists). Planned once per channel and day through the outbox."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from storage.db import Database
from storage.models import Recommendation
from storage.queries import recommendations as recs
from storage.queries import reminders as q
from storage.types import utc, utcnow

from ..messages import Message
from .outbox import Outbox
from .poster import Poster, serves


class Digest:
    def __init__(self, db: Database, *, outbox: Outbox, today: Callable[[datetime], date],
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.outbox = outbox  # a digest given a poster delivers what it planned
        self.today = today  # an instant -> the day it is in the configured time zone
        self.clock = clock

    def run(self, now: datetime | None = None, *, dry_run: bool = False, poster: Poster | None = None,
            channels: list[str] | None = None) -> dict:
        """One message per subscribed channel with a thread of details: what is overdue (priority first), what
        became overdue this week, what is due in 30 days, what changed status and what moved its date."""
        from ..blocks.digest import digest_message, digest_section

        now_utc = utc(now if now is not None else self.clock())
        as_of = self.today(now_utc)
        week_ago = now_utc - timedelta(days=7)
        planned: dict[str, dict[str, int]] = {}
        from ..services.reports import giaa

        unjustified_keys = giaa(self.db, as_of).missing  # the coming GAO-IG Act report's gaps
        with (self.db.session() if dry_run else self.db.write()) as s:
            for channel, queries in q.subscribed_queries(s).items():
                if not serves(channel, channels):
                    continue
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
                if not q.plan_post(s, parent, "digest", channel, None, None, now_utc,
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
                        q.plan_post(s, f"{parent}:{n}", "digest-detail", channel, None, None, now_utc,
                                    {"message": Message(text=digest_section(title, views, as_of),
                                                        thread=parent).to_dict(),
                                     "parent_key": parent})
        if not dry_run and poster is not None:
            self.outbox.deliver(poster, now_utc, channels=channels)
        return planned
