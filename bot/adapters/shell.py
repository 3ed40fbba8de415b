"""The local text backend (like errbot's text mode or hubot's shell adapter):
the same command handlers and the same blocks, printed as text. Reads stdin
and exits at EOF, so ``echo '/gaorec 232' | gaorec shell`` works.

    /gaorec QUERY ...   a slash command (the "/gaorec" may be left out)
    :as USER            act as another Slack user (default: U_LOCAL, an admin; :as U_LOCAL is admin again)
    :now ISO8601        run a reminder pass at that instant (e.g. :now 2026-12-01T14:00:00Z; without Z or an
                        offset, GAOREC_TIMEZONE's clock; alone, the shell's clock: the time last set, else
                        now); from the first :now on, the shell works on a scratch
                        copy of the database and says so (removed when the shell ends or is killed; after
                        kill -9, by the next shell); time
                        only moves forward
    :reply KEY text     answer in the reminder thread of KEY, as the current user
    :react KEY          add a ✅ to the reminder of KEY, as the current user
    :press BUTTON       press a button of the last message (e.g. :press Acknowledge, :press Next)
    :digest             post the weekly digest now
    :home               show the current user's App Home (the shell's channel is theirs)
    :help               this list
    :quit               leave

The shell is channel C_LOCAL: /gaorec subscribe there, then :now. Arrow keys and history work in a terminal.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

import itertools
from datetime import datetime, timezone

from sqlalchemy import select

from config.settings import Settings
from storage.db import Database
from storage.models import Recommendation, Reminder

from ..blocks import reply_message
from ..blocks.text import mrkdwn_to_text, to_text
from ..commands import SHELL
from ..messages import Action, Message, render_text
from ..reminders.poster import LOCAL_CHANNEL
from ..reminders.answers import Admins
from ..service import Caller, Gaorec
from ..words import plural
from ..termout import is_tty, wrap_text
from ..blocks.home import home_message
from ..gao.calendar import utc_z
from ..services.home import home


def shell_text(message: Message | str) -> str:
    """A message as the shell prints it: plain words (an outbox row planned before neutral messages is Slack's
    own text and blocks, shown as text)."""
    if isinstance(message, str):
        return message
    if message.legacy is not None:
        blocks = message.legacy.get("blocks")
        return to_text(blocks) if blocks else mrkdwn_to_text(message.legacy.get("text") or "")
    return render_text(message)


def legacy_actions(blocks: list | None) -> list[Action]:
    return [Action(e["action_id"], e["text"]["text"], e.get("value") or "", e.get("style"))
            for b in blocks or [] if b.get("type") == "actions" for e in b.get("elements", [])
            if e.get("type") == "button"]


class ShellPoster:
    """Prints posts as text, as the channel would show them."""

    def __init__(self, say):
        self.say = say
        self.messages: dict[str, tuple[str, str]] = {}  # key -> (channel, ts)
        self.last_actions: list[Action] = []  # the buttons of the last message that had some, for :press
        self._ts = itertools.count(1)

    def _remember(self, message: Message) -> None:
        actions = legacy_actions(message.legacy.get("blocks")) if message.legacy is not None else message.actions
        if actions:
            self.last_actions = actions

    def post(self, channel, message, *, thread_ts, key, reply_broadcast=False) -> str:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        where = f"in the thread of {thread_ts}" if thread_ts else "new message"
        if reply_broadcast:
            where += ", also sent to the channel"
        self.say(f"[#{channel} {where}, ts {ts}]\n{shell_text(message)}\n")
        self.messages[key] = (channel, ts)
        self._remember(message)
        return ts

    def update(self, channel, ts, message) -> None:
        self.say(f"[#{channel} message {ts} updated]\n{shell_text(message)}\n")
        self._remember(message)

    def ephemeral(self, channel, user, message, thread_ts=None) -> None:
        text = mrkdwn_to_text(message) if isinstance(message, str) else shell_text(message)
        self.say(f"[only visible to {user}] {text}")

    def find(self, channel, key, thread_ts, oldest):
        found = self.messages.get(key)
        return found[1] if found else None

SHELL_HELP = __doc__.split("\n\n", 1)[1]


def command_lines(rows: list[tuple[str, str]], indent: str = "    ", width: int = 24) -> str:
    """Commands and what they do, in two columns: a usage longer than its column gets a line of its own. (In
    Slack the usage is a code span; as plain text only the column tells where the command ends.)"""
    return "\n".join(f"{indent}{usage.ljust(width)}  {what}" if len(usage) <= width
                     else f"{indent}{usage}\n{'':{len(indent) + width + 2}}{what}" for usage, what in rows)


def shell_help() -> str:
    """The shell's own commands, then the /gaorec commands it takes (from the command registry)."""
    from ..commands import help_rows

    rows = [(usage.removeprefix("/gaorec "), what) for usage, what, _ in help_rows(SHELL)]
    return SHELL_HELP + "\n/gaorec commands (the \"/gaorec\" may be left out):\n" + command_lines(rows)


def help_text(title: str, rows: list[tuple[str, str, str]]) -> str:
    """`/gaorec help` as the shell prints it: the title, then each command, what it does and an example."""
    return "\n".join([title, "=" * min(len(title), 72),
                      command_lines([(usage, f"{what} (e.g. {example})") for usage, what, example in rows], "", 28)])
LOCAL_USER = "U_LOCAL"


def local_service(settings: Settings, db: Database) -> Gaorec:
    """The service as the shell runs it: the local user is an admin besides settings.admins, and posts are not
    paced (a terminal has no rate limit)."""
    return Gaorec(settings.model_copy(update={"post_interval": 0.0}), db,
                  people=Admins(frozenset({LOCAL_USER, *settings.admins})))


class Shell:
    def __init__(self, app: Gaorec, out: TextIO | None = None):
        self.app = local_service(app.settings, app.db)
        self.out = out or sys.stdout
        self.caller = Caller(user_id=LOCAL_USER, name="local", is_admin=True, channel_id=LOCAL_CHANNEL)
        self.poster = ShellPoster(self.say)
        self.now: datetime | None = None  # simulated time, set by :now
        self.scratch: str | None = None  # the scratch database's directory, once simulated time started
        self._signals: dict = {}  # signal -> the handler before the shell's, restored by close()

    @property
    def channels(self) -> list[str]:
        """The channel the shell acts in: the lanes it delivers (posts waiting for Slack's channels stay pending
        in the database, for `serve` and `remind`) and the one App Home lists subscriptions of."""
        return [self.caller.channel_id or LOCAL_CHANNEL]

    def say(self, text: str) -> None:
        """Print for a person: in a terminal, wrapped to its width at spaces (as the CLI's cards are); in a pipe or
        a file, as is."""
        if is_tty(self.out):
            text = wrap_text(text, shutil.get_terminal_size((80, 24)).columns - 1)
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
                self.say(shell_help())
            elif cmd == "as":
                if not arg.strip():
                    self.say(f"You are {self.caller.user_id}. Usage: :as USER")
                else:
                    uid = arg.strip().lstrip("@")
                    self.caller = Caller(user_id=uid, name=uid,
                                         is_admin=uid == LOCAL_USER or uid in self.app.settings.admins,
                                         channel_id=self.caller.channel_id)
                    self.say(f"Now acting as {uid}.")
            elif cmd == "now":
                self.remind(arg.strip())
            elif cmd == "digest":
                self.app.reminders.digest(self.now, poster=self.poster, channels=self.channels)
            elif cmd == "home":
                self.show_home()
            elif cmd in ("reply", "react"):
                self.answer(cmd, arg)
            elif cmd == "press":
                self.press(arg.strip())
            else:
                self.say(f"Unknown shell command :{cmd}. Try :help.")
            return True
        if text.startswith("/"):
            name, _, text = text.partition(" ")
            if name != "/gaorec":
                self.say(f"Unknown command {name}. Try /gaorec help.")
                return True
        reply = self.app.handle(text, self.caller, now=self.now, surface=SHELL)
        if reply.kind == "file":  # the shell's "upload": a file in the current directory
            from pathlib import Path

            Path(reply.data["filename"]).write_bytes(reply.data["content"])
            self.say(f"Wrote {reply.data['filename']} ({plural(reply.total, 'row')}).")
            return True
        message = reply_message(reply, share=False)
        self.say(help_text(reply.title, reply.data["commands"]) if reply.kind == "help" else render_text(message))
        self.poster._remember(message)
        self.app.reminders.deliver(self.poster, self.now, channels=self.channels)
        return True

    def use_scratch(self) -> None:
        """Simulated time starts: from here on, work on a scratch copy so the real database never sees a
        future-dated row."""
        if self.scratch is not None:
            return
        import tempfile

        from storage.scratch import scratch_copy

        self.real_db = self.app.db
        sweep_stale_scratch(tempfile.gettempdir())  # copies left by shells killed with SIGKILL
        self.scratch = tempfile.mkdtemp(prefix=SCRATCH_PREFIX)
        Path(self.scratch, SCRATCH_OWNER).write_text(f"{os.getpid()}\n")  # whose it is, for the next sweep
        self._cleanup_on_exit()  # from here on: a signal while copying removes the partial copy too
        copy = scratch_copy(self.app.db, self.scratch)
        self.app = local_service(self.app.settings, copy)
        self.say(f"(Simulated time: this shell now works on a scratch copy of the database, {copy.url}, "
                 f"discarded when the shell ends; the real database is left as it was.)")

    def _cleanup_on_exit(self) -> None:
        """The scratch copy goes when the process ends: at exit, and on SIGTERM or SIGHUP (a closed terminal,
        a stopped service) too, which would otherwise end Python without running `finally` blocks."""
        import atexit
        import signal
        import threading

        atexit.register(self.close)
        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread may set signal handlers; atexit still cleans up

        def leave(signum, _frame):
            raise SystemExit(128 + signum)  # unwinds through run()'s finally, which calls close()

        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)  # no SIGHUP on Windows
            if sig is not None:
                self._signals[sig] = signal.signal(sig, leave)

    def close(self) -> None:
        """Leave: the scratch copy, if any, is discarded (where it was is said if it cannot be)."""
        import atexit
        import signal

        for sig, previous in self._signals.items():
            signal.signal(sig, previous)
        self._signals.clear()
        if self.scratch is None:
            return
        atexit.unregister(self.close)
        if self.app.db is not self.real_db:
            self.app.db.dispose()
        self.app = local_service(self.app.settings, self.real_db)
        discard(self.scratch)
        self.scratch = None

    def show_home(self) -> None:
        """The current user's App Home, as words; its Refresh button is the one :press finds next."""
        message = home_message(home(self.app, self.caller.user_id, self.channels, self.now))
        self.say(render_text(message))
        self.poster.last_actions = message.actions

    def press(self, label: str) -> None:
        """Press a button of the last message that had buttons, as the current user."""
        import json

        from datetime import timedelta

        from ..blocks import card_message, unescape

        buttons = [a for a in self.poster.last_actions if a.kind == "button"]
        names = [a.label for a in buttons]
        hit = [a for a in buttons if a.label.lower().startswith(label.lower())] if label else []
        if not hit:
            self.say(f"Usage: :press BUTTON; the last message has: {', '.join(names) or 'no buttons'}")
            return
        action, value = hit[0].id, hit[0].value or ""
        try:
            state = json.loads(value) if value.startswith("{") else {}
        except ValueError:
            state = {}
        now = self.now or datetime.now(timezone.utc)
        engine = self.app.reminders
        if action in ("gaorec_ack", "gaorec_snooze_week", "gaorec_snooze_month"):
            rid = state.get("r")
            if action == "gaorec_ack":
                result = engine.acknowledge(rid, self.caller.user_id, "button", None, self.now)
            else:
                days = 7 if action == "gaorec_snooze_week" else 30
                result = engine.snooze(rid, self.caller.user_id, now + timedelta(days=days), None, self.now)
            if not result.ok:
                self.poster.ephemeral(self.caller.channel_id, self.caller.user_id, denied_text(result))
            elif result.duplicate:  # a second press of the same button
                self.say("Already acknowledged: nothing changed." if action == "gaorec_ack"
                         else "Already snoozed to that day: nothing changed.")
            engine.deliver(self.poster, self.now, channels=self.channels)
        elif action in ("gaorec_details", "gaorec_more"):
            v = self.app.show(value, self.now)
            self.say(render_text(card_message(v, self.app.today(self.now), tz=self.app.settings.tz, full=True)) if v
                     else "That recommendation is no longer known.")
        elif action in ("gaorec_page_next", "gaorec_page_prev", "gaorec_share"):
            reply = self.app.page(unescape(str(state.get("t", ""))), int(state.get("o", 0)), self.caller)
            message = reply_message(reply, share=False, buttons=action != "gaorec_share")
            self.say(render_text(message))
            if action != "gaorec_share":
                self.poster.last_actions = message.actions
        elif action == "gaorec_home_refresh":
            self.show_home()
        else:
            self.say(f"The shell cannot press {hit[0].label} yet.")

    def remind(self, when: str) -> None:
        from ..timeinput import parse_instant

        try:  # naive: GAOREC_TIMEZONE, as in the CLI (bot/timeinput.py); none: the shell's clock
            now = self.now if self.now is not None and not when.strip() else parse_instant(when, self.app.settings.tz)
        except ValueError:
            self.say(f"‘{when.strip()}’ is not a date and time. Usage: :now 2026-12-01T14:00:00Z (or a date, "
                     f"2026-12-01, meaning midnight in {self.app.settings.timezone})")
            return
        if self.now is not None and now < self.now:
            self.say(f"Time only moves forward in a shell session: {utc_z(now)} is before the simulated "
                     f"time, {utc_z(self.now)}. To start again earlier, leave (:quit) and start the shell "
                     f"again (it begins from the real database).")
            return
        self.now = now
        self.use_scratch()
        result = self.app.reminders.run_pass(self.now, poster=self.poster, channels=self.channels)
        waiting = sum(result.waiting.values())
        self.say(f"Reminder pass at {utc_z(self.now)}: {plural(len(result.planned), 'post')}"
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
            self.poster.ephemeral(self.caller.channel_id, self.caller.user_id, denied_text(result))
        elif result.duplicate:
            self.say("(already acknowledged by you: nothing new recorded)")
        self.app.reminders.deliver(self.poster, self.now, channels=self.channels)

    def run(self, stdin: TextIO | None = None) -> None:
        try:
            self._run(stdin)
        finally:
            self.close()

    def _run(self, stdin: TextIO | None = None) -> None:
        import tempfile

        sweep_stale_scratch(tempfile.gettempdir())  # scratch copies of shells killed with SIGKILL
        stdin = stdin or sys.stdin
        interactive = stdin.isatty() and stdin is sys.stdin and self.out is sys.stdout
        if interactive:
            history = _readline()
            self.say("gaorec shell. Type /gaorec help, :help for shell commands, Ctrl-D to leave.")
            try:
                while True:
                    try:
                        raw = input("gaorec> ")
                    except EOFError:
                        break
                    except KeyboardInterrupt:
                        print(file=self.out)
                        continue
                    if not self.line(raw):
                        break
            finally:
                if history:
                    _save_history(history)
            return
        while True:
            raw = stdin.readline()
            if not raw:
                break
            if not self.line(raw):
                break


def _readline() -> str | None:
    """Arrow keys and a history kept between sessions (where the readline module exists)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    import os
    from pathlib import Path

    path = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gaorec" / "shell_history"
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)
    return str(path)


def _save_history(path: str) -> None:
    import readline
    from pathlib import Path

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)
    except OSError:
        pass


SCRATCH_PREFIX = "gaorec-shell-"
SCRATCH_OWNER = "gaorec-shell.pid"  # in a scratch directory: the pid of the shell that made it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours (PermissionError), or the platform cannot tell: leave it
        return True
    return True


def sweep_stale_scratch(directory: str | Path) -> list[Path]:
    """Remove the scratch copies a shell killed outright (SIGKILL: no exit handler runs) left in ``directory``:
    only directories gaorec made (its prefix and its owner file, ours) whose shell process is gone. Returns
    what was removed."""
    removed = []
    for d in sorted(Path(directory).glob(SCRATCH_PREFIX + "*")):
        try:
            if not d.is_dir() or d.is_symlink() or d.stat().st_uid != os.getuid():
                continue
            pid = int((d / SCRATCH_OWNER).read_text().strip())
        except (OSError, ValueError, AttributeError):  # no owner file (not ours, or being made), unreadable
            continue
        if pid != os.getpid() and not _alive(pid) and discard(str(d)):
            removed.append(d)
    return removed


def discard(directory: str) -> bool:
    """Remove a scratch copy's directory; if it cannot be, say where it is (on stderr) so a person can."""
    import shutil

    try:
        shutil.rmtree(directory)
    except FileNotFoundError:
        return True
    except OSError as exc:
        print(f"gaorec shell: could not remove the scratch copy of the database at {directory} "
              f"({exc.strerror or exc}); remove it yourself.", file=sys.stderr, flush=True)
        return False
    return True


def denied_text(result) -> Message:
    from ..blocks.reminders import refusal_words

    return Message(text=refusal_words(result, "acknowledge"))
