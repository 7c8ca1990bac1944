"""delete, restore and purge: each lists the runs it will touch, then asks
(unless -y). Deleting hides runs, restoring brings them back, purging
removes a deleted run's files for good; the events of all three stay."""

from __future__ import annotations

from typing import Any

import typer

from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead_with_runs
from ledger.errors import RunRefError
from ledger.executor import manage
from ledger.home import Home
from ledger.projections.refs import Filters, select

app = Commands()

Yes = typer.Option(False, "-y", "--yes", help="Do not ask.")


def _runs(home: Home, refs: list[str], change: str) -> list[dict[str, Any]]:
    """The runs `refs` name, each once, in the order named, once each is
    known to be in the state `change` needs."""
    deleted = change != "delete"
    if not refs:
        where = " (see `ledger runs -d`)" if deleted else ""
        raise RunRefError(f"name the run(s): an index, an id prefix, or a range like 1:3{where}")
    rows = list({r["id"]: r for r in select(home, refs, Filters(deleted=deleted), flags=False)}.values())
    manage.check(home, [r["id"] for r in rows], change)
    return rows



@app.command("delete")
def delete(
    runs: list[str] = typer.Argument(..., metavar="RUN", help="Runs: index (1 = newest), range A:B or id prefix."),
    yes: bool = Yes,
) -> None:
    """Delete runs: hidden from listings, restorable, still auditable.

    Example: ledger delete 3 -y
    """
    home = Home()
    rows = _runs(home, runs, "delete")
    go_ahead_with_runs("delete", rows, yes=yes, default=True)
    manage.delete(home, [r["id"] for r in rows])
    typer.echo(f"Deleted {len(rows)} run(s)")


@app.command("restore")
def restore(
    runs: list[str] = typer.Argument(..., metavar="RUN", help="Deleted runs, as `ledger runs -d` lists them."),
    yes: bool = Yes,
) -> None:
    """Restore deleted runs.

    Example: ledger restore 1 -y
    """
    home = Home()
    rows = _runs(home, runs, "restore")
    go_ahead_with_runs("restore", rows, yes=yes, default=True)
    manage.restore(home, [r["id"] for r in rows])
    typer.echo(f"Restored {len(rows)} run(s)")


@app.command("purge")
def purge(
    runs: list[str] = typer.Argument(..., metavar="RUN", help="Deleted runs, as `ledger runs -d` lists them."),
    yes: bool = Yes,
) -> None:
    """Remove deleted runs' files and unshared blobs for good; events stay.

    Example: ledger purge 1 -y
    """
    home = Home()
    rows = _runs(home, runs, "purge")
    go_ahead_with_runs("purge", rows, yes=yes, default=False, warning="Their files cannot be restored.")
    blobs = manage.purge(home, [r["id"] for r in rows])
    typer.echo(f"Purged {len(rows)} run(s), {blobs} blob(s) removed")
