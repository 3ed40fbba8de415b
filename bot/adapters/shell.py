"""The local text backend (like errbot's text mode or hubot's shell adapter):
the same command handlers and the same blocks, printed as text. Reads stdin
and exits at EOF, so ``echo '/gaorec 232' | gaorec shell`` works.

    /gaorec QUERY ...   a slash command (the "/gaorec" may be left out)
    :as USER            act as another Slack user (default: U_LOCAL, an admin)
    :help               this list
    :quit               leave
"""
from __future__ import annotations

import sys
from typing import TextIO

from ..blocks import reply_blocks
from ..blocks.text import to_text
from ..service import Caller, Gaorec

SHELL_HELP = __doc__.split("\n\n", 1)[1]


class Shell:
    def __init__(self, app: Gaorec, out: TextIO | None = None):
        self.app = app
        self.out = out or sys.stdout
        self.caller = Caller(user_id="U_LOCAL", name="local", is_admin=True, channel_id="C_LOCAL")

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
            else:
                self.say(f"Unknown shell command :{cmd}. Try :help.")
            return True
        if text.startswith("/"):
            name, _, text = text.partition(" ")
            if name != "/gaorec":
                self.say(f"Unknown command {name}. Try /gaorec help.")
                return True
        reply = self.app.handle(text, self.caller)
        self.say(to_text(reply_blocks(reply, share=False)))
        return True

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
