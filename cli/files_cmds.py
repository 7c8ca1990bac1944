"""A run's files: cat, ls."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.errors import LedgerError
from ledger.executor.runinfo import output_chunks, read_run_file, run_files
from ledger.home import Home
from ledger.projections.refs import resolve
from ledger.terminal import printable

app = Commands()

RunRef = typer.Argument(None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default.")


@app.command("cat")
def cat(
    run: Optional[str] = RunRef,
    path: Optional[str] = typer.Option(
        None, "-p", "--path", metavar="PATH", help="A file of the run, relative to its directory."
    ),
    output: bool = typer.Option(False, "--output", help="The run's output."),
) -> None:
    """Print a file of a run, or its output.

    Example: ledger cat -p train.py 2
    """
    home = Home()
    row = resolve(home, run, flags=False)
    if output:
        chunks = output_chunks(home, row["id"])  # streamed: output may be larger than memory
    elif path:
        chunks = iter([read_run_file(home, row["id"], path)])
    else:
        raise LedgerError("say what to print: -p PATH for a file of the run, or --output")
    for data in chunks:
        sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command("ls")
def ls(
    run: Optional[str] = RunRef,
    sourcecode: bool = typer.Option(False, "--sourcecode", help="Only the run's source files."),
    names: bool = typer.Option(False, "-n", "--no-format", help="Paths only, one per line."),
    all_: bool = typer.Option(False, "-a", "--all", help="Include the .ledger folder."),
) -> None:
    """List the files of a run.

    Example: ledger ls --sourcecode -n 1
    """
    home = Home()
    row = resolve(home, run, flags=False)
    files = run_files(home, row["id"], sourcecode=sourcecode, include_meta=all_)
    if names:
        if files:
            typer.echo("\n".join(files))
        return
    typer.echo(f"{home.run_dir(row['id'])}:")
    for f in files:
        typer.echo(f"  {printable(f)}")  # a file the run named with a newline or an escape
