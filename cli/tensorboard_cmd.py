"""`ledger tensorboard`: the runs' scalars in TensorBoard."""

from __future__ import annotations

from typing import List, Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.run_filters import with_filters
from ledger.home import Home
from ledger.projections.refs import Filters
from ledger.projections.tensorboard_export import export


def tensorboard(
    runs: Optional[List[str]] = typer.Argument(None, help="Runs (index, id prefix, A:B); default: every listed run."),
    logdir: Optional[str] = typer.Option(
        None, "--logdir", metavar="DIR", help="Write the event files here (default: a new temporary folder)."
    ),
    port: int = typer.Option(6006, "--port", metavar="PORT", help="TensorBoard's port on 127.0.0.1."),
    no_start: bool = typer.Option(False, "--no-start", help="Write the event files and print their folder only."),
    filters: Filters = Filters(),
) -> None:
    """Write the runs' scalars as TensorBoard event files (one folder per run) and start TensorBoard on them.

    Example: ledger tensorboard 1:3
    """
    import importlib.util
    import os
    import subprocess
    import sys
    import tempfile

    folder = os.path.abspath(logdir) if logdir else tempfile.mkdtemp(prefix="ledger-tensorboard-")
    written = export(Home(), runs or [], folder, filters)
    for run_id, path, count in written:
        typer.echo(f"{run_id[:8]}: {count:,} points in {path}", err=True)
    if no_start or importlib.util.find_spec("tensorboard") is None:
        typer.echo(folder)
        return
    typer.echo(f"TensorBoard on http://127.0.0.1:{port}/ (logdir {folder}); Ctrl-C stops it", err=True)
    try:
        subprocess.call([sys.executable, "-m", "tensorboard.main", "--logdir", folder, "--host", "127.0.0.1",
                         "--port", str(port)])  # fmt: skip
    except KeyboardInterrupt:
        pass


app = Commands()
app.command("tensorboard")(with_filters(tensorboard))
