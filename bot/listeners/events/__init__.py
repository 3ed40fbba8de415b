"""Events: gao.gov links unfurl to their report's recommendations."""
from __future__ import annotations

import logging
import re

from ...blocks import unfurl_blocks

log = logging.getLogger("gaorec.slack")
PRODUCT_RE = re.compile(r"/products/(gao-\d{2}-\d{1,6}[a-z]{0,2})", re.IGNORECASE)
EVENTS = ("link_shared",)


def register(app, ctx) -> None:
    def ack_event(ack):
        ack()

    def unfurl(event, client):
        unfurls = {}
        for link in (event.get("links") or [])[:5]:
            url = link.get("url") or ""
            m = PRODUCT_RE.search(url)
            if not m or "gao.gov" not in (link.get("domain") or url):
                continue
            views = ctx.service.report(m.group(1).upper())
            if views:
                unfurls[url] = {"blocks": [b.to_dict() for b in unfurl_blocks(views, ctx.service.today())]}
        if unfurls:
            client.chat_unfurl(channel=event.get("channel"), ts=event.get("message_ts"), unfurls=unfurls)

    app.event("link_shared")(ack=ack_event, lazy=[unfurl])
