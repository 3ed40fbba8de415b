"""Tables for the terminal and for pipes. In a terminal: a table that wraps
long cells to the window (80 columns included) and never cuts a key; in a pipe
(stdout not a terminal): plain tab-separated lines, a header first. Long lists
end with "N more (use --limit)". Status lines go to stderr through ``status``.
Text (a card, a message) wraps to the window in a terminal, at spaces, each
line under its own indent (``echo_text``); in a pipe it is printed as is."""
from __future__ import annotations

import re
import shutil
import sys
import textwrap
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


_LEAD = re.compile(r"^(\s*(?:[>•*-] |\d+\. )?)")


def wrap_text(text: str, width: int) -> str:
    """Each line wrapped to ``width`` at spaces (a word longer than the line is left whole), its continuation
    lines under the line's indent and marker ("  > ", "• ")."""
    out = []
    for line in text.splitlines():
        found = _LEAD.match(line)  # matches every line (all of it optional)
        lead = found.group(1) if found else ""
        if len(line) <= width or not line.strip():
            out.append(line)
            continue
        out.append(textwrap.fill(line[len(lead):], width=max(20, width), initial_indent=lead,
                                 subsequent_indent=" " * len(lead), break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


def echo_text(text: str, *, tty: bool | None = None, width: int | None = None) -> None:
    """Print text for a person: wrapped to the window in a terminal (one column spare), as is in a pipe."""
    if is_tty() if tty is None else tty:
        text = wrap_text(text, (width or shutil.get_terminal_size((80, 24)).columns) - 1)
    click.echo(text)


def _cell(v, tty: bool = False) -> str:
    """A cell's text on one line; in a terminal a cell may hold several lines (each one's spaces made single)."""
    if v is None:
        return ""
    if tty:
        return "\n".join(" ".join(line.split()) for line in str(v).splitlines())
    return " ".join(str(v).split())


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
    cells = [[_cell(v, tty=True) for v in r] for r in rows]
    if not _fits(cols, cells, console.width):  # a word would be cut: one block of "name  value" lines per row
        _records(cols, cells, title, console)
    else:
        table = Table(title=title or None, expand=False, pad_edge=False, box=None, header_style="bold")
        for c in cols:
            table.add_column(c.name, no_wrap=c.keep, overflow="fold", justify="right" if c.right else "left",
                             min_width=c.min_width)
        for r in cells:
            table.add_row(*r)
        console.print(table)
    if more:
        console.print(f"{more} more (use --limit)", highlight=False)


def _fits(cols: list[Col], cells: list[list[str]], width: int) -> bool:
    """Whether the table fits the window with every word whole: kept columns at their longest line, the others
    at their longest word (or their minimum width), two spaces between columns."""
    need = 2 * (len(cols) - 1)
    for i, c in enumerate(cols):
        texts = [c.name, *(r[i] for r in cells)]
        if c.keep:
            need += max(len(line) for t in texts for line in (t.splitlines() or [""]))
        else:
            need += max([len(w) for t in texts for w in t.split()] + [c.min_width or 0])
    return need <= width


def _records(cols: list[Col], cells: list[list[str]], title: str, console) -> None:
    """Rows too wide for the window, one block each: a line per column, its name then its value wrapped under
    itself (never inside a word); a blank line between blocks."""
    label = max(len(c.name) for c in cols)
    width = max(label + 22, console.width - 1)
    out = [title, ""] if title else []
    for n, r in enumerate(cells):
        if n:
            out.append("")
        for c, value in zip(cols, r, strict=True):
            lines = value.splitlines()
            for i, line in enumerate(lines):
                lead = f"{c.name:<{label}}  " if i == 0 else " " * (label + 2)
                out.append(textwrap.fill(line, width=width, initial_indent=lead, subsequent_indent=" " * (label + 2),
                                         break_long_words=False, break_on_hyphens=False) or lead.rstrip())
    for line in out:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
