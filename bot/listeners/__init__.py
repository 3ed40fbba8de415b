"""Bolt listeners, one package per surface, each with register(app, ctx).
Listeners are thin module-level functions: acknowledge, call the service, render. Each finds the app's
Context in Bolt's ``context`` argument (``gaorec(context)``), put there by the ``bind`` middleware."""
from __future__ import annotations

from . import actions, commands, events, mentions, views
from .context import bind


def register(app, ctx) -> None:
    app.use(bind(ctx))
    for surface in (commands, actions, events, mentions, views):
        surface.register(app, ctx)
