"""What listeners share: the service, and who a Slack user is (admin or not)."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from ..reply import Caller
from ..service import Gaorec

if TYPE_CHECKING:
    from ..intake import Intake
    from ..reminders.delivery import DeliveryWorker
    from ..reminders.poster import Poster

log = logging.getLogger("gaorec.slack")
ADMIN_TTL = 600.0  # seconds a users.info answer is trusted
GROUP_TTL = 60.0  # seconds a user group's member list is trusted


class SlackPeople:
    """Who is who, as Slack says (the reminder answers' People): a workspace admin or owner (users.info, cached
    ADMIN_TTL; the users in settings.admins without asking), a member of a user group (usergroups.users.list,
    cached GROUP_TTL). When Slack cannot say, the answer is no, and it is asked again next time."""

    def __init__(self, client, admins: Iterable[str] = ()):
        self.client = client
        self.admins = frozenset(admins)
        self._admins: dict[str, tuple[float, bool]] = {}
        self._groups: dict[str, tuple[float, frozenset[str] | None]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user_id: str, client=None) -> bool:
        if user_id in self.admins:
            return True
        now = time.monotonic()
        with self._lock:
            hit = self._admins.get(user_id)
        if hit and now - hit[0] < ADMIN_TTL:
            return hit[1]
        try:
            user = (client or self.client).users_info(user=user_id).get("user") or {}
            admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return False  # deny by default, and ask again next time (a failure is not an answer to cache)
        except Exception as exc:  # noqa: BLE001 - connection errors too: deny, and the user still gets an answer
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return False
        with self._lock:
            self._admins[user_id] = (now, admin)
        return admin

    def in_group(self, group_id: str, user_id: str, client=None) -> bool:
        """Is the user a member of the user group (usergroups.users.list, scope usergroups:read)? Denied when
        Slack cannot say."""
        now = time.monotonic()
        with self._lock:
            hit = self._groups.get(group_id)
        if hit is None or now - hit[0] >= GROUP_TTL:
            try:
                members = frozenset((client or self.client).usergroups_users_list(usergroup=group_id).get("users")
                                    or [])
            except SlackApiError as exc:
                log.warning("usergroups.users.list failed for %s: %s", group_id, exc.response.get("error"))
                members = None  # deny by default; asked again next time
            with self._lock:
                if members is not None:
                    self._groups[group_id] = (now, members)
            hit = (now, members)
        members = hit[1]
        return members is not None and user_id in members


@dataclass
class Context:
    service: Gaorec
    poster: Poster | None = None  # where reminder posts go (the Slack poster)
    intake: Intake | None = None  # the durable intake queue (bot/intake.py) for requests a busy database could not take
    handlers: dict = field(default_factory=dict)  # kind -> (lazy listener, its argument names), for replays
    worker: DeliveryWorker | None = None  # the delivery job (reminders/delivery.py DeliveryWorker); woken after writes
    people: SlackPeople | None = None  # who is an admin (the service's own, when it was built with Slack's)

    def __post_init__(self) -> None:
        if self.people is None:
            people = self.service.reminders.answers.people
            self.people = people if isinstance(people, SlackPeople) else SlackPeople(None, self.service.settings.admins)

    def is_admin(self, client, user_id: str) -> bool:
        assert self.people is not None  # set in __post_init__
        return self.people.is_admin(user_id, client)

    def first_delivery(self, body: dict) -> bool:
        """Slack retries an event (X-Slack-Retry-Num) it thinks was lost, even while the first delivery is
        still running: only the first is processed. Called after the ack, so a busy database never delays it."""
        from storage import repo
        from storage.types import utcnow

        event_id = body.get("event_id")
        if not event_id or body.get("_gaorec_replay"):
            return True  # a replay from the intake queue: its first delivery was this very request
        with self.service.db.write() as s:
            first = repo.first_delivery(s, body.get("team_id") or "", event_id, utcnow())
        if not first:
            log.info("event %s already received; skipping the retry", event_id)
        return first

    def deliver(self) -> None:
        """Wake the delivery job for what the last action put in the outbox (confirmations, parent updates).
        Listeners never post outbox rows themselves: pacing and exactly-once live in one place."""
        if self.worker is not None:
            self.worker.wake()

    def caller(self, client, user_id: str, channel_id: str | None, name: str = "") -> Caller:
        return Caller(user_id=user_id, name=name, is_admin=self.is_admin(client, user_id), channel_id=channel_id)

    def __deepcopy__(self, memo) -> Context:
        """Shared, never copied: Bolt deep-copies the request context for lazy listeners."""
        return self


KEY = "gaorec"  # where the listeners find the Context in Bolt's request context


def bind(ctx: Context):
    """Global middleware (installed by listeners.register): puts ``ctx`` in every request's context."""

    def middleware(context, next):
        context[KEY] = ctx
        return next()

    return middleware


def gaorec(context) -> Context:
    """The Context of the app a listener runs in (from Bolt's ``context`` argument)."""
    return context[KEY]
