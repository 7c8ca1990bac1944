"""Annotating runs: label, tag, comment. Each appends events; nothing a run wrote changes."""

from __future__ import annotations

from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.errors import LedgerError, RunRefError
from ledger.executor import manage
from ledger.executor.run import context
from ledger.home import Home
from ledger.projections.refs import select

app = Commands()


def _run_ids(home: Home, refs: list[str]) -> list[str]:
    if not refs:
        raise RunRefError("name the run(s): an index from `ledger runs`, an id prefix, or a range like 1:3")
    return list(dict.fromkeys(r["id"] for r in select(home, refs, flags=False)))


@app.command("label")
def label(
    run: str = typer.Argument(..., metavar="RUN", help="Index (1 = newest) or id prefix."),
    text: Optional[str] = typer.Argument(None, metavar="LABEL", help="The new label."),
    clear: bool = typer.Option(False, "--clear", help="Remove the label."),
) -> None:
    """Set or clear a run's label.

    Example: ledger label 1 best-so-far
    """
    if text is None and not clear:
        raise LedgerError("give the new label, or --clear")
    home = Home()
    manage.set_label(home, _run_ids(home, [run]), "" if clear else text or "")


@app.command("tag")
def tag(
    runs: list[str] = typer.Argument(..., metavar="RUN", help="Runs: index (1 = newest), range A:B or id prefix."),
    add: Optional[list[str]] = typer.Option(None, "-a", "--add", metavar="TAG", help="A tag to add; repeatable."),
    remove: Optional[list[str]] = typer.Option(
        None, "-d", "--delete", metavar="TAG", help="A tag to remove; repeatable."
    ),
) -> None:
    """Add or remove tags.

    Example: ledger tag 1 2 -a baseline
    """
    home = Home()
    manage.tag(home, _run_ids(home, runs), list(add or ()), list(remove or ()))


@app.command("comment")
def comment(
    run: str = typer.Argument(..., metavar="RUN", help="Index (1 = newest) or id prefix."),
    text: str = typer.Argument(..., metavar="TEXT", help="The comment."),
) -> None:
    """Add a comment to a run.

    Example: ledger comment 1 "diverged after epoch 3"
    """
    home = Home()
    manage.comment(home, _run_ids(home, [run]), text, context()["user"])
