"""The Slack rendering of a neutral message (bot/messages.py): spans as mrkdwn, parts as Block Kit, as plain
dicts (no slack_sdk model objects: cheaper, and what the Web API takes). Everything that came from GAO or a
user is escaped (``&``, ``<``, ``>``), so ``<!channel>`` in data can never ping anyone; mentions are built only
from validated ids."""
from __future__ import annotations

import re

from ..messages import Actions, Divider, Heading, Message, Note, Section, Span
from ..people import GROUP_PREFIX
from ..words import clip

SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
TEXT_MAX = 3000  # a message's top-level text (Slack takes far more; a thread note never needs it)

_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_GROUP_ID = re.compile(r"[A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9_]+")
# Slack's mention markup as it arrives in what a user typed: '<@U0DANA|dana>', '<!subteam^S0TEAM|@team>'
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
GROUP_MENTION = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")


def escape(s: str | None) -> str:
    """Slack's escaping for mrkdwn and plain text: only &, < and >."""
    if not s:
        return ""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    label = escape(label).replace("|", "¦")
    if url and url.startswith("https://") and not any(c in url for c in "<>| "):
        return f"<{url}|{label}>"
    return label


def mention(ref: str | None, none: str = "unassigned") -> str:
    """A live mention for a validated user or group id; anything else is escaped text."""
    if not ref:
        return none
    group = ref[len(GROUP_PREFIX):] if ref.startswith(GROUP_PREFIX) else None
    if group is not None and _GROUP_ID.fullmatch(group):
        return f"<!subteam^{group}>"
    if _USER_ID.fullmatch(ref):
        return f"<@{ref}>"
    return escape(ref)


def read_mentions(text: str) -> str:
    """What a Slack user typed, with its mentions as the core's "who" tokens (bot/people.py): '<@U0DANA|dana>' ->
    '@U0DANA', '<!subteam^S0TEAM|@team>' -> '@subteam:S0TEAM'. The inverse of ``mention``; every text Slack hands
    to the core (a slash command, an @gaorec mention, a paging button's query) is read through it."""
    text = USER_MENTION.sub(lambda m: "@" + m.group(1), text)
    return GROUP_MENTION.sub(lambda m: "@" + GROUP_PREFIX + m.group(1), text)


def span(s: Span) -> str:
    k = s.kind
    if k == "link":
        out = link(s.ref, s.text)
    elif k == "user":
        out = mention(s.ref)
    elif k == "channel":
        out = f"<#{s.ref}>" if _CHANNEL_ID.fullmatch(s.ref) else escape(s.ref)
    elif k == "icon":
        return f":{s.ref}: "
    elif k == "code":
        out = f"`{escape(s.text)}`"
    elif k == "quote":
        out = "> " + escape(s.text)
    else:
        out = escape(s.text)
    return f"*{out}*" if s.strong else out


def mrkdwn(spans: list[Span]) -> str:
    return "".join(span(s) for s in spans)


def _md(t: str) -> dict:
    return {"type": "mrkdwn", "text": t}


def _plain(t: str) -> dict:
    return {"type": "plain_text", "text": t}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    b = {"type": "button", "text": {"type": "plain_text", "text": clip(label, BUTTON_TEXT_MAX), "emoji": True},
         "action_id": action_id, "value": value[:BUTTON_VALUE_MAX]}
    if style:
        b["style"] = style
    return b


def blocks(msg: Message) -> list[dict]:
    """Block Kit for a message's parts."""
    out: list[dict] = []
    for p in msg.parts:
        if isinstance(p, Heading):
            out.append({"type": "header", "text": _plain(clip(escape(p.text), HEADER_MAX))})
        elif isinstance(p, Section):
            b: dict = {"type": "section", "text": _md(clip(mrkdwn(p.text), p.limit))}
            if p.fields:
                b["fields"] = [_md(f"*{escape(f.label)}*\n{mrkdwn(f.value)}") for f in p.fields]
            if p.id:
                b["block_id"] = p.id
            out.append(b)
        elif isinstance(p, Note):
            out.append({"type": "context", "elements": [_md(clip(mrkdwn(p.text), p.limit))]})
        elif isinstance(p, Divider):
            out.append({"type": "divider"})
        elif isinstance(p, Actions):
            elements = [{"type": "datepicker", "action_id": a.id, "placeholder": _plain(a.label)} if a.kind == "date"
                        else button(a.label, a.id, a.value, a.style) for a in p.actions]
            b = {"type": "actions", "elements": elements}
            if p.id:
                b["block_id"] = p.id
            out.append(b)
    return out


def render(msg: Message) -> tuple[str, list[dict] | None]:
    """(top-level text, blocks) for chat.postMessage and chat.update: a message with no parts is its text."""
    return clip(mrkdwn(msg.text), TEXT_MAX), (blocks(msg) or None)
