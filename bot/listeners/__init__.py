"""Bolt listeners, one package per surface, each with register(app, ctx).
Listeners are thin: acknowledge, call the service, render."""
from __future__ import annotations

from . import actions, commands, events, mentions, views


def register(app, ctx) -> None:
    for surface in (commands, actions, events, mentions, views):
        surface.register(app, ctx)
