"""Views (modals, App Home). None yet: the reminders and App Home issues add them."""
from __future__ import annotations


def register(app, ctx) -> None:
    return None
