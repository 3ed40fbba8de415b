"""App Home's content: what the viewer owns (overdue, due soon, no longer listed, snoozed, acknowledged) and their
channels' subscriptions, as data. bot/blocks/home.py makes it a neutral message, which Slack gets as a View
(published on app_home_opened and on Refresh) and the shell prints as text."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage import repo
from storage.models import Acknowledgement, Reminder
from storage.types import utc

from . import owners

if TYPE_CHECKING:
    from ..service import Gaorec


@dataclass(frozen=True)
class Home:
    """What one person's home shows, as of a day: the records they own (THE owner rule), by what needs them."""
    as_of: date
    owned: int  # how many they own, assigned or by a rule
    overdue: list[repo.RecView]  # priority first, then most overdue
    due: list[repo.RecView]  # due in the next 30 days
    unlisted: list[repo.RecView]  # open by GAO's last word, but its complete export no longer lists them
    snoozed: list[repo.RecView]
    acknowledged: list[repo.RecView]  # in the last 30 days
    subscriptions: list[tuple[str, str]]  # (channel id, query; "" for all) of the viewer's channels


def home(service: Gaorec, user_id: str, channel_ids: list[str] | None, now: datetime | None = None) -> Home:
    """The viewer's home (``channel_ids``: the channels they are in; None: every subscribed channel)."""
    as_of = service.today(now)
    now_utc = utc(now)
    with service.db.session() as s:
        owned = owners.owned(s, [user_id], service.settings.owner_rules)
        ids = [v.id for v in owned]
        snoozed_ids = set(s.scalars(select(Reminder.recommendation_id).where(
            Reminder.recommendation_id.in_(ids or [-1]), Reminder.state == "snoozed",
            Reminder.quiet_until > now_utc)))
        acked_ids = set(s.scalars(select(Reminder.recommendation_id).join(
            Acknowledgement, Acknowledgement.reminder_id == Reminder.id).where(
            Reminder.recommendation_id.in_(ids or [-1]), Acknowledgement.at >= now_utc - timedelta(days=30))))
        subs = [(x.channel_id, x.query) for x in repo.subscriptions(s)
                if channel_ids is None or x.channel_id in channel_ids]
    overdue = sorted((v for v in owned if v.days_overdue(as_of) is not None),
                     key=lambda v: (not v.priority, -(v.days_overdue(as_of) or 0), v.key))
    due = [v for v in owned if v.is_tracked() and v.current_due and as_of <= v.current_due <= as_of + timedelta(30)]
    return Home(as_of=as_of, owned=len(owned), overdue=overdue, due=due,
                unlisted=[v for v in owned if v.is_open() and not v.listed],
                snoozed=[v for v in owned if v.id in snoozed_ids],
                acknowledged=[v for v in owned if v.id in acked_ids], subscriptions=subs)
