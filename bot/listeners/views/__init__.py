"""App Home: what the viewer owns and what is late, published on app_home_opened and on Refresh."""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

log = logging.getLogger("gaorec.slack")
HOME_EVENTS = ("app_home_opened",)


def register(app, ctx) -> None:
    def my_channels(client, user_id: str) -> list[str] | None:
        try:
            resp = client.users_conversations(user=user_id, types="public_channel,private_channel", limit=1000,
                                              exclude_archived=True)
            return [c["id"] for c in resp.get("channels") or []]
        except SlackApiError as exc:  # without channels:read the home lists no channels rather than all
            log.warning("users.conversations failed: %s", exc.response.get("error"))
            return []

    def publish(client, user_id: str) -> None:
        view = ctx.service.home(user_id, my_channels(client, user_id))
        client.views_publish(user_id=user_id, view=view.to_dict())

    def ack(ack):
        ack()

    def opened(event, client):
        if event.get("tab", "home") == "home":
            publish(client, event["user"])

    def refresh(body, client):
        publish(client, body["user"]["id"])

    app.event("app_home_opened")(ack=ack, lazy=[opened])
    app.action("gaorec_home_refresh")(ack=ack, lazy=[refresh])
