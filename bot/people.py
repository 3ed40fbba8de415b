"""THE rule for naming a person or a group inside gaorec: the owner ids it stores and the "who" tokens every
surface types (``/gaorec assign KEY @U0DANA``, ``owner:@U0DANA`` in a search, the shell, the CLI).

An owner id is what the database holds and what a ``user`` span (bot/messages.py) refers to:

- a person: the chat's user id, ``U0DANA`` (Slack: ``U…``, or ``W…`` on Enterprise Grid);
- a group: ``subteam:`` and the chat's group id, ``subteam:S0TEAM``.

A "who" token is an owner id, optionally after one ``@``: ``U0DANA``, ``@U0DANA``, ``subteam:S0TEAM``,
``@subteam:S0TEAM``. Ids are upper case, as the chat gives them: ``u0dana`` or ``@walter`` is not an id (a search
reads it as a fragment of one; ``assign`` refuses it), so a name that happens to start with U or W is never taken
for an id.

A chat's own mention markup never reaches the core: each chat adapter turns the mentions in what a user typed
into these tokens before it hands the text over (Slack: ``<@U0DANA|dana>`` → ``@U0DANA``, ``<!subteam^S0TEAM>`` →
``@subteam:S0TEAM`` in bot/blocks/render.py: ``read_mentions``), and renders ``user`` spans back as its mentions.
A second chat whose ids look different adds their shape here (PERSON, GROUP) and its reading of mentions in its
adapter. Pure: no chat, no database (storage's search reads ``owner:`` filters with it)."""
from __future__ import annotations

import re

GROUP_PREFIX = "subteam:"
PERSON = re.compile(r"[UW][A-Z0-9]{2,}")  # a person's id
GROUP = re.compile(r"subteam:[A-Z0-9]{2,}")  # a group's id, as stored


def owner_id(token: str) -> str | None:
    """A "who" token as the owner id it names: '@U0DANA' / 'U0DANA' -> 'U0DANA', '@subteam:S1X' -> 'subteam:S1X';
    anything else (a name, a fragment, lower case, a chat's markup) -> None."""
    t = token[1:] if token.startswith("@") else token
    return t if PERSON.fullmatch(t) or GROUP.fullmatch(t) else None


def is_person(ref: str | None) -> bool:
    """A person's id (an actor such as "cli:dana" is not one: it is shown as written)."""
    return bool(ref) and PERSON.fullmatch(ref or "") is not None
