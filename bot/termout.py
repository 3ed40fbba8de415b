"""Tables for the terminal and for pipes. In a terminal: a table that wraps
long cells to the window (80 columns included) and never cuts a key; in a pipe
(stdout not a terminal): plain tab-separated lines, a header first. Long lists
end with "N more (use --limit)". Status lines go to stderr through ``status``."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import click


@dataclass
class Col:
    name: str
    keep: bool = False  # never wrapped (keys, dates, numbers)
    right: bool = False
    min_width: int | None = None


def is_tty(stream=None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def status(text: str) -> None:
    """A status or progress line for a person: on stderr (stdout stays data), as one line whatever the width,
    never wrapped, no markup read into it (rich would hard-wrap at 80 columns in a pipe and eat [brackets])."""
    click.echo(text, err=True)


def _cell(v) -> str:
    return "" if v is None else " ".join(str(v).split())


def emit(cols: list[Col], rows: list[list], *, title: str = "", more: int = 0, console=None,
         tty: bool | None = None) -> None:
    """Print rows as a table (terminal) or tab-separated lines (pipe); then how many more there are."""
    tty = is_tty() if tty is None else tty
    if not tty:
        click.echo("\t".join(c.name for c in cols))
        for r in rows:
            click.echo("\t".join(_cell(v).replace("\t", " ") for v in r))
        if more:
            click.echo(f"{more} more (use --limit)", err=True)
        return
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=title or None, expand=False, pad_edge=False, box=None, header_style="bold")
    for c in cols:
        table.add_column(c.name, no_wrap=c.keep, overflow="fold", justify="right" if c.right else "left",
                         min_width=c.min_width)
    for r in rows:
        table.add_row(*(_cell(v) for v in r))
    console.print(table)
    if more:
        console.print(f"{more} more (use --limit)", highlight=False)
