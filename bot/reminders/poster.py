"""The port a chat adapter implements for the outbox (docs/architecture.md, "A second chat adapter", items 2–4):
post with the outbox key attached, find that post by its key, update a posted message, say something only one
person sees; and the three ways a post can fail, which decide what the outbox does next."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from ..messages import Message

METADATA_TYPE = "gaorec_post"  # the Slack adapter puts the outbox key in message metadata of this type
LOCAL_CHANNEL = "C_LOCAL"  # the shell's channel: never a Slack channel (Slack's ids have no "_")


def serves(channel: str, channels: Collection[str] | None) -> bool:
    """Does a pass (reminders, clocks, the digest) serve this subscribed channel? Given ``channels`` (the shell:
    its own), those alone; else every channel but the shell's, whose subscription a shell may have left in the
    real database."""
    return channel in channels if channels is not None else channel != LOCAL_CHANNEL


class Poster(Protocol):
    """Where posts go: Slack's Web API, or the shell. Each renders the neutral message its own way."""

    def post(self, channel: str, message: Message, *, thread_ts: str | None, key: str,
             reply_broadcast: bool = False) -> str: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def ephemeral(self, channel: str, user: str, message: Message, thread_ts: str | None = None) -> None: ...

    def find(self, channel: str, key: str, thread_ts: str | None, oldest: datetime) -> str | None: ...


class PermanentError(Exception):
    """The chat refused for good (channel_not_found, not_in_channel, …): do not try again."""


class RetryLater(Exception):
    """The chat did not take the post (429 after retries): it was not posted; try on the next delivery."""


class Uncertain(Exception):
    """The post may or may not have happened (timeout, reset, 5xx): reconcile by key before trying again."""


def stored_message(payload: dict) -> Message:
    """The message of an outbox row: neutral JSON, or (rows planned before neutral messages) Slack's text and
    Block Kit, kept as they are for the Slack adapter (the shell prints their text)."""
    if "message" in payload:
        return Message.from_dict(payload["message"])
    return Message(legacy={"text": payload.get("text") or "", "blocks": payload.get("blocks")})
