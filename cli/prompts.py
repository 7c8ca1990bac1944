"""Questions asked before acting: one style for every command.

The question shows its default, `[Y/n]` or `[y/N]`; an empty answer takes
it, end of input (a closed stdin) is no. `-y` skips the question.
"""

from __future__ import annotations

from typing import Any

import typer

from ledger.cli.render import runs_table


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


def go_ahead_with_runs(verb: str, rows: list[dict[str, Any]], *, yes: bool, default: bool = True,
                       warning: str = "") -> None:  # fmt: skip
    """List the runs a command will change, then ask as go_ahead does."""
    if not yes:
        typer.echo(f"You are about to {verb} the following runs:")
        typer.echo("\n".join(f"  {line}" for line in runs_table(rows, simple=False).splitlines()))
        if warning:
            typer.echo(warning)
    go_ahead("Continue?", default=default, yes=yes)
