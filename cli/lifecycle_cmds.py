"""watch and stop: follow a running run's output, stop running runs."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead_with_runs
from ledger.cli.run_filters import with_filters
from ledger.errors import LedgerError
from ledger.executor import stopping
from ledger.executor.follow import follow
from ledger.home import Home
from ledger.projections.refs import Filters, listing, resolve_id, select

app = Commands()

RUNNING = ("running",)


@app.command("watch")
@with_filters
def watch(
    run: Optional[str] = typer.Argument(
        None, metavar="RUN", help="Index, id prefix; the newest running run when not given."
    ),
    filters: Filters = Filters(),
) -> None:
    """Follow a run's output as it is recorded, until the run ends.

    Exits 0 when the run completed, 1 when it ended in error or was
    terminated. A finished run's output is printed whole. Ctrl-C stops
    watching; the run goes on.

    Example: ledger watch 1
    """
    home = Home()
    if run is None:
        rows = listing(home, replace(filters, statuses=RUNNING), limit=1, flags=False)
        if not rows:
            raise LedgerError("nothing to watch: no run is running; give one: `ledger watch RUN`")
        run_id = rows[0]["id"]
    else:
        run_id = resolve_id(home, run, filters)
    typer.echo(f"Watching run {run_id}", err=True)
    out = sys.stdout.buffer

    def write(data: bytes) -> None:
        out.write(data)
        out.flush()

    try:
        status = follow(home, run_id, write)
    except KeyboardInterrupt:
        typer.echo(f"\nStopped watching {run_id} (the run goes on)", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"Run {run_id} stopped with a status of '{status}'", err=True)
    raise typer.Exit(1 if status in ("error", "terminated") else 0)


@app.command("stop")
@with_filters
def stop(
    runs: Optional[list[str]] = typer.Argument(
        None, metavar="RUN", help="Runs: index, range A:B or id prefix; every running run when not given."
    ),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask."),
    timeout: float = typer.Option(
        stopping.STOP_TIMEOUT, "-t", "--timeout", metavar="SECONDS", help="How long to wait before killing.",
    ),
    filters: Filters = Filters(),
) -> None:
    """Stop running runs: SIGTERM, then SIGKILL after the timeout; each is
    recorded terminated.

    Example: ledger stop 1 -y
    """
    if not timeout >= 0:
        raise LedgerError("--timeout must be 0 or more seconds")
    home = Home()
    named = select(home, runs or [], filters if runs else replace(filters, statuses=RUNNING), flags=False)
    rows = list({r["id"]: r for r in named}.values())
    if not rows:
        typer.echo("Nothing to stop.")
        return
    targets = [stopping.target(home, r["id"]) for r in rows]
    go_ahead_with_runs("stop", rows, yes=yes, default=True)
    stopping.stop(home, targets, timeout, say=typer.echo)
