"""Plain text from Slack's own Block Kit and mrkdwn, for the shell: App Home, and outbox rows planned before
neutral messages (everything else is printed from the neutral message, bot/messages.py)."""
from __future__ import annotations

import re

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r"(?<!\S):[a-z0-9_+\-]+:(?!\S) ?")  # an emoji is decoration: its words are next to it


def mrkdwn_to_text(s: str) -> str:
    s = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", s)
    s = _BOLD.sub(r"\1", s)
    s = _CODE.sub(r"\1", s)
    s = _EMOJI.sub("", s)
    s = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", r"@\1", s)
    s = re.sub(r"<#([CG][A-Z0-9_]+)(?:\|[^>]*)?>", r"#\1", s)
    s = re.sub(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>", r"@\1", s)
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_text(blocks) -> str:
    out: list[str] = []
    for b in blocks:
        d = b.to_dict() if hasattr(b, "to_dict") else b
        t = d.get("type")
        if t == "header":
            title = mrkdwn_to_text(d["text"]["text"])  # plain_text, escaped like mrkdwn
            out += [title, "=" * min(len(title), 72)]
        elif t == "section":
            if d.get("text"):
                out.append(mrkdwn_to_text(d["text"]["text"]))
            for f in d.get("fields", []):
                out.append("  " + mrkdwn_to_text(f["text"]).replace("\n", ": ", 1))
        elif t == "context":
            out.append("  " + " ".join(mrkdwn_to_text(e.get("text", "")) for e in d.get("elements", [])))
        elif t == "divider":
            out.append("-" * 72)
        elif t == "actions":
            out.append("  " + " ".join(f"[{e['text']['text']}]" for e in d.get("elements", []) if "text" in e))
    return "\n".join(out)
