"""CLI commands for the office's reports and statutory clocks: `gaorec report giaa|semiannual`,
`gaorec clocks`, `gaorec clock done`, `gaorec justify`. A thin layer over bot/services."""
from __future__ import annotations

import shutil
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import click

from .services.tables import BINARY, FORMATS, render
from .termout import Col, emit, is_tty, status
from .words import plural

# bot.services.clocks.CLOCKS, spelled out so `gaorec --help` need not import the services (and SQLAlchemy);
# tests/test_startup.py checks the two agree.
CLOCKS = ("statement", "resolution", "final_action")


def write_out(content: bytes, fmt: str, output: str | None, default_name: str, rows: int,
              notes: list[str] | None = None) -> None:
    """Text formats go to standard output (without the byte-order mark files keep for spreadsheet programs);
    binary ones too when it is not a terminal; else to a file. A table with no rows says why on stderr (its notes:
    what it counts, what it left out), whatever the format."""
    if not rows:
        for note in notes or []:
            status(note)
    if output is None and (fmt not in BINARY or not sys.stdout.isatty()):
        sys.stdout.buffer.write(content.removeprefix(b"\xef\xbb\xbf"))
        return
    target = Path(output or default_name)
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc.strerror or exc}") from None
    status(f"Wrote {target}: {plural(rows, 'row')}")


def cli_actor(by: str | None = None) -> str:
    """Who a CLI command acts as, in the audit log: --by NAME when given, else cli:LOGIN (one rule for `promise`,
    `assign`, `unassign`, `outcome`, `justify` and `clock done`)."""
    if by:
        return by
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (a container): still a CLI user
        return "cli:unknown"


def _output_options(f):
    f = click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
                     help="File to write (default: standard output for CSV and HTML, a dated file name for "
                          "XLSX and DOCX on a terminal).")(f)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
                        help="CSV for scripts; XLSX or DOCX for a budget appendix; HTML for the web.")(f)


@click.group()
def report() -> None:
    """Reports the law asks of an audit-liaison office (GAO-IG Act, IG semiannual)."""


@report.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The report's date (default: today).")
@click.option("--agency", metavar="TEXT", help="Only agencies whose name contains this text.")
@_output_options
def giaa(as_of: str | None, agency: str | None, fmt: str, output: str | None) -> None:
    """GAO-IG Act list: recommendations open, or closed as not implemented, for at least one year, each
    with its implementation timeline or the justification recorded for not implementing it.

    \b
    Columns: report_number, report_title, rec_number, agency, source, status,
    priority, published, years_open, timeline, slips, justification, discrepancy.
    Statuses and timelines are today's; --as-of sets the report's date.
    """
    from .cli import _app, _as_of

    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    from .services import reports as report_service

    table = report_service.giaa(app.db, day, agency, today=app.today()).table()
    write_out(render(table, fmt), fmt, output, f"giaa-{day.isoformat()}.{fmt}", len(table.rows), table.notes)


@report.command()
@click.option("--period", required=True, metavar="YYYY-MM-DD",
              help="The last day of the period: March 31 or September 30.")
@_output_options
def semiannual(period: str, fmt: str, output: str | None) -> None:
    """IG recommendations opened, resolved, closed and still open in a semiannual period, with questioned
    costs and funds for better use."""
    from .cli import _app

    app = _app(click.get_current_context())
    from .services import reports as report_service

    try:
        rep = report_service.semiannual(app.db, date.fromisoformat(period))
    except ValueError as exc:
        raise click.BadParameter(str(exc) if "semiannual" in str(exc) else f"{period!r} is not a date like "
                                 f"2026-09-30", param_hint="--period") from None
    table = rep.table()
    write_out(render(table, fmt), fmt, output, f"semiannual-{period}.{fmt}", len(table.rows), table.notes)


@click.command()
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Count days left from this date (default: today).")
@click.option("--all", "everything", is_flag=True, help="Also clocks done and clocks long past.")
@click.option("--json", "as_json", is_flag=True, help="Print the clocks as JSON.")
def clocks(as_of: str | None, everything: bool, as_json: bool) -> None:
    """Statutory clocks: the 180-day statement of action for each GAO report with recommendations
    (31 U.S.C. 720), and for IG reports the 6-month management decision and 12-month final action.
    Lists clocks not done and due from 30 days ago on, soonest first."""
    from .cli import _app, _as_of, _emit

    app = _app(click.get_current_context())
    day = _as_of(as_of, app)
    from .services import clocks as clock_service

    found = clock_service.clocks(app.db, day, everything=everything)
    if as_json:
        _emit({"as_of": day.isoformat(), "clocks": [c.to_json() for c in found]})
        return
    if not found:
        click.echo(_no_clock(day, everything or not clock_service.clocks(app.db, day, everything=True)))
        return
    states = ["done" if c.done else c.when for c in found]
    if not is_tty():  # a pipe: a header, then one tab-separated line per clock (bot/termout.py's rule)
        emit([Col("due"), Col("when"), Col("report"), Col("clock"), Col("falls on"), Col("sentence")],
             [[c.due.isoformat(), state, c.report_number or "", c.clock, c.note or "", c.sentence()]
              for c, state in zip(found, states, strict=True)], tty=False)
        return
    width = shutil.get_terminal_size((80, 24)).columns
    lead = 10 + 2 + max(len(s) for s in states) + 2  # the due date, then the state, each followed by two spaces
    for c, state in zip(found, states, strict=True):
        click.echo(textwrap.fill(c.sentence(), width=max(lead + 30, width - 1), break_on_hyphens=False,
                                 initial_indent=f"{c.due.isoformat()}  {state:<{lead - 14}}  ",
                                 subsequent_indent=" " * lead))


def _no_clock(day: date, none_at_all: bool) -> str:
    """Why `clocks` lists nothing: --all is suggested only when it would show something."""
    if none_at_all:
        return (f"No statutory clock: no report with recommendations has a publication date on or before "
                f"{day.isoformat()} (a clock runs from the day its report was published; GAO's pages and "
                f"exports give it).")
    return (f"No statutory clock open and due after {(day - timedelta(days=30)).isoformat()} "
            f"(use --all for the clocks done and those long past).")


@click.group()
def clock() -> None:
    """Mark a statutory clock done."""


@clock.command("done")
@click.argument("report_number")
@click.option("--clock", "which", type=click.Choice(CLOCKS),
              help="Which clock (default: every clock of the report).")
@click.option("--by", help="Who marks it, for the audit log (default: cli:LOGIN).")
def clock_done(report_number: str, which: str | None, by: str) -> None:
    """Mark REPORT_NUMBER's statement (or IG resolution / final action) done: no more reminders for it."""
    from .cli import _app

    app = _app(click.get_current_context())
    try:
        from .services import clocks as clock_service

        name, done = clock_service.mark_done(app.db, report_number, cli_actor(by), datetime.now(timezone.utc),
                                             which)
    except LookupError:
        raise click.ClickException(f"no report numbered {report_number!r}") from None
    click.echo(f"{name}: marked done: {', '.join(done)}" if done else f"{name}: already marked done")


@click.command()
@click.argument("key")
@click.argument("text", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove the justification.")
@click.option("--by", help="Who records it, for the audit log (default: cli:LOGIN).")
def justify(key: str, text: tuple[str, ...], clear: bool, by: str) -> None:
    """Record why the agency does not implement recommendation KEY (the GAO-IG Act report's
    justification column)."""
    from .cli import _app

    words = " ".join(text).strip()
    if not words and not clear:
        raise click.UsageError("give the justification text, or --clear")
    app = _app(click.get_current_context())
    from .services import reports as report_service

    v = report_service.justify(app.db, key.lower(), None if clear else words[:4000], cli_actor(by),
                               datetime.now(timezone.utc))
    if v is None:
        raise click.ClickException(f"no recommendation has the key {key!r}")
    click.echo(f"{v.key}: justification {'removed' if clear else 'recorded'}")


def register(main: click.Group) -> None:
    for cmd in (report, clocks, clock, justify):
        main.add_command(cmd)
