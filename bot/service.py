"""The library behind every surface (CLI, shell, Slack): import, search, show,
overdue, export, audit, and ``handle(text, caller) -> Reply``, which routes the
``/gaorec`` grammar through the command registry (bot/commands). It knows no
transport."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import Settings
from storage import repo
from storage.db import Database
from storage.types import utc

from .gao.calendar import local_day
from .gao.fetch import fetch
from .gao.formats import mapped
from .gao.formats.mapped import Mapping
from .gao.parse import parse
from .gao.records import ParseError, ParseResult
from . import messages as M
from .reply import Caller, Reply
from .services import cards, owners

if TYPE_CHECKING:
    from .reminders.answers import People
    from .reminders.engine import Engine

SOURCE_SUFFIXES = {".txt", ".html", ".htm", ".csv"}
MAX_QUERY = 500


class GaorecError(Exception):
    """An error for the user: one line, no traceback."""


def expand_sources(sources: list[str]) -> list[str]:
    """Files as given, directories walked for .txt/.html/.htm/.csv, URLs kept."""
    out: list[str] = []
    for src in sources:
        if re.match(r"^https?://", src, re.I):
            out.append(src)
            continue
        p = Path(src)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SOURCE_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                raise ParseError(src, "a directory with no .txt, .html, .htm or .csv files")
            out += [str(f) for f in files]
        else:
            out.append(src)
    return out


def mention(owner: str | None) -> M.Span | str:
    """An owner as a neutral mention (each chat adapter renders it), or "nobody"."""
    return M.user(owner) if owner else "nobody"


class Gaorec:
    def __init__(self, settings: Settings | None = None, db: Database | None = None, *,
                 people: People | None = None):
        """``people``: who is an admin or in a user group, as the chat knows it (the Slack adapter's
        SlackPeople); without a chat, the users in settings.admins are the admins."""
        self.settings = settings or Settings()
        self.db = db or Database(self.settings.database_url)
        self.reminders = self._reminders(people)
        # channel -> None when gaorec can post there, else what to do about it (the chat adapter sets it)
        self.channel_access: Callable[[str], str | None] | None = None

    def _reminders(self, people: People | None) -> Engine:
        """THE place the reminder parts are wired: each gets the database and only the settings it uses."""
        from .reminders.answers import Admins, Answers
        from .reminders.digest import Digest
        from .reminders.engine import Engine
        from .reminders.outbox import Outbox
        from .reminders.planning import Cadence, Planner

        st, db = self.settings, self.db
        views = partial(owners.by_ids, raw_rules=st.owner_rules)  # THE owner rule
        outbox = Outbox(db, pace_seconds=st.post_interval, claim_timeout=timedelta(seconds=st.claim_timeout))
        cadence = Cadence(followup_days=st.followup_days, priority_followup_days=st.priority_followup_days,
                          followup_days_after_slips=st.followup_days_after_slips,
                          slips_for_shorter=st.slips_for_shorter)
        return Engine(
            planner=Planner(db, outbox=outbox, views=views, today=self.today, cadence=cadence,
                            cap=st.reminder_cap, escalate_after=st.escalate_after,
                            escalation_contact=st.escalation_contact),
            outbox=outbox,
            answers=Answers(db, people=people or Admins(frozenset(st.admins)), views=views, today=self.today,
                            ack_quiet_days=st.ack_quiet_days),
            digest=Digest(db, outbox=outbox, today=self.today))

    # -- time --------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        """The day an instant (now when none) is in GAOREC_TIMEZONE (bot/gao/calendar.py: local_day)."""
        day = local_day(utc(now), self.settings.tz)
        assert day is not None
        return day

    # -- import ------------------------------------------------------------
    def read_source(self, source: str, mapping: Mapping | None = None) -> ParseResult:
        if re.match(r"^https?://", source, re.I):
            data = fetch(source, contact=self.settings.contact, timeout=self.settings.fetch_timeout)
        else:
            try:
                data = Path(source).read_bytes()
            except FileNotFoundError:
                raise ParseError(source, "no such file") from None
            except IsADirectoryError:
                raise ParseError(source, "a directory (give the directory itself to import its files)") from None
            except OSError as exc:
                raise ParseError(source, f"cannot read: {exc.strerror or exc}") from None
        if mapping is not None:
            return mapped.parse(data, source, mapping)
        if mapped.is_xlsx(data):
            raise ParseError(source, "an XLSX workbook: import it with --mapping FILE.toml "
                                     "(config/mappings/gao-xls.toml fits GAO's Download XLS)")
        return parse(data, source)

    def import_sources(self, sources: list[str], *, now: datetime | None = None,
                       on_source: Callable[[str], None] | None = None,
                       progress: Callable[[int], None] | None = None,
                       mapping: Mapping | None = None, as_of: date | None = None,
                       complete: bool | set[str] = False, force: bool = False,
                       on_wait: Callable[[], None] | None = None) -> repo.ImportSummary:
        """Parse every source first (any error: nothing is written), then upsert all in one transaction.
        With ``mapping`` every source is a spreadsheet read through that column map.

        ``as_of``: the snapshot date of every source (default: GAO's own date, else today). ``complete``: True
        (all sources) or the sources that list every open recommendation of the agencies they name; what they
        lack becomes "not listed" (``force``: even more than a quarter of an agency's at once). Imports into one
        database run one at a time: a second waits up to settings.import_wait seconds (on_wait is called once
        when it starts waiting), then raises storage.locks.ImportBusy."""
        from .services.listing import notify_unlisted

        results = []
        whole: set[str] = set()
        for given in sources:
            for src in expand_sources([given]):
                results.append(self.read_source(src, mapping))
                if complete is True or (complete and given in complete):
                    whole.add(src)
                if on_source:
                    on_source(src)
        now = utc(now)
        from storage.locks import import_lock

        with import_lock(self.db, self.settings.import_wait, on_wait):  # one import at a time (finding 5, #15)
            summary = repo.import_results(self.db, results, now=now, tz=self.settings.tz, progress=progress,
                                          as_of=as_of, complete=whole, force=force)
            summary.threads_closed = self.reminders.after_import(summary.changed_keys, now)
            if summary.reread is not None:
                summary.reread.threads_told = self.reminders.after_reread(
                    [(m.key, m.new_due) for m in summary.reread.moved], summary.reread.edition, now)
                summary.threads_closed += summary.reread.threads_told
            summary.notes_posted = notify_unlisted(self.db, summary.unlisted_keys, now)
        from . import metrics

        for result, n in (("new", summary.new), ("changed", summary.changed), ("unchanged", summary.unchanged)):
            metrics.IMPORTED.labels(result).inc(n)
        return summary

    def reread_promises(self, *, dry_run: bool = False, now: datetime | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        on_wait: Callable[[], None] | None = None) -> repo.Reread:
        """Every stored comment read again by this gaorec's promise reader (one at a time with imports), and the
        reminder threads on a date that moved told (storage/imports/reread.py). ``dry_run``: nothing written."""
        from storage.locks import import_lock

        now = utc(now)
        with import_lock(self.db, self.settings.import_wait, on_wait):
            result = repo.reread_promises(self.db, now=now, tz=self.settings.tz, dry_run=dry_run, progress=progress)
            if not dry_run:
                result.threads_told = self.reminders.after_reread([(m.key, m.new_due) for m in result.moved],
                                                                  result.edition, now)
        return result

    # -- reads -------------------------------------------------------------
    def resolve_owners(self, session, views: list[repo.RecView]) -> list[repo.RecView]:
        """Owner and its source on each view: THE resolution (bot/services/owners.py)."""
        return owners.resolve(session, views, self.settings.owner_rules)

    def search(self, query: str, limit: int = 20, offset: int = 0,
               as_of: date | None = None) -> tuple[list[repo.RecView], int]:
        with self.db.session() as s:
            views, total = repo.search(s, query[:MAX_QUERY], limit=limit, offset=offset,
                                       as_of=as_of or self.today(), rules=self.settings.owner_rules)
            return self.resolve_owners(s, views), total

    def show(self, key: str, now: datetime | None = None) -> repo.RecView | None:
        """One recommendation with everything a card tells: owner and its source, acknowledgement, snooze,
        last reminder."""
        now_utc = utc(now)
        with self.db.session() as s:
            v = repo.get(s, key)
            if v is not None:
                self.resolve_owners(s, [v])
                cards.enrich(s, [v], now_utc)
            return v

    def overdue(self, as_of: date, query: str | None = None) -> list[repo.RecView]:
        with self.db.session() as s:
            return self.resolve_owners(s, repo.overdue(s, as_of, (query or "")[:MAX_QUERY] or None))

    # -- the /gaorec grammar ---------------------------------------------------
    def handle(self, text: str, caller: Caller, *, now: datetime | None = None, offset: int = 0,
               surface: str | None = None) -> Reply:
        """One /gaorec command (or the same words in a mention, a DM, the shell): routed by the registry
        (bot/commands), answered by the handler of its capability."""
        from .commands import dispatch

        reply = dispatch(self, text, caller, as_of=self.today(now), now=now, offset=max(0, offset),
                         surface=surface)
        reply.source_text = " ".join((text or "").split())[:MAX_QUERY]
        return reply

    def page(self, text: str, offset: int, caller: Caller) -> Reply:
        """Another page of a list a command produced (buttons carry the command text and offset)."""
        return self.handle(text, caller, offset=offset)

    def report(self, number: str) -> list[repo.RecView]:
        with self.db.session() as s:
            return self.resolve_owners(s, repo.by_report(s, number))

    # -- who may manage, what a user owns -------------------------------------------
    def may_manage(self, caller: Caller) -> bool:
        """Workspace admins and owners, and the users listed in settings.admins."""
        return caller.is_admin or caller.user_id in self.settings.admins

    def mine(self, caller: Caller) -> list[repo.RecView]:
        with self.db.session() as s:
            return owners.owned(s, [caller.user_id], self.settings.owner_rules)
