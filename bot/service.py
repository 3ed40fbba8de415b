"""The library behind every surface (CLI, shell, Slack): import, search, show,
overdue, and the ``/gaorec`` grammar ``handle(text, caller) -> Reply``. It
knows no transport."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from config.settings import Settings
from storage import repo
from storage.db import Database

from .gao.fetch import fetch
from .gao.parse import parse
from .gao.records import ParseError, ParseResult
from .reply import HELP, Caller, Reply

SOURCE_SUFFIXES = {".txt", ".html", ".htm", ".csv"}
PAGE_SIZE = 5
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


class Gaorec:
    def __init__(self, settings: Settings | None = None, db: Database | None = None):
        self.settings = settings or Settings()
        self.db = db or Database(self.settings.database_url)

    # -- time --------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        now = now or datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(self.settings.tz).date()

    # -- import ------------------------------------------------------------
    def read_source(self, source: str) -> ParseResult:
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
        return parse(data, source)

    def import_sources(self, sources: list[str], *, now: datetime | None = None,
                       on_source: Callable[[str], None] | None = None,
                       progress: Callable[[int], None] | None = None) -> repo.ImportSummary:
        """Parse every source first (any error: nothing is written), then upsert all in one transaction."""
        results = []
        for src in expand_sources(sources):
            results.append(self.read_source(src))
            if on_source:
                on_source(src)
        now_naive = now.astimezone(timezone.utc).replace(tzinfo=None) if now and now.tzinfo else now
        return repo.import_results(self.db, results, now=now_naive, tz=self.settings.tz, progress=progress)

    # -- reads -------------------------------------------------------------
    def search(self, query: str, limit: int = 20, offset: int = 0) -> tuple[list[repo.RecView], int]:
        with self.db.session() as s:
            return repo.search(s, query[:MAX_QUERY], limit=limit, offset=offset)

    def show(self, key: str) -> repo.RecView | None:
        with self.db.session() as s:
            return repo.get(s, key)

    def overdue(self, as_of: date, query: str | None = None) -> list[repo.RecView]:
        with self.db.session() as s:
            return repo.overdue(s, as_of, (query or "")[:MAX_QUERY] or None)

    def due(self, as_of: date, days: int, query: str | None = None) -> list[repo.RecView]:
        with self.db.session() as s:
            return repo.due_between(s, as_of, as_of + timedelta(days=days), (query or "")[:MAX_QUERY] or None)

    def stats(self, as_of: date) -> dict:
        with self.db.session() as s:
            return repo.stats(s, as_of)

    # -- JSON contract -------------------------------------------------------
    @staticmethod
    def record_json(v: repo.RecView, as_of: date, *, detail: bool = False) -> dict:
        days = v.days_overdue(as_of)
        out = {
            "key": v.key, "report_number": v.report_number, "report_title": v.report_title,
            "rec_number": v.rec_number, "agency": v.agency, "status": v.status, "priority": v.priority,
            "text": v.text, "comments": v.comments, "url": v.url,
            "first_seen": repo._iso(v.first_seen), "last_changed": repo._iso(v.last_changed),
            "promises": [p.to_json() for p in v.promises],
            "overdue": days is not None, "days_overdue": days, "slips": v.slips,
        }
        if detail:
            out["status_events"] = v.status_events
            out["topics"] = v.topics
            out["comments_cut"] = v.comments_cut
        return out

    # -- the /gaorec grammar ---------------------------------------------------
    def handle(self, text: str, caller: Caller, *, now: datetime | None = None) -> Reply:
        as_of = self.today(now)
        words = " ".join((text or "").split())
        if len(words) > MAX_QUERY:
            words = words[:MAX_QUERY]
        head, _, rest = words.partition(" ")
        cmd = head.lower()
        if cmd in ("", "help", "-h", "--help", "?"):
            return Reply(kind="help", title="gaorec: GAO recommendations and the dates agencies promised",
                         data={"commands": HELP}, as_of=as_of)
        if cmd == "show":
            if not rest:
                return Reply(kind="error", text="Usage: /gaorec show KEY (keys look like k7m2q)", as_of=as_of)
            return self._card(rest.split()[0], as_of)
        if cmd == "overdue":
            views = self.overdue(as_of, rest or None)
            title = f"Overdue promises{f' matching “{rest}”' if rest else ''}"
            return self._list(views, title, as_of, "overdue", rest)
        if cmd == "due":
            days, query = 30, rest
            m = re.match(r"^(\d{1,4})d?\b\s*(.*)$", rest)
            if m:
                days, query = min(int(m.group(1)), 3660), m.group(2)
            views = self.due(as_of, days, query or None)
            title = f"Promises due in the next {days} days{f' matching “{query}”' if query else ''}"
            return self._list(views, title, as_of, "due", query)
        if cmd == "stats":
            return Reply(kind="stats", title="gaorec stats", data=self.stats(as_of), as_of=as_of)
        if repo.KEY_RE.match(cmd) and not rest:
            v = self.show(cmd)
            if v is not None:
                return Reply(kind="card", records=[v], total=1, as_of=as_of, title=v.key)
        return self.search_reply(words, as_of)

    def search_reply(self, query: str, as_of: date, offset: int = 0) -> Reply:
        views, total = self.search(query, limit=PAGE_SIZE, offset=offset)
        if not views:
            return Reply(kind="empty", query=query, as_of=as_of,
                         text="Try fewer words, a report number such as GAO-23-105255, or `/gaorec overdue`.")
        return Reply(kind="list", title=f"{repo.format_total(total)} result{'s' if total != 1 else ''} for “{query}”",
                     records=views, total=total, offset=offset, query=query, command="search", as_of=as_of,
                     total_label=repo.format_total(total))

    def _card(self, key: str, as_of: date) -> Reply:
        v = self.show(key)
        if v is None:
            return Reply(kind="empty", query=key, as_of=as_of,
                         text="No recommendation has that key. Search for it: `/gaorec WORDS`.")
        return Reply(kind="card", records=[v], total=1, as_of=as_of, title=v.key)

    def _list(self, views: list[repo.RecView], title: str, as_of: date, command: str, query: str) -> Reply:
        if not views:
            return Reply(kind="empty", query=query, command=command, as_of=as_of,
                         text=f"Nothing {'overdue' if command == 'overdue' else 'due'}"
                              f"{' for that query' if query else ''}.")
        return Reply(kind="list", title=title, records=views[:PAGE_SIZE], total=len(views), query=query,
                     command=command, as_of=as_of)
