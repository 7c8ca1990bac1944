"""Questions asked before acting: one style for every command.

The question shows its default, `[Y/n]` or `[y/N]`; an empty answer takes
it, end of input (a closed stdin) is no. `-y` skips the question.
"""

from __future__ import annotations

import typer


def confirm(question: str, *, default: bool) -> bool:
    try:
        return typer.confirm(question, default=default)
    except typer.Abort:  # end of input: nobody said yes
        typer.echo()
        return False


def go_ahead(question: str, *, default: bool, yes: bool) -> None:
    """Return when `yes` (-y) or the user agrees; otherwise exit 1 with nothing done."""
    if not yes and not confirm(question, default=default):
        typer.echo("Nothing done.", err=True)
        raise typer.Exit(1)
