"""The gaorec command line: a thin layer over bot.service. Every command has
--help; the data commands have --json (a stable contract for scripts)."""
from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime, tzinfo
from pathlib import Path

import click

from .gao.records import ParseError
from .termout import status
from .words import plural

# Heavy packages (sqlalchemy, alembic, rich.progress, slack_*, bs4, openpyxl, docx, holidays) are imported
# inside the commands that use them: every `gaorec` process pays only for its own command.
# GAO's CBP agency page retold in our own words (the same reports, numbers, statuses and dated sentences): what
# `gaorec run` loads into an empty database, on every machine, and what README's session imports again
SAMPLE = Path(__file__).parent / "samples" / "cbp-agency-page.txt"


def parse_instant(text: str | None, tz: tzinfo) -> datetime:
    """bot.timeinput.parse_instant, imported when a command needs it (it pulls in SQLAlchemy)."""
    from .timeinput import parse_instant as parse

    return parse(text, tz)


class ConfigMistake(click.ClickException):
    """A configuration mistake: one line, exit status 2."""
    exit_code = 2


def _app(ctx: click.Context):
    from config.settings import ConfigError

    from .startup import open_app

    if ctx.obj is None:
        try:
            ctx.obj = open_app(ctx.find_root().params.get("database"))
        except ConfigError as exc:
            raise ConfigMistake(str(exc)) from None
        from storage.db import busy_timeout_ms

        busy_timeout_ms.set(int(ctx.obj.settings.busy_wait * 1000))  # a CLI command waits for a busy database
    return ctx.obj


class DatabaseExit(click.ClickException):
    """A database problem a person must fix: one line, exit 2."""
    exit_code = 2


class DatabaseBusy(DatabaseExit):
    """The database is busy: one line, exit 75 ("try again later")."""
    exit_code = 75


class GaorecGroup(click.Group):
    """Database problems (full disk, corrupt, foreign or read-only file, busy) become one line, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - only database problems are turned into a line
            from storage.problems import explain  # imported here: it pulls in SQLAlchemy, which --help does not need

            problem = explain(exc, _where(ctx))
            if problem is None:
                raise
            raise (DatabaseBusy if problem.kind == "busy" else DatabaseExit)(problem.args[0]) from None


def _where(ctx: click.Context) -> str:
    app = ctx.obj
    if app is not None:
        return app.db.describe()
    from storage.db import default_url

    url = ctx.params.get("database") or os.environ.get("DATABASE_URL") or default_url()
    try:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        if u.get_backend_name() == "sqlite":
            return u.database or "the database"  # sqlite:// names no file
        return u.render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "the database"


def _emit(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _as_of(value: str | None, app) -> date:
    if not value:
        return app.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-12-01", param_hint="--as-of") from None


def _version(ctx: click.Context, given: bool) -> None:
    """--version: the package's version, and what tells two gaorecs apart on one database: the schema it brings a
    database to, and the edition of its promise reader (bot/gao/promises.py: READER)."""
    if not given or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    from storage.db import script_heads

    from .gao.promises import READER

    try:
        number = version("gaorec")
    except PackageNotFoundError:
        number = "unknown"
    click.echo(f"gaorec {number} (brings a database to schema {', '.join(sorted(script_heads() or [])) or 'unknown'}; "
               f"promise reader {READER})")
    ctx.exit()


@click.group(cls=GaorecGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database", metavar="URL", help="Database URL (default: $DATABASE_URL, else SQLite in "
              "~/.local/share/gaorec/gaorec.db).")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=lambda c, _p, v: _version(c, v),
              help="Show the version, the schema it brings a database to and its promise reader's edition, and exit.")
def main(database: str | None) -> None:
    """gaorec keeps GAO's open recommendations and chases the dates agencies promise.

    \b
    Examples:
      gaorec import cbp-agency-page.txt export.csv
      gaorec search 232
      gaorec overdue --as-of 2026-12-01
      echo '/gaorec 232' | gaorec shell
    """


@main.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--mapping", type=click.Path(dir_okay=False), metavar="FILE.toml",
              help="Read every source (CSV or XLSX) through this column map: IG trackers, GAO's Download XLS "
                   "(see config/mappings/).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="The date of GAO's data in these sources (for a saved page; default: GAO's own "
                   "\"status as of\" date, else today).")
@click.option("--complete", is_flag=True,
              help="The sources together list every open recommendation of each agency they name: the open "
                   "ones of those agencies they lack become \"not listed\" (probably closed).")
@click.option("--force", is_flag=True, help="With --complete: accept that more than a quarter of an agency's "
              "listed open recommendations vanish at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_(sources: tuple[str, ...], mapping: str | None, as_of: str | None, complete: bool, force: bool,
            as_json: bool) -> None:
    """Import GAO pages and exports: files, directories or URLs.

    Formats are detected: agency and report pages (HTML or copied text), the
    recommendations database listings of 2016-2024, and GAO's CSV export. The
    import is one transaction: any bad source, and nothing changes. Each
    source is a snapshot dated by GAO (or --as-of, or today); an older
    snapshot never overwrites a newer status or comment: it is kept as history.
    """
    from storage.locks import ImportBusy
    from storage.repo import ImportRefused

    from .service import expand_sources

    from .gao.formats.mapped import Mapping, MappingError

    app = _app(click.get_current_context())
    day = _as_of(as_of, app) if as_of else None
    if force and not complete:
        raise click.UsageError("--force goes with --complete")
    try:
        column_map = Mapping.load(mapping) if mapping else None
    except MappingError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        files = expand_sources(list(sources))
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        err = Console(stderr=True)
        quiet = as_json or not err.is_terminal
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=quiet or len(files) < 2 and not _big(files)) as progress:
            t_read = progress.add_task("reading", total=len(files))
            t_store = progress.add_task("storing", total=None, visible=False)

            def stored(n: int) -> None:
                progress.update(t_store, advance=n, visible=True)

            def waiting() -> None:
                status(f"Another import into {app.db.describe()} is running: waiting for it (up to "
                          f"{app.settings.import_wait:.0f} s)…")

            summary = app.import_sources(files, on_source=lambda _s: progress.advance(t_read), progress=stored,
                                         mapping=column_map, on_wait=waiting, as_of=day, complete=complete,
                                         force=force)
    except ParseError as exc:
        raise click.ClickException(f"{exc} (nothing imported)") from None
    except (ImportRefused, ImportBusy) as exc:
        raise click.ClickException(str(exc)) from None
    if app.settings.slack_bot_token and app.reminders.pending():
        from .adapters.slack import SlackPoster, make_client

        app.reminders.deliver(SlackPoster(make_client(app.settings)))  # status changes, in their threads
    if as_json:
        _emit(summary.to_json())
        return
    from .termout import Col, emit

    emit([Col("source", min_width=12), Col("format", keep=True), Col("recs", keep=True, right=True), Col("notes")],
         [[s.source, s.format, s.recommendations, "; ".join(s.notes)] for s in summary.sources],
         title="gaorec import")
    click.echo(f"{summary.new} new, {summary.changed} changed, {summary.unchanged} unchanged"
               f" ({plural(summary.status_events, 'status event')}, {plural(summary.slips, 'slip')})")
    if summary.older:
        click.echo(f"{summary.older} entr{'ies were' if summary.older != 1 else 'y was'} older than the records "
                   f"(kept as history; status and comment unchanged)")
    if summary.unlisted_keys or summary.relisted_keys:
        click.echo(f"{len(summary.unlisted_keys)} no longer listed by GAO (probably closed), "
                   f"{len(summary.relisted_keys)} listed again")
    if summary.reread is not None:
        r = summary.reread
        click.echo(f"New promise reader (edition {r.edition}): the stored comments this import did not change "
                   "were read again.")
        click.echo(f"{r.read:,} read, {len(r.moved):,} due date{'s' * (len(r.moved) != 1)} moved (each in gaorec "
                   f"audit){f', {len(r.kept):,} kept as their owners confirmed them' if r.kept else ''}"
                   f"{f', {len(r.held):,} still decided by an owner’s correction' if r.held else ''}.")


def _big(files: list[str]) -> bool:
    try:
        return any(Path(f).stat().st_size > 5_000_000 for f in files if not f.startswith("http"))
    except OSError:
        return False


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 1000), help="How many results (default: 20 in a terminal, all "
              "up to 1,000 in a pipe or with --json).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge 'overdue' as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print records as JSON.")
def search(query: tuple[str, ...], limit: int | None, as_of: str | None, as_json: bool) -> None:
    """Find recommendations: words in any form or their first 3+ letters
    ("232", "tariff", "cyber"), a report number or its start (GAO-23-105255,
    20-692), a key, and filters: agency:CBP, status:partial, priority,
    overdue, owner:@U0DANA."""
    from storage.repo import COUNT_CAP, format_total

    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    views, total = app.search(" ".join(query), limit=_rows_shown(limit, COUNT_CAP, as_json), as_of=day)
    if as_json:
        from .services.records import record_json
        _emit({"query": " ".join(query), "total": total, "results": [record_json(v, day) for v in views]})
        return
    if not views:
        click.echo("No results. Try fewer words, a report number such as GAO-23-105255, or `gaorec overdue`.")
        return
    _table(views, day, f"{format_total(total)} result{'s' if total != 1 else ''}",
           more=max(0, min(total, COUNT_CAP) - len(views)))


def _rows_shown(limit: int | None, total: int, as_json: bool = False) -> int:
    """How many rows a list prints: --limit; else the first page (20) in a terminal, all in a pipe or as JSON
    (the rest, if any, is told as "N more (use --limit)")."""
    from .termout import is_tty

    return limit or (20 if is_tty() and not as_json else total)


def _table(views, day: date, title: str, *, more: int = 0, console=None, tty: bool | None = None) -> None:
    """Records as a table that wraps in a terminal (keys whole, every column kept), or tab-separated in a pipe."""
    from .termout import Col, emit

    cols = [Col("key", keep=True), Col("report", min_width=10), Col("rec", keep=True, right=True),
            Col("status", min_width=6), Col("promise", min_width=7), Col("due", keep=True),
            Col("overdue", keep=True, right=True)]
    rows = []
    for v in views:
        p = v.current_promise
        days = v.days_overdue(day)
        # the report's number (GAO-24-106214) and the short title (before the colon), or what is known of them
        report = " ".join(x for x in (v.report_number, (v.report_title or "").split(":")[0]) if x)
        rows.append([v.key, report, v.rec_number if v.rec_number is not None else "", v.status or "",
                     p.phrase if p else "", str(p.due) if p else "", plural(days, "day") if days is not None else ""])
    emit(cols, rows, title=title, more=more, console=console, tty=tty)


@main.command()
@click.argument("key")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge 'overdue' as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON, with its status events, owner "
              "(and its source), acknowledgement, snooze and last reminder.")
def show(key: str, as_of: str | None, as_json: bool) -> None:
    """One recommendation by its key: owner and where it comes from, the current promise with its sentence,
    earlier promises and slips, status events, the latest acknowledgement, a snooze, the last reminder."""
    from .blocks import card_message
    from .messages import render_text

    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    v = app.show(key)
    if v is None:
        raise click.ClickException(f"no recommendation has the key {key!r}; find it with `gaorec search WORDS`")
    if as_json:
        from .services.records import record_json
        _emit(record_json(v, day, detail=True))
        return
    from .termout import echo_text

    echo_text(render_text(card_message(v, day, tz=app.settings.tz, full=True, buttons=False)))


@main.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Count 'overdue' as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(as_of: str | None, as_json: bool) -> None:
    """Counts: recommendations, reports, by status, with a promise, overdue."""
    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    from .services.records import stats as read_stats
    data = read_stats(app.db, day)
    if as_json:
        _emit(data)
        return
    for line in stats_lines(data, day):
        click.echo(line)


def stats_lines(d: dict, day: date) -> list[str]:
    """The counts as sentences a person reads."""
    def n(k, one, many):
        return f"{d[k]:,} {one if d[k] == 1 else many}"

    lines = [f"{n('recommendations', 'recommendation', 'recommendations')} in {n('reports', 'report', 'reports')}"]
    lines += [f"  {status or 'no status'}: {count:,}" for status, count in d["by_status"].items()]
    lines.append(f"{d['priority']:,} priority")
    lines.append(f"{d['with_promise']:,} with a promised date; {d['overdue']:,} overdue as of {day}")
    lines.append(f"{n('status_events', 'status event', 'status events')} recorded")
    last = d.get("last_import")
    lines.append(f"{n('imports', 'import', 'imports')}" + (f", the last at {last[:16].replace('T', ' ')} UTC"
                                                          if last else ""))
    return lines


@main.command()
@click.argument("query", nargs=-1)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="Judge as of this date (default: today, in GAOREC_TIMEZONE).")
@click.option("--limit", type=click.IntRange(1, 1_000_000), help="How many to list (default: 20 in a terminal, "
              "all in a pipe or with --json).")
@click.option("--json", "as_json", is_flag=True, help="Print records as JSON.")
def overdue(query: tuple[str, ...], as_of: str | None, limit: int | None, as_json: bool) -> None:
    """Open recommendations whose promised date passed with no status change,
    most overdue first."""
    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    views = app.overdue(day, " ".join(query) or None)
    views.sort(key=lambda v: (-(v.days_overdue(day) or 0), v.key))
    from .services.records import count_unlisted_passed, record_json
    unlisted = count_unlisted_passed(app.db, day, " ".join(query) or None)
    if as_json:
        _emit({"as_of": day.isoformat(), "total": len(views), "results": [record_json(v, day) for v in views],
               "not_listed": unlisted})
        return
    note = (f"{unlisted} more passed their promise but GAO no longer lists them as open (probably closed): "
            f"not counted; `gaorec show KEY` tells more.") if unlisted else ""
    if not views:
        click.echo(f"Nothing overdue as of {day}.")
        if note:
            click.echo(note)
        return
    from .termout import is_tty

    shown = _rows_shown(limit, len(views))
    _table(views[:shown], day, f"{len(views)} overdue as of {day}", more=max(0, len(views) - shown))
    if note:  # in a pipe the sentence goes to stderr, so stdout stays tab-separated lines
        click.echo(note, err=not is_tty())


def _ownership(words: str, key: str, by: str | None) -> None:
    """`gaorec assign` and `unassign`: the same handler as /gaorec assign (bot/commands/ownership.py), as an
    admin named by --by (else cli:LOGIN), at the command's instant."""
    from .cli_reports import cli_actor
    from .messages import to_plain
    from .reply import Caller
    from storage.types import utcnow

    app = _app(click.get_current_context())
    reply = app.handle(words, Caller(cli_actor(by), is_admin=True), now=utcnow())
    if reply.kind == "empty":
        raise click.ClickException(f"no recommendation has the key {key!r}; find it with `gaorec search WORDS`")
    if reply.kind == "error":
        raise click.ClickException(reply.text)
    click.echo(to_plain(reply.body) if reply.body else reply.text)


@main.command()
@click.argument("key")
@click.argument("who")
@click.option("--by", "by", metavar="NAME", help="Who assigns it, for the audit log (default: cli:LOGIN).")
def assign(key: str, who: str, by: str | None) -> None:
    """Make WHO the owner of a recommendation, over any ownership rule: a
    Slack user id (U0DANA or @U0DANA) or a user group (@subteam:S0TEAM).
    Audited, as /gaorec assign is."""
    from . import people

    if people.owner_id(who) is None:
        raise click.BadParameter(f"{who!r} is not a Slack user or group id; write U0DANA, @U0DANA or "
                                 "@subteam:S0TEAM (names like @dana are not ids)", param_hint="WHO")
    _ownership(f"assign {key} {who}", key, by)


@main.command()
@click.argument("key")
@click.option("--by", "by", metavar="NAME", help="Who unassigns it, for the audit log (default: cli:LOGIN).")
def unassign(key: str, by: str | None) -> None:
    """Remove a recommendation's assigned owner (an ownership rule may
    then give it one). Audited, as /gaorec unassign is."""
    _ownership(f"unassign {key}", key, by)


@main.command()
@click.argument("key")
@click.argument("outcome", type=click.Choice(["implemented", "not-implemented", "open"]))
@click.option("--by", "by", metavar="NAME", help="Who marks it, for the audit log (default: cli:LOGIN).")
def outcome(key: str, outcome: str, by: str | None) -> None:
    """Mark what became of a recommendation GAO no longer lists: implemented,
    not-implemented, or open (still open: reminded again while overdue).
    Audited; its reminder threads hear it."""
    from .messages import to_plain
    from .services.listing import set_outcome

    from .cli_reports import cli_actor

    app = _app(click.get_current_context())
    result = set_outcome(app, key, outcome, cli_actor(by), is_admin=True)
    if not result.ok:
        raise click.ClickException(to_plain(result.message))
    if app.settings.slack_bot_token and app.reminders.pending():
        from .adapters.slack import SlackPoster, make_client

        app.reminders.deliver(SlackPoster(make_client(app.settings)))
    click.echo(to_plain(result.message))


@main.command()
@click.argument("key")
@click.option("--set", "set_", metavar="YYYY-MM-DD", help="The date the agency actually promised.")
@click.option("--none", "none_", is_flag=True, help="No date was promised (gaorec misread one).")
@click.option("--confirm", is_flag=True, help="The date gaorec read is right.")
@click.option("--clear", is_flag=True, help="Drop the correction or confirmation: back to what GAO's text says.")
@click.option("--reason", metavar="TEXT", help="Why (kept with the correction and in the audit log).")
@click.option("--by", "by", metavar="NAME", help="Who answers, for the audit log (default: cli:LOGIN).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def promise(key: str, set_: str | None, none_: bool, confirm: bool, clear: bool, reason: str | None,
            by: str | None, as_json: bool) -> None:
    """Confirm or correct the promised date of one recommendation. A correction
    is current (source "corrected") until GAO's comment changes."""
    from .services import promises as sp

    chosen = [name for name, on in (("--set", set_ is not None), ("--none", none_), ("--confirm", confirm),
                                    ("--clear", clear)) if on]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --set YYYY-MM-DD, --none, --confirm, --clear")
    due = None
    if set_ is not None:
        due = sp.parse_date(set_)
        if due is None:
            raise click.BadParameter(f"{set_!r} is not a date like 2027-06-30", param_hint="--set")
    action = {"--set": "set", "--none": "none", "--confirm": "confirm", "--clear": "clear"}[chosen[0]]
    from .cli_reports import cli_actor

    app = _app(click.get_current_context())
    out = sp.apply(app, key, action, actor=cli_actor(by), via="cli", due=due, reason=reason, check=False)
    if not out.ok:
        hint = "; find it with `gaorec search WORDS`" if out.text.startswith("no recommendation has the key") else ""
        raise click.ClickException(out.text + hint)
    if as_json:
        _emit(out.data)
        return
    click.echo(out.text)


@main.command()
@click.option("--text", "text_", metavar="COMMENT", help="The comment (default: read stdin).")
@click.option("--corrections", is_flag=True,
              help="Instead: the owners' corrections and confirmations, as labelled examples.")
@click.option("--json", "as_json", is_flag=True, help="Print the promises and the other dates seen as JSON.")
def promises(text_: str | None, corrections: bool, as_json: bool) -> None:
    """Show every date gaorec sees in a GAO comment: the promised dates it
    keeps (with their sentences) and the ones it does not, each with why.
    With --corrections: the owners' corrections instead."""
    from .gao import promises as gp

    if corrections:
        _corrections(as_json)
        return
    if text_ is None and sys.stdin.isatty():  # typed at a terminal: say what it waits for
        status("Paste or type a GAO comment, then press Ctrl-D on a new line (or give it with --text).")
    comment = text_ if text_ is not None else sys.stdin.read()
    reading = gp.read(comment)
    found = reading.promises
    if as_json:
        latest = reading.latest_statement
        _emit({"promises": [p.to_json() for p in found], "latest_statement": latest.isoformat() if latest else None,
               "rejected": [r.to_json() for r in reading.rejected]})
        return
    if not found:
        click.echo("No promised date found.")
    import textwrap

    def wrapped(label: str, text: str) -> str:
        return textwrap.fill(text, 78, initial_indent="    " + label, subsequent_indent="      ")

    for p in found:
        mark = "current " if p.current else ""
        stated = f", stated {p.stated}" if p.stated else ""
        click.echo(textwrap.fill(f"{mark}{p.kind}: “{p.phrase}” due {p.due}{stated} (confidence {p.confidence:.2f})",
                                 79, subsequent_indent="    "))  # fits 80 columns, as the README shows
        click.echo(wrapped("why: ", p.why))
        click.echo(wrapped("", p.sentence))
    if reading.rejected:
        click.echo(f"Not promises ({len(reading.rejected)}):")
    for r in reading.rejected:
        click.echo(f"  {r.role}: “{r.phrase}”")
        click.echo(wrapped("why: ", r.why))


def _corrections(as_json: bool) -> None:
    """Owners' corrections and confirmations as labelled examples (comment, sentence, date read, date right)."""
    from storage.queries import corrections as qc

    app = _app(click.get_current_context())
    with app.db.session() as s:
        examples = qc.examples(s)
    if as_json:
        _emit({"examples": examples})
        return
    for e in examples:
        right = "no promise" if e["no_promise"] else e["due"]
        click.echo(f"{e['key']} {e['label']}: read {e['read_due'] or 'nothing'} -> {right}"
                   + (f" ({e['reason']})" if e["reason"] else ""))
    if not examples:
        click.echo("No corrections or confirmations yet.")


@main.command()
@click.option("--now", "now_", metavar="ISO8601",
              help="Run the pass as at this instant (default: now); without Z or an offset, in GAOREC_TIMEZONE.")
@click.option("--dry-run", is_flag=True, help="Print what would be posted; post nothing, record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the pass as JSON.")
def remind(now_: str | None, dry_run: bool, as_json: bool) -> None:
    """One reminder pass: remind subscribed channels of promised dates that
    passed with no status change (the scheduler runs the same code)."""
    app = _app(click.get_current_context())
    try:
        now = parse_instant(now_, app.settings.tz)  # naive: GAOREC_TIMEZONE (bot/timeinput.py)
    except ValueError:
        raise click.BadParameter(f"{now_!r} is not an ISO 8601 instant like 2026-12-01T14:00:00Z",
                                 param_hint="--now") from None
    poster = None
    if not dry_run:
        if not app.settings.slack_bot_token:
            raise ConfigMistake("posting needs SLACK_BOT_TOKEN (and SLACK_API_URL for GovSlack); "
                                       "or try --dry-run")
        from .adapters.slack import SlackPoster, make_client

        poster = SlackPoster(make_client(app.settings))
    result = app.reminders.run_pass(now, dry_run=dry_run, poster=poster)
    if as_json:
        _emit(result.to_json())
        return
    for p in result.planned:
        if "key" not in p:  # a statutory clock (bot/services/clocks.py): no recommendation key
            click.echo(f"{p['kind']:<10} #{p['channel']} " + " ".join(
                str(v) for k, v in p.items() if k not in ("kind", "channel") and v not in (None, "")))
            continue
        click.echo(f"{p['kind']:<10} #{p['channel']} {p['key']} due {p['due']} "
                   f"({plural(p['days_overdue'], 'day')} overdue) {p['text']}")
    for channel, n in result.waiting.items():
        click.echo(f"waiting    #{channel}: {n} more (the cap is {app.settings.reminder_cap} per pass)")
    verb = "would post" if dry_run else "posted"
    click.echo(f"{verb} {len(result.planned) if dry_run else result.delivered} as of {result.as_of}"
               + (f"; {result.failed} failed" if result.failed else ""))


@main.command()
@click.option("--now", "now_", metavar="ISO8601",
              help="As at this instant (default: now); without Z or an offset, in GAOREC_TIMEZONE.")
@click.option("--dry-run", is_flag=True, help="Print the counts per channel; post nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def digest(now_: str | None, dry_run: bool, as_json: bool) -> None:
    """The weekly digest now: one message per subscribed channel, details in its thread."""
    app = _app(click.get_current_context())
    try:
        now = parse_instant(now_, app.settings.tz)  # naive: GAOREC_TIMEZONE (bot/timeinput.py)
    except ValueError:
        raise click.BadParameter(f"{now_!r} is not an ISO 8601 instant", param_hint="--now") from None
    poster = None
    if not dry_run:
        if not app.settings.slack_bot_token:
            raise ConfigMistake("posting needs SLACK_BOT_TOKEN; or try --dry-run")
        from .adapters.slack import SlackPoster, make_client

        poster = SlackPoster(make_client(app.settings))
    counts = app.reminders.digest(now, dry_run=dry_run,
                                  poster=poster)
    if as_json:
        _emit({"channels": counts})
        return
    for channel, c in counts.items():
        click.echo(f"#{channel}: {c['overdue']} overdue, {c['became']} became overdue, {c['due']} due in 30 days, "
                   f"{c['changed']} changed, {c['slipped']} moved")
    if not counts:
        click.echo("No channel subscribes: nothing to digest.")


@main.command()
@click.argument("query", nargs=-1)
@click.option("--overdue", is_flag=True, help="Only the overdue recommendations, priority first, oldest first.")
@click.option("--unimplemented", is_flag=True,
              help="Open and closed-not-implemented recommendations, as agencies report them.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output for CSV, a dated file name for XLSX).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge 'overdue' as of this date (default: today).")
def export(query: tuple[str, ...], overdue: bool, unimplemented: bool, fmt: str, output: str | None,
           as_of: str | None) -> None:
    """One row per recommendation: report, agency, status, priority, promise and due date, days overdue,
    slips, last status change, owner, last acknowledgement and note, and when it was acknowledged (ISO 8601 in
    UTC: 2026-12-01T14:00:00Z)."""
    app = _app(click.get_current_context())
    from .services.exports import export as export_file
    name, content, n = export_file(app, fmt, overdue_only=overdue, unimplemented=unimplemented,
                                  query=" ".join(query) or None, as_of=_as_of(as_of, app))
    from .cli_reports import write_out

    # CSV to standard output unless --output (the byte-order mark Excel needs goes to files only); XLSX to a file
    write_out(content, fmt, output or (None if fmt == "csv" else name), name, n)


@main.command()
@click.argument("key", required=False)
@click.option("--since", metavar="YYYY-MM-DD", help="Only events from this day on (its midnight in GAOREC_TIMEZONE).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="How many events (newest first).")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0), help="Skip this many newest events.")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON (with total and more).")
def audit(key: str | None, since: str | None, limit: int, offset: int, as_json: bool) -> None:
    """The append-only audit log, newest first: acknowledgements, snoozes,
    assignments, subscriptions, promise corrections, status changes and
    reminders, with actor and time. Says how many older events remain and how
    to see them. Times are ISO 8601 in UTC, with their zone: 2026-12-01T14:00:00Z."""
    from .service import GaorecError

    app = _app(click.get_current_context())
    start = None
    if since:
        try:
            start = parse_instant(since, app.settings.tz)  # a day in GAOREC_TIMEZONE (bot/timeinput.py)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not a date like 2026-12-01", param_hint="--since") from None
    try:
        from .services.exports import audit_page
        events, total = audit_page(app.db, start, key, limit=limit, offset=offset)
    except GaorecError as exc:
        raise click.ClickException(str(exc)) from None
    more = max(0, total - offset - len(events))
    if as_json:
        _emit({"events": events, "total": total, "offset": offset, "limit": limit, "more": more})
        return
    if not events:
        click.echo("No events." if not total else f"No events past --offset {offset} ({total} in all).")
        return
    from .termout import Col, emit, is_tty

    tty = is_tty()

    def detail(d: dict) -> str:
        """In a pipe: key=value, comma-separated, on the row's line. In a terminal: one "key: value" a line, so a
        narrow column wraps between words (never inside "read_due=2024-03-31,")."""
        pairs = [(k, v) for k, v in d.items() if v not in (None, "")]
        return "\n".join(f"{k}: {v}" for k, v in pairs) if tty else ", ".join(f"{k}={v}" for k, v in pairs)

    if tty:  # 80 columns: the key and the channel share a column, so the detail has room for its words
        emit([Col("at", keep=True), Col("actor", min_width=6), Col("action", keep=True), Col("on", keep=True),
              Col("detail", min_width=20)],
             [[e["at"], e["actor"], e["action"],
               "\n".join(x for x in (e["key"], f"#{e['channel']}" if e["channel"] else None) if x) or "-",
               detail(e["detail"])] for e in events], title="Audit log (times in UTC)", tty=True)
    else:
        emit([Col("at"), Col("actor"), Col("action"), Col("key"), Col("channel"), Col("detail")],
             [[e["at"], e["actor"], e["action"], e["key"] or "-", e["channel"] or "", detail(e["detail"])]
              for e in events], tty=False)
    if more:  # in a pipe the sentence goes to stderr, so stdout stays tab-separated lines
        args = " ".join(a for a in (key or "", f"--since {since}" if since else "") if a)
        click.echo(f"{more} more older event{'s' if more != 1 else ''}: "
                   f"gaorec audit {args + ' ' if args else ''}--offset {offset + len(events)}"
                   + (f" --limit {limit}" if limit != 100 else ""), err=not is_tty())


@main.command()
def shell() -> None:
    """The local text backend: type /gaorec commands as in Slack (stdin; EOF ends)."""
    from .adapters.shell import Shell

    Shell(_app(click.get_current_context())).run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (HTTP mode).")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (HTTP mode; 0 picks a free one).")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--log-format", default="text", show_default=True, type=click.Choice(["text", "json"]),
              help="json: one JSON object per line, for log collectors.")
def serve(host: str, port: int, log_level: str, log_format: str) -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP
    (POST /slack/events, GET /healthz) on a production WSGI server."""
    from .adapters.slack import MissingSettings, serve as run_server, setup_logging

    app = _app(click.get_current_context())
    setup_logging(log_level.upper(), log_format, secrets=_secrets(app.settings))
    try:
        run_server(app.settings, host, port, service=app)
    except MissingSettings as exc:
        raise ConfigMistake(str(exc)) from None


def _secrets(settings) -> list[str]:
    return [v.get_secret_value() for v in (settings.slack_bot_token, settings.slack_signing_secret,
                                           settings.slack_app_token) if v is not None]


@main.command()
@click.option("--sample", type=click.Path(dir_okay=False), help="What to load into an empty database (default: "
              "the bundled sample, bot/samples/cbp-agency-page.txt).")
def run(sample: str | None) -> None:
    """Load a sample if the database is empty, then start the bot: the Slack
    app when Slack tokens are set, else the local shell."""
    app = _app(click.get_current_context())
    from .services.records import stats as read_stats
    if read_stats(app.db, app.today())["recommendations"] == 0:
        src = sample or str(SAMPLE)
        try:
            s = app.import_sources([src])
        except ParseError as exc:
            raise click.ClickException(str(exc)) from None
        status(f"Loaded {plural(s.new, 'recommendation')} from {src} into {app.db.url}")
    if app.settings.slack_bot_token and (app.settings.slack_signing_secret or app.settings.slack_app_token):
        from .adapters.slack import MissingSettings, serve as run_server, setup_logging

        setup_logging(secrets=_secrets(app.settings))
        try:
            run_server(app.settings, service=app)
        except MissingSettings as exc:
            raise ConfigMistake(str(exc)) from None
        return
    status("No Slack tokens set (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): starting the local shell.")
    from .adapters.shell import Shell

    Shell(app).run()


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply migrations (also done automatically on first use)."""
    from storage.db import script_heads

    d = _app(click.get_current_context()).db  # opening applies the migrations (and says so on stderr)
    head = ", ".join(sorted(script_heads() or [])) or "head"
    click.echo(f"{d.describe()}: at the latest schema ({head})"
               + ("" if d.upgraded and d.upgraded[0] else ", nothing to do" if not d.created else ", new"))


@db.command()
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def reread(dry_run: bool, as_json: bool) -> None:
    """Read stored comments again with this promise reader.

    A comment is read when an import brings it new or changed, so a better
    reader (a newer gaorec) reaches unchanged comments only through this, or
    through the next import, which does it once by itself after an upgrade.
    Changed readings replace the stored promises; a due date that moves is
    an audit row ("reread"), not a slip, and reminder threads on the old date
    are told and stop. An owner's correction still holds; a date its owner
    confirmed is kept. Like every command, it first brings the database's
    schema up to date; --dry-run writes nothing else.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from storage.locks import ImportBusy

    app = _app(click.get_current_context())
    err = Console(stderr=True)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=as_json or not err.is_terminal) as bar:
            task = bar.add_task("reading", total=None)
            result = app.reread_promises(
                dry_run=dry_run, progress=lambda done, total: bar.update(task, completed=done, total=total),
                on_wait=lambda: status(f"An import into {app.db.describe()} is running: waiting for it…"))
    except ImportBusy as exc:
        raise click.ClickException(str(exc)) from None
    moved = [{"key": m.key, "old_due": m.old_due.isoformat() if m.old_due else None,
              "new_due": m.new_due.isoformat() if m.new_due else None} for m in result.moved]
    if as_json:
        _emit({"reader": result.edition, "reader_before": result.edition_before, "dry_run": dry_run,
               "read": result.read, "changed": result.changed, "moved": moved, "kept_as_confirmed": result.kept,
               "held_by_correction": result.held, "threads_told": result.threads_told})
        return
    # the moves are the data (stdout, tab-separated in a pipe); the sentences around them are status (stderr)
    if not result.read:
        status("No stored comment to read: import GAO's pages or exports first (gaorec import --help).")
        return
    before = ("this same edition" if result.edition_before == result.edition
              else f"edition {result.edition_before}" if result.edition_before else "an earlier gaorec")
    status(f"Promise reader edition {result.edition}; the stored comments had been read by {before}.")
    n = len(moved)
    status(f"{result.read:,} comment{'s' * (result.read != 1)} read: {result.changed:,} "
           f"{'would change' if dry_run else 'changed'}, {n:,} due date{'s' * (n != 1)} "
           f"{'would move' if dry_run else 'moved'}{':' if moved else '.'}")
    if moved:
        from .termout import Col, emit

        emit([Col("key", keep=True), Col("was", keep=True), Col("now", keep=True)],
             [[m["key"], m["old_due"] or "none", m["new_due"] or "none"] for m in moved])
    quiet = [k for k in result.changed_keys if k not in {m["key"] for m in moved} and k not in result.held]
    if quiet:  # promises or a status date changed, the due date did not
        status(f"Read differently, the due date unchanged: {', '.join(quiet[:20])}"
               f"{f' and {len(quiet) - 20:,} more' if len(quiet) > 20 else ''} (gaorec show KEY).")
    if result.held:
        status(f"Read differently, but an owner's correction still decides: {', '.join(result.held)}.")
    if result.kept:
        status(f"Kept as their owners confirmed them: {', '.join(result.kept)}.")
    if dry_run:
        status("Nothing was written (--dry-run).")
    elif moved:
        told = result.threads_told
        status("Each move is in the audit log (gaorec audit)"
               + (f"; {told:,} reminder thread{'s' * (told != 1)} on an old date told." if told else "."))


from .cli_reports import register  # noqa: E402 - the report commands hang off `main`

register(main)


def program() -> None:
    """The `gaorec` program (and `python -m bot`): the command, then a light exit. The command's garbage is
    collected once and every database engine still alive is disposed (connections close, SQLite's WAL is
    checkpointed, as they were at exit), then what is still alive — the modules and their ~10^6 objects — is
    frozen, so the interpreter's exit does not walk it again: ~0.3 s less per process. The exit status and
    output are the command's; ``main`` itself (CliRunner) is unchanged."""
    import gc

    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    gc.collect()  # after the except block: the command's frames and context are garbage now
    db = sys.modules.get("storage.db")  # loaded by every command that opened a database
    if db is not None:
        db.dispose_all()  # engines still alive (serve's, after SIGTERM) close their connections as at exit
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    program()
