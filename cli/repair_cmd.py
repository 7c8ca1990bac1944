"""`ledger repair`: go on from a log that lost its last events, by the
user's decision, with nothing deleted (see ledger/repair.py)."""

from __future__ import annotations

import typer

from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead
from ledger.errors import StoreError
from ledger.home import Home
from ledger.repair import accept, shortfall
from ledger.verify import verify

app = Commands()


@app.command("repair")
def repair(yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask.")) -> None:
    """Accept a log that lost its last events as it is, so runs can be recorded again.

    Example: ledger repair
    """
    home = Home()
    home.ensure_exists()
    short = shortfall(home)
    if short is None:
        typer.echo("Nothing to repair: the log reaches its tip; `ledger verify` checks the rest.")
        return
    report = verify(home, anchored=False)
    if not report.ok:
        raise StoreError(
            f"the log is damaged before its end ({report.problem}); repair only accepts a log whose last events"
            " are gone, see `ledger verify`"
        )
    typer.echo(
        f"The log ends at seq {short.log_end[0]}, but its tip (events/TIP) records seq {short.tip[0]}:"
        f" the last {short.lost} event(s) are gone."
    )
    if short.quarantined:
        typer.echo(f"Bytes set aside beside the log stay there: {', '.join(short.quarantined)}")
    typer.echo("Accepting the log as it is makes its end the tip; the repair is recorded in events/REPAIRS.")
    go_ahead("Continue?", default=False, yes=yes)
    journal = accept(home, short)
    typer.echo(f"Repaired: the tip is now {short.log_end[0]}:{short.log_end[1]} (recorded in {journal})")
