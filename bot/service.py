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

from .gao import effective as ge
from .gao.fetch import fetch
from .gao.formats import mapped
from .gao.formats.mapped import Mapping
from .gao.parse import parse
from .gao.records import ParseError, ParseResult
from . import messages as M
from .reply import HELP, Caller, Reply
from .services import cards, owners
from .suggest import did_you_mean

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


_USER = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
_GROUP = re.compile(r"^<!subteam\^([A-Z0-9]{2,})(?:\|[^>]*)?>$")


def parse_owner(token: str) -> str | None:
    """'<@U123|dana>' / 'U123' -> 'U123'; '<!subteam^S1|@team>' -> 'subteam:S1'."""
    m = _USER.match(token)
    if m:
        return m.group(1) or m.group(2)
    m = _GROUP.match(token)
    return f"subteam:{m.group(1)}" if m else None


def mention(owner: str | None) -> M.Span | str:
    """An owner as a neutral mention (each chat adapter renders it), or "nobody"."""
    return M.user(owner) if owner else "nobody"


class Gaorec:
    def __init__(self, settings: Settings | None = None, db: Database | None = None):
        self.settings = settings or Settings()
        self.db = db or Database(self.settings.database_url)
        from .reminders.engine import Engine

        self.reminders = Engine(self, pace_seconds=self.settings.post_interval,
                                claim_timeout=timedelta(seconds=self.settings.claim_timeout))
        # channel -> None when gaorec can post there, else what to do about it (the chat adapter sets it)
        self.channel_access: Callable[[str], str | None] | None = None

    # -- time --------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        now = now or datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        return now.astimezone(self.settings.tz).date()

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
        now_naive = now.astimezone(timezone.utc).replace(tzinfo=None) if now and now.tzinfo else now
        from storage.locks import import_lock

        with import_lock(self.db, self.settings.import_wait, on_wait):  # one import at a time (finding 5, #15)
            summary = repo.import_results(self.db, results, now=now_naive, tz=self.settings.tz, progress=progress,
                                          as_of=as_of, complete=whole, force=force)
            summary.threads_closed = self.reminders.after_import(summary.changed_keys, now_naive)
            summary.notes_posted = notify_unlisted(self.reminders, summary.unlisted_keys, now_naive)
        from . import metrics

        for result, n in (("new", summary.new), ("changed", summary.changed), ("unchanged", summary.unchanged)):
            metrics.IMPORTED.labels(result).inc(n)
        return summary

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
        now_utc = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
        with self.db.session() as s:
            v = repo.get(s, key)
            if v is not None:
                self.resolve_owners(s, [v])
                cards.enrich(s, [v], now_utc)
            return v

    def overdue(self, as_of: date, query: str | None = None) -> list[repo.RecView]:
        with self.db.session() as s:
            return self.resolve_owners(s, repo.overdue(s, as_of, (query or "")[:MAX_QUERY] or None))

    def count_unlisted_passed(self, as_of: date, query: str | None = None) -> int:
        with self.db.session() as s:
            return repo.count_unlisted_passed(s, as_of, (query or "")[:MAX_QUERY] or None)

    def stats(self, as_of: date) -> dict:
        with self.db.session() as s:
            return repo.stats(s, as_of)

    # -- JSON contract -------------------------------------------------------
    @staticmethod
    def record_json(v: repo.RecView, as_of: date, *, detail: bool = False) -> dict:
        days = v.days_overdue(as_of)
        out = {
            "key": v.key, "report_number": v.report_number, "report_title": v.report_title,
            "rec_number": v.rec_number, "rec_label": v.rec_label, "kind": v.kind,
            "agency": v.agency, "status": v.status, "priority": v.priority,
            "text": v.text, "comments": v.comments, "url": v.url,
            "first_seen": repo._iso(v.first_seen), "last_changed": repo._iso(v.last_changed),
            "promises": [p.to_json() for p in v.promises],
            "overdue": days is not None, "days_overdue": days, "slips": v.slips, "source": v.issuer,
            **({"questioned_costs": v.questioned_costs, "funds_for_better_use": v.funds_for_better_use}
               if v.issuer == "oig" else {}),
            "owner": v.owner, "owner_source": v.owner_source,
            "correction": v.decision.to_json() if ge.holds(v.decision, v.comments) else None,
            "listed": v.listed, "last_listed": v.last_listed.isoformat() if v.last_listed else None,
        }
        if not v.listed:
            out["outcome"] = v.outcome
        if detail:
            out["owner_rule"] = v.owner_rule
            out["status_events"] = v.status_events
            out["topics"] = v.topics
            out["comments_cut"] = v.comments_cut
            ack = v.acknowledged
            out["acknowledged"] = ({"by": ack["by"], "at": repo._iso(ack["at"]), "note": ack["note"]}
                                   if ack else None)
            out["snoozed_until"] = repo._iso(v.snoozed_until)
            out["last_reminded"] = repo._iso(v.last_reminded)
        return out

    # -- the /gaorec grammar ---------------------------------------------------
    def handle(self, text: str, caller: Caller, *, now: datetime | None = None, offset: int = 0) -> Reply:
        reply = self._handle(text, caller, now=now, offset=max(0, offset))
        reply.source_text = " ".join((text or "").split())[:MAX_QUERY]
        return reply

    def page(self, text: str, offset: int, caller: Caller) -> Reply:
        """Another page of a list a command produced (buttons carry the command text and offset)."""
        return self.handle(text, caller, offset=offset)

    def report(self, number: str) -> list[repo.RecView]:
        with self.db.session() as s:
            return self.resolve_owners(s, repo.by_report(s, number))

    def _handle(self, text: str, caller: Caller, *, now: datetime | None, offset: int) -> Reply:
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
            return self._card(rest.split()[0], as_of, now)
        if cmd == "overdue":
            with self.db.session() as s:
                total = repo.count_overdue(s, as_of, rest[:MAX_QUERY] or None)
                views = self.resolve_owners(s, repo.overdue(s, as_of, rest[:MAX_QUERY] or None, limit=PAGE_SIZE,
                                                            offset=min(offset, max(0, total - 1))))
                unlisted = repo.count_unlisted_passed(s, as_of, rest[:MAX_QUERY] or None)
            title = f"Overdue promises{f' matching “{rest}”' if rest else ''}" + (
                f" ({unlisted} more passed but GAO no longer lists them as open: not counted)" if unlisted else "")
            return self._page(views, total, title, as_of, "overdue", rest, min(offset, max(0, total - 1)))
        if cmd == "due":
            days, query = 30, rest
            m = re.match(r"^(\d{1,4})d?\b\s*(.*)$", rest)
            if m:
                days, query = min(int(m.group(1)), 3660), m.group(2)
            q = query[:MAX_QUERY] or None
            with self.db.session() as s:
                total = repo.count_due(s, as_of, as_of + timedelta(days=days), q)
                offset = min(offset, max(0, total - 1))
                views = self.resolve_owners(s, repo.due_between(s, as_of, as_of + timedelta(days=days), q,
                                                                limit=PAGE_SIZE, offset=offset))
            title = f"Promises due in the next {days} days{f' matching “{query}”' if query else ''}"
            return self._page(views, total, title, as_of, "due", query, offset)
        if cmd == "stats":
            return Reply(kind="stats", title="gaorec stats", data=self.stats(as_of), as_of=as_of)
        if cmd == "mine":
            views = self.mine(caller)
            return self._list(views, "Recommendations you own", as_of, "mine", "", offset)
        if cmd in ("assign", "unassign"):
            return self._assign(cmd, rest, caller, as_of)
        if cmd in ("subscribe", "unsubscribe", "subscriptions"):
            return self._subscription(cmd, rest, caller, as_of)
        if cmd == "owners":
            return self.owners_reply(as_of)
        if cmd == "export":
            name, content, n = self.export("xlsx", overdue_only=rest.lower().startswith("overdue"),
                                           query=rest[len("overdue"):].strip() if rest.lower().startswith("overdue")
                                           else rest or None, as_of=as_of)
            return Reply(kind="file", as_of=as_of, title=name, total=n,
                         data={"filename": name, "content": content},
                         body=M.text(f"Your export: {n} recommendation{'s' if n != 1 else ''} (", M.code(name), ")."))
        if cmd == "snooze":
            return self._snooze(rest, caller, as_of, now)
        if cmd == "outcome":
            return self._outcome(rest, caller, as_of, now)
        if cmd == "promise":
            return self._promise(rest, caller, as_of, now)
        if cmd == "justify":
            return self._justify(rest, caller, as_of, now)
        if cmd == "clock":
            return self._clock(rest, caller, as_of, now)
        if cmd == "history":
            if not rest:
                return Reply(kind="error", text="Usage: /gaorec history KEY", as_of=as_of)
            return self.history_reply(rest.split()[0], as_of)
        if repo.KEY_RE.match(cmd) and not rest:
            v = self.show(cmd, now)
            if v is not None:
                return Reply(kind="card", records=[v], total=1, as_of=as_of, title=v.key)
        suggestion = did_you_mean(cmd)
        if suggestion and not self.search(words, limit=1)[1]:
            example = f"/gaorec {suggestion} {rest}".strip()
            return Reply(kind="text", as_of=as_of, body=M.text("Did you mean ", M.code(suggestion), "? Try ", M.code(example),
                                                          " (or ", M.code("/gaorec help"), " for every command)."))
        return self.search_reply(words, as_of, offset)

    def _justify(self, rest: str, caller: Caller, as_of: date, now: datetime | None) -> Reply:
        """/gaorec justify KEY text: why the agency does not implement it (the GAO-IG Act report's column)."""
        from .services.reports import justify

        key, _, words = rest.partition(" ")
        if not key or not words.strip():
            return Reply(kind="error", as_of=as_of, text="Usage: /gaorec justify KEY why the agency does not "
                                                         "implement it")
        with self.db.session() as s:
            v = repo.get(s, key.lower())
            allowed, owner = self.reminders.may_act_on(s, v.id, caller.user_id) if v else (False, None)
        if v is None:
            return Reply(kind="error", as_of=as_of, text=f"No recommendation has the key {key}.",
                         body=M.text("No recommendation has the key ", M.code(key), "."))
        if not (allowed or self.may_manage(caller)):
            return Reply(kind="error", as_of=as_of, text=f"Only the owner or an admin can record a justification "
                                                       f"for {v.key}.",
                         body=M.text("Only ", mention(owner), " or an admin can record a justification for ",
                                     M.code(v.key), "."))
        justify(self.db, v.key, words.strip()[:4000], caller.user_id, now or datetime.now(timezone.utc))
        done = f"Justification recorded for {v.key}; it goes in the GAO-IG Act report."
        return Reply(kind="text", as_of=as_of, text=done, body=M.text("Justification recorded for ", M.code(v.key),
                                                                      "; it goes in the GAO-IG Act report."))

    def _clock(self, rest: str, caller: Caller, as_of: date, now: datetime | None) -> Reply:
        """/gaorec clock done REPORT: the statement of action (or IG resolution / final action) is done."""
        from .services.clocks import mark_done

        parts = rest.split()
        if len(parts) != 2 or parts[0].lower() != "done":
            return Reply(kind="error", as_of=as_of, text="Usage: /gaorec clock done REPORT (e.g. GAO-26-108061)")
        if not self.may_manage(caller):
            return self._denied("mark a statutory clock done", as_of)
        try:
            name, done = mark_done(self.db, parts[1][:64], caller.user_id, now or datetime.now(timezone.utc))
        except LookupError:
            return Reply(kind="error", as_of=as_of, text=f"No report is numbered {parts[1][:64]}.",
                         body=M.text("No report is numbered ", M.code(parts[1][:64]), "."))
        if not done:
            return Reply(kind="text", as_of=as_of, text=f"{name}: its clocks were already marked done.")
        return Reply(kind="text", as_of=as_of, text=f"{name}: marked done ({', '.join(done)}); no more deadline "
                                                   f"reminders for it.")

    # -- App Home -----------------------------------------------------------------------
    def home(self, user_id: str, channel_ids: list[str] | None, now: datetime | None = None):
        """The viewer's App Home (a slack_sdk View): what they own, and their channels' subscriptions."""
        from sqlalchemy import select

        from storage.models import Acknowledgement, Reminder

        from .blocks.home import home_view

        as_of = self.today(now)
        now_utc = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
        with self.db.session() as s:
            owned = owners.owned(s, [user_id], self.settings.owner_rules)
            ids = [v.id for v in owned]
            snoozed_ids = set(s.scalars(select(Reminder.recommendation_id).where(
                Reminder.recommendation_id.in_(ids or [-1]), Reminder.state == "snoozed",
                Reminder.quiet_until > now_utc)))
            acked_ids = set(s.scalars(select(Reminder.recommendation_id).join(
                Acknowledgement, Acknowledgement.reminder_id == Reminder.id).where(
                Reminder.recommendation_id.in_(ids or [-1]), Acknowledgement.at >= now_utc - timedelta(days=30))))
            subs = [(x.channel_id, x.query) for x in repo.subscriptions(s)
                    if channel_ids is None or x.channel_id in channel_ids]
        overdue = sorted((v for v in owned if v.days_overdue(as_of) is not None),
                         key=lambda v: (not v.priority, -(v.days_overdue(as_of) or 0), v.key))
        due = [v for v in owned if v.is_tracked() and v.current_due and as_of <= v.current_due <= as_of + timedelta(30)]
        unlisted = [v for v in owned if v.is_open() and not v.listed]
        return home_view(overdue=overdue, due=due, snoozed=[v for v in owned if v.id in snoozed_ids],
                         acknowledged=[v for v in owned if v.id in acked_ids], subscriptions=subs, as_of=as_of,
                         owned=len(owned), unlisted=unlisted)

    # -- exports and the audit log ----------------------------------------------------
    def export(self, fmt: str = "csv", *, overdue_only: bool = False, unimplemented: bool = False,
               query: str | None = None, as_of: date | None = None) -> tuple[str, bytes, int]:
        """(file name, bytes, rows): one row per recommendation."""
        from . import exports

        as_of = as_of or self.today()
        with self.db.session() as s:
            views = repo.export_views(s, as_of, overdue_only=overdue_only, unimplemented=unimplemented,
                                      query=(query or "")[:MAX_QUERY] or None)
            self.resolve_owners(s, views)
            acks = repo.last_acknowledgements(s, [v.id for v in views])
        table = exports.rows(views, acks, as_of)
        kind = "overdue" if overdue_only else "unimplemented" if unimplemented else "recommendations"
        name = f"gao-{kind}-{as_of.isoformat()}.{fmt}"
        return name, exports.to_xlsx(table) if fmt == "xlsx" else exports.to_csv(table), len(table)

    @staticmethod
    def _audit_rec_id(session, key: str | None) -> int | None:
        """The recommendation an audit query is about (None: all); an unknown key is the user's error."""
        if not key:
            return None
        v = repo.get(session, key)
        if v is None:
            raise GaorecError(f"no recommendation has the key {key!r}")
        return v.id

    def audit(self, since: datetime | None = None, key: str | None = None) -> list[dict]:
        with self.db.session() as s:
            return repo.audit_log(s, since=since, rec_id=self._audit_rec_id(s, key))

    def audit_page(self, since: datetime | None = None, key: str | None = None, *, limit: int = 100,
                   offset: int = 0) -> tuple[list[dict], int]:
        """(events newest first, how many match in all)."""
        from storage.queries import audit as audit_q

        with self.db.session() as s:
            return audit_q.page(s, since=since, rec_id=self._audit_rec_id(s, key), limit=limit, offset=offset)

    # -- owners, subscriptions, history -------------------------------------------
    def may_manage(self, caller: Caller) -> bool:
        """Workspace admins and owners, and the users listed in settings.admins."""
        return caller.is_admin or caller.user_id in self.settings.admins

    def _denied(self, what: str, as_of: date) -> Reply:
        return Reply(kind="error", as_of=as_of, text=f"Only workspace admins and the users in gaorec's admins list "
                                                     f"can {what}. Ask one of them.")

    def mine(self, caller: Caller) -> list[repo.RecView]:
        with self.db.session() as s:
            return owners.owned(s, [caller.user_id], self.settings.owner_rules)

    def _assign(self, cmd: str, rest: str, caller: Caller, as_of: date) -> Reply:
        parts = rest.split()
        usage = "Usage: /gaorec assign KEY @user" if cmd == "assign" else "Usage: /gaorec unassign KEY"
        if not parts or (cmd == "assign" and len(parts) < 2):
            return Reply(kind="error", text=usage, as_of=as_of)
        if not self.may_manage(caller):
            return self._denied(f"{cmd} recommendations", as_of)
        owner = parse_owner(parts[1]) if cmd == "assign" else None
        if cmd == "assign" and owner is None:
            return Reply(kind="error", as_of=as_of, text="Name the owner as a Slack mention (@dana) or a user group.")
        now = repo.utcnow()
        with self.db.write() as s:
            v = repo.get(s, parts[0])
            if v is None:
                return Reply(kind="empty", query=parts[0], as_of=as_of,
                             text="No recommendation has that key. Search for it: `/gaorec WORDS`.")
            if cmd == "assign":
                previous = repo.assign(s, v.id, owner, caller.user_id, now)
                was = [" (was ", mention(previous), ")"] if previous and previous != owner else None
                return Reply(kind="text", as_of=as_of,
                             body=M.text(M.code(v.key), " is now owned by ", mention(owner), was, "."))
            previous = repo.unassign(s, v.id, caller.user_id, now)
            return Reply(kind="text", as_of=as_of, body=M.text(M.code(v.key), [" has no owner now (was ", mention(previous), ")."]
                                                         if previous else " had no owner."))

    def _subscription(self, cmd: str, rest: str, caller: Caller, as_of: date) -> Reply:
        channel = caller.channel_id
        if not channel:
            return Reply(kind="error", text="Subscriptions belong to a channel: run this in one.", as_of=as_of)
        query = " ".join(rest.split())[:MAX_QUERY]
        if cmd == "subscriptions":
            with self.db.session() as s:
                subs = repo.subscriptions(s, channel)
            if not subs:
                return Reply(kind="text", as_of=as_of, text="This channel has no subscriptions. "
                             "An admin can add one: /gaorec subscribe [QUERY]")
            lines = [M.text("• ", M.code(x.query) if x.query else "all recommendations", " (by ",
                            mention(x.created_by), ")") for x in subs]
            return Reply(kind="text", as_of=as_of, body=M.join([M.text("This channel hears reminders for:")] + lines))
        if not self.may_manage(caller):
            return self._denied(f"{cmd} channels", as_of)
        now = repo.utcnow()
        problem = self.channel_access(channel) if cmd == "subscribe" and self.channel_access else None
        with self.db.write() as s:
            if cmd == "subscribe":
                added = repo.subscribe(s, channel, query, caller.user_id, now)
                what = M.text("recommendations matching ", M.code(query)) if query else M.text("all recommendations")
                warn = ["\n", M.icon("warning"), problem] if problem else None
                return Reply(kind="text", as_of=as_of, body=M.text(
                    "This channel will hear reminders for " if added else "This channel already hears reminders for ",
                    what, ".", warn))
            n = repo.unsubscribe(s, channel, query or None, caller.user_id, now)
            return Reply(kind="text", as_of=as_of, body=M.text(
                f"Removed {n} subscription{'s' if n != 1 else ''} from this channel." if n
                else "Nothing to remove: see /gaorec subscriptions."))

    def _snooze(self, rest: str, caller: Caller, as_of: date, now: datetime | None) -> Reply:
        m = re.match(r"^(\S+)\s+(\d{1,3})\s*(d|days?|w|weeks?)\b\s*(.*)$", rest, re.IGNORECASE)
        if not m:
            return Reply(kind="error", as_of=as_of, text="Usage: /gaorec snooze KEY 30d [reason] (or 2w)")
        key, n, unit, reason = m.group(1), int(m.group(2)), m.group(3).lower(), m.group(4)
        days = n * 7 if unit.startswith("w") else n
        from .reminders.engine import MAX_SNOOZE_DAYS

        if not 1 <= days <= MAX_SNOOZE_DAYS:  # the engine applies the same rule to every surface
            return Reply(kind="error", as_of=as_of, text=f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.")
        results = self.reminders.snooze_key(key, caller.channel_id, caller.user_id, days, reason, now)
        if not results:
            v = self.show(key, now)
            if v is None:
                return Reply(kind="empty", query=key, as_of=as_of,
                             text="No recommendation has that key. Search for it: `/gaorec WORDS`.")
            late = v.days_overdue(as_of)
            state = (f"it has been overdue for {late} days" if late is not None else
                     f"its promise is due {v.current_due.isoformat()}" if v.current_due and v.is_open() else
                     "it has no open promise")
            return Reply(kind="text", as_of=as_of, body=M.text(
                "Nothing to snooze yet: ", M.code(v.key), f" has no open reminder in this channel ({state}). Reminders "
                "start in channels that subscribe (", M.code("/gaorec subscribe"), ") once a promised date has "
                "passed; snooze one then."))
        if not any(r.ok for r in results) and results[0].reason:
            return Reply(kind="error", as_of=as_of, text=results[0].reason)
        if not any(r.ok for r in results):
            owner = results[0].owner
            return Reply(kind="text", as_of=as_of, body=M.text("Only ", mention(owner), " or an admin can snooze this."))
        return Reply(kind="text", as_of=as_of, body=M.text("Snoozed ", M.code(key), f" for {days} days."))

    def _outcome(self, rest: str, caller: Caller, as_of: date, now: datetime | None) -> Reply:
        from .services.listing import set_outcome

        parts = rest.split()
        if len(parts) != 2:
            return Reply(kind="error", as_of=as_of, text="Usage: /gaorec outcome KEY implemented|not-implemented|open")
        result = set_outcome(self, parts[0], parts[1], caller.user_id, is_admin=self.may_manage(caller), now=now,
                             channel=caller.channel_id)
        return Reply(kind="text" if result.ok else "error", as_of=as_of, body=result.message)

    def _promise(self, rest: str, caller: Caller, as_of: date, now: datetime | None) -> Reply:
        """/gaorec promise KEY DATE|none|confirm|clear [reason]: the owner's (or an admin's) word on the date."""
        from .services import promises as sp

        parsed = sp.parse_command(rest)
        if isinstance(parsed, str):
            return Reply(kind="error", text=parsed, as_of=as_of)
        key, action, due, reason = parsed
        out = sp.apply(self, key, action, actor=caller.user_id, via="command", due=due, reason=reason, now=now)
        if out.ok:
            return Reply(kind="text", as_of=as_of, body=out.body)
        if out.refused:
            return Reply(kind="text", as_of=as_of, body=out.body)
        return Reply(kind="error", text=out.text, as_of=as_of)

    def owners_reply(self, as_of: date) -> Reply:
        """The ownership rules from config, and the open recommendations nobody owns."""
        from sqlalchemy import func, select

        from storage.models import Recommendation

        rules = owners.rules(self.settings.owner_rules)
        lines = [M.text(M.strong("Ownership rules"), " (", M.code("/gaorec assign"),
                        " overrides them; the first rule that matches wins):")]
        lines += [M.text(f"{r.number}. ", f"agency {r.agency}" if r.agency else ["query ", M.code(r.query)], " → ",
                         mention(r.owner)) for r in rules] or [M.text("• none configured (owner_rules in the config)")]
        with self.db.session() as s:
            where = Recommendation.status.in_(repo.OPEN_STATUSES) & owners.unowned_where(s, self.settings.owner_rules)
            total = s.scalar(select(func.count()).select_from(Recommendation).join(repo.Report).where(where)) or 0
            sample = list(s.scalars(select(Recommendation.key).join(repo.Report).where(where)
                                    .order_by(Recommendation.priority.desc(), Recommendation.current_due)
                                    .limit(15)))
        keys = M.join([[M.code(k)] for k in sample], ", ")
        lines.append(M.text(M.strong(str(total)), f" open recommendation{'s' if total != 1 else ''} have no owner",
                            [": ", keys, " …" if total > len(sample) else None] if sample else "."))
        return Reply(kind="text", as_of=as_of, body=M.join(lines))

    def history_reply(self, key: str, as_of: date) -> Reply:
        with self.db.session() as s:
            v = repo.get(s, key)
            if v is None:
                return Reply(kind="empty", query=key, as_of=as_of,
                             text="No recommendation has that key. Search for it: `/gaorec WORDS`.")
            events = repo.history(s, v.id)
        return Reply(kind="history", title=f"History of {v.key}", records=[v], as_of=as_of,
                     data={"events": events})

    def search_reply(self, query: str, as_of: date, offset: int = 0) -> Reply:
        views, total = self.search(query, limit=PAGE_SIZE, offset=offset, as_of=as_of)
        if not views:
            return Reply(kind="empty", query=query, as_of=as_of,
                         text="Try fewer words, a report number such as GAO-23-105255, or `/gaorec overdue`.")
        return Reply(kind="list", title=f"{repo.format_total(total)} result{'s' if total != 1 else ''} for “{query}”",
                     records=views, total=total, offset=offset, query=query, command="search", as_of=as_of,
                     total_label=repo.format_total(total))

    def _card(self, key: str, as_of: date, now: datetime | None = None) -> Reply:
        v = self.show(key, now)
        if v is None:
            return Reply(kind="empty", query=key, as_of=as_of,
                         text="No recommendation has that key. Search for it: `/gaorec WORDS`.")
        return Reply(kind="card", records=[v], total=1, as_of=as_of, title=v.key)

    def _page(self, views: list[repo.RecView], total: int, title: str, as_of: date, command: str, query: str,
              offset: int) -> Reply:
        """One page that the database already cut (views), of total."""
        if not total:
            return self._list([], title, as_of, command, query)
        return Reply(kind="list", title=title, records=views, total=total, offset=offset, query=query,
                     command=command, as_of=as_of, total_label=f"{total:,}")

    def _list(self, views: list[repo.RecView], title: str, as_of: date, command: str, query: str,
              offset: int = 0) -> Reply:
        if not views:
            text = {"mine": "You own no recommendations. An admin can assign one: /gaorec assign KEY @you",
                    "overdue": "Nothing overdue", "due": "Nothing due"}.get(command, "Nothing found")
            if command != "mine":
                text += " for that query." if query else "."
            return Reply(kind="empty", query=query, command=command, as_of=as_of, text=text)
        offset = min(offset, max(0, len(views) - 1))
        return Reply(kind="list", title=title, records=views[offset:offset + PAGE_SIZE], total=len(views),
                     offset=offset, query=query, command=command, as_of=as_of, total_label=f"{len(views):,}")
