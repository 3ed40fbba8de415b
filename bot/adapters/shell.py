"""The local text backend (like errbot's text mode or hubot's shell adapter):
the same command handlers and the same blocks, printed as text. Reads stdin
and exits at EOF, so ``echo '/gaorec 232' | gaorec shell`` works.

    /gaorec QUERY ...   a slash command (the "/gaorec" may be left out)
    :as USER            act as another Slack user (default: U_LOCAL, an admin)
    :now ISO8601        run a reminder pass at that instant (e.g. :now 2026-12-01T14:00:00Z)
    :reply KEY text     answer in the reminder thread of KEY, as the current user
    :react KEY          add a ✅ to the reminder of KEY, as the current user
    :digest             post the weekly digest now
    :home               show the current user's App Home
    :help               this list
    :quit               leave

The shell is channel C_LOCAL: /gaorec subscribe there, then :now.
"""
from __future__ import annotations

import sys
from typing import TextIO

import itertools
from datetime import datetime, timezone

from sqlalchemy import select

from storage.models import Recommendation, Reminder

from ..blocks import reply_blocks
from ..blocks.text import mrkdwn_to_text, to_text
from ..service import Caller, Gaorec, mention


class ShellPoster:
    """Prints posts as text, as the channel would show them."""

    def __init__(self, say):
        self.say = say
        self.messages: dict[str, tuple[str, str]] = {}  # key -> (channel, ts)
        self._ts = itertools.count(1)

    def post(self, channel, text, blocks, *, thread_ts, key, reply_broadcast=False) -> str:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        where = f"in the thread of {thread_ts}" if thread_ts else "new message"
        if reply_broadcast:
            where += ", also sent to the channel"
        body = to_text(blocks) if blocks else mrkdwn_to_text(text)
        self.say(f"[#{channel} {where}, ts {ts}]\n{body}\n")
        self.messages[key] = (channel, ts)
        return ts

    def update(self, channel, ts, text, blocks) -> None:
        self.say(f"[#{channel} message {ts} updated]\n{to_text(blocks) if blocks else mrkdwn_to_text(text)}\n")

    def ephemeral(self, channel, user, text, thread_ts=None) -> None:
        self.say(f"[only visible to {user}] {mrkdwn_to_text(text)}")

    def find(self, channel, key, thread_ts, oldest):
        found = self.messages.get(key)
        return found[1] if found else None

SHELL_HELP = __doc__.split("\n\n", 1)[1]


class Shell:
    def __init__(self, app: Gaorec, out: TextIO | None = None):
        self.app = app
        self.out = out or sys.stdout
        self.caller = Caller(user_id="U_LOCAL", name="local", is_admin=True, channel_id="C_LOCAL")
        self.poster = ShellPoster(self.say)
        self.now: datetime | None = None  # simulated time, set by :now
        app.reminders.is_admin = lambda user: user == "U_LOCAL" or user in app.settings.admins
        app.reminders.pace_seconds = 0.0  # a terminal has no rate limit

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def line(self, raw: str) -> bool:
        """Handle one input line; False to stop."""
        text = raw.strip()
        if not text:
            return True
        if text.startswith(":"):
            cmd, _, arg = text[1:].partition(" ")
            if cmd in ("quit", "exit", "q"):
                return False
            if cmd == "help":
                self.say(SHELL_HELP)
            elif cmd == "as":
                if not arg.strip():
                    self.say(f"You are {self.caller.user_id}. Usage: :as USER")
                else:
                    uid = arg.strip().lstrip("@")
                    self.caller = Caller(user_id=uid, name=uid, is_admin=uid in self.app.settings.admins,
                                         channel_id=self.caller.channel_id)
                    self.say(f"Now acting as {uid}.")
            elif cmd == "now":
                self.remind(arg.strip())
            elif cmd == "digest":
                self.app.reminders.digest(self.now, poster=self.poster)
            elif cmd == "home":
                from ..blocks.text import to_text as _t

                self.say(_t(self.app.home(self.caller.user_id, None, self.now).blocks))
            elif cmd in ("reply", "react"):
                self.answer(cmd, arg)
            else:
                self.say(f"Unknown shell command :{cmd}. Try :help.")
            return True
        if text.startswith("/"):
            name, _, text = text.partition(" ")
            if name != "/gaorec":
                self.say(f"Unknown command {name}. Try /gaorec help.")
                return True
        reply = self.app.handle(text, self.caller, now=self.now)
        if reply.kind == "file":  # the shell's "upload": a file in the current directory
            from pathlib import Path

            Path(reply.data["filename"]).write_bytes(reply.data["content"])
            self.say(f"Wrote {reply.data['filename']} ({reply.total} rows).")
            return True
        self.say(to_text(reply_blocks(reply, share=False)))
        self.app.reminders.deliver(self.poster, self.now)
        return True

    def remind(self, when: str) -> None:
        try:
            now = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else datetime.now(timezone.utc)
        except ValueError:
            self.say("Usage: :now 2026-12-01T14:00:00Z")
            return
        self.now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        result = self.app.reminders.run_pass(self.now, poster=self.poster)
        waiting = sum(result.waiting.values())
        self.say(f"Reminder pass at {self.now.isoformat()}: {len(result.planned)} post(s)"
                 + (f", {waiting} waiting for later passes" if waiting else "") + ".")

    def answer(self, how: str, arg: str) -> None:
        key, _, text = arg.strip().partition(" ")
        if not key:
            self.say(f"Usage: :{how} KEY{' text' if how == 'reply' else ''}")
            return
        with self.app.db.session() as s:
            rid = s.scalar(select(Reminder.id).join(Recommendation, Recommendation.id == Reminder.recommendation_id)
                           .where(Recommendation.key == key.lower(), Reminder.channel_id == self.caller.channel_id,
                                  Reminder.thread_ts.is_not(None)).order_by(Reminder.id.desc()).limit(1))
        if rid is None:
            self.say(f"No reminder thread for {key} here yet. Subscribe, then run :now.")
            return
        result = self.app.reminders.acknowledge(rid, self.caller.user_id, "reply" if how == "reply" else "reaction",
                                                text if how == "reply" else None, self.now)
        if not result.ok:
            self.poster.ephemeral(self.caller.channel_id, self.caller.user_id,
                                  f"Only {mention(result.owner)} or an admin can acknowledge this reminder; "
                                  f"nothing was recorded.")
        elif result.duplicate:
            self.say("(already acknowledged by you: nothing new recorded)")
        self.app.reminders.deliver(self.poster, self.now)

    def run(self, stdin: TextIO | None = None) -> None:
        stdin = stdin or sys.stdin
        interactive = stdin.isatty()
        if interactive:
            self.say("gaorec shell. Type /gaorec help, :help for shell commands, Ctrl-D to leave.")
        while True:
            if interactive:
                print("gaorec> ", end="", file=self.out, flush=True)
            raw = stdin.readline()
            if not raw:
                break
            if not self.line(raw):
                break
