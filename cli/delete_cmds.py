"""delete, restore and purge: each lists the runs it will touch, then asks
(unless -y). Deleting hides runs, restoring brings them back, purging
removes a deleted run's files for good; the events of all three stay."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead_with_runs
from ledger.cli.run_filters import with_filters
from ledger.errors import RunRefError
from ledger.executor import manage
from ledger.home import Home
from ledger.projections.refs import Filters, select

app = Commands()

Yes = typer.Option(False, "-y", "--yes", help="Do not ask.")
DeletedRuns = typer.Argument(
    None, metavar="RUN", help="Deleted runs, as `ledger runs -d` lists them; all the filters keep if none."
)


def _runs(home: Home, refs: list[str], change: str, filters: Filters) -> list[dict[str, Any]]:
    """The runs `refs` name, each once, in the order named (with none named,
    every run the filters keep, as Guild's `runs rm` takes them all), once
    each is known to be in the state `change` needs."""
    deleted = change != "delete"
    where = " (see `ledger runs -d`)" if deleted else ""
    rows = list({r["id"]: r for r in select(home, refs, replace(filters, deleted=deleted), flags=False)}.values())
    if not rows:
        if filters.narrowing:
            raise RunRefError(f"no runs match the filters{where}")
        none = f"there are no {'deleted ' if deleted else ''}runs{where}"
        raise RunRefError(f"no runs match{where}" if refs else none)
    manage.check(home, [r["id"] for r in rows], change)
    return rows



@app.command("delete")
@with_filters
def delete(
    runs: Optional[list[str]] = typer.Argument(
        None, metavar="RUN", help="Runs: index (1 = newest), range A:B or id prefix; all the filters keep if none."
    ),
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Delete runs: hidden from listings, restorable, still auditable.

    Example: ledger delete 3 -y
    """
    home = Home()
    rows = _runs(home, list(runs or ()), "delete", filters)
    go_ahead_with_runs("delete", rows, yes=yes, default=True)
    manage.delete(home, [r["id"] for r in rows])
    typer.echo(f"Deleted {len(rows)} run(s)")


@app.command("restore")
@with_filters
def restore(
    runs: Optional[list[str]] = DeletedRuns,
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Restore deleted runs.

    Example: ledger restore 1 -y
    """
    home = Home()
    rows = _runs(home, list(runs or ()), "restore", filters)
    go_ahead_with_runs("restore", rows, yes=yes, default=True)
    manage.restore(home, [r["id"] for r in rows])
    typer.echo(f"Restored {len(rows)} run(s)")


@app.command("purge")
@with_filters
def purge(
    runs: Optional[list[str]] = DeletedRuns,
    yes: bool = Yes,
    filters: Filters = Filters(),
) -> None:
    """Remove deleted runs' files and unshared blobs for good; events stay.

    Example: ledger purge 1 -y
    """
    home = Home()
    rows = _runs(home, list(runs or ()), "purge", filters)
    go_ahead_with_runs("purge", rows, yes=yes, default=False, warning="Their files cannot be restored.")
    blobs = manage.purge(home, [r["id"] for r in rows])
    typer.echo(f"Purged {len(rows)} run(s), {blobs} blob(s) removed")
