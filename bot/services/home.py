"""App Home: what the viewer owns (overdue, due soon, snoozed, acknowledged), and their channels'
subscriptions."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage import repo
from storage.models import Acknowledgement, Reminder
from storage.types import utc

from . import owners

if TYPE_CHECKING:
    from ..service import Gaorec


def home(service: Gaorec, user_id: str, channel_ids: list[str] | None, now: datetime | None = None):
    """The viewer's App Home (a slack_sdk View)."""
    from ..blocks.home import home_view

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
    unlisted = [v for v in owned if v.is_open() and not v.listed]
    return home_view(overdue=overdue, due=due, snoozed=[v for v in owned if v.id in snoozed_ids],
                     acknowledged=[v for v in owned if v.id in acked_ids], subscriptions=subs, as_of=as_of,
                     owned=len(owned), unlisted=unlisted)
