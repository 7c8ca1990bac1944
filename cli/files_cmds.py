"""A run's files: cat, ls."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.run_filters import with_filters
from ledger.errors import LedgerError
from ledger.executor.run_files import Listing, list_files
from ledger.executor.runinfo import output_chunks, read_run_file, read_source_file
from ledger.home import Home
from ledger.projections.refs import Filters, resolve
from ledger.terminal import printable

app = Commands()

RunRef = typer.Argument(None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default.")


@app.command("cat")
@with_filters
def cat(
    run: Optional[str] = RunRef,
    path: Optional[str] = typer.Option(
        None, "-p", "--path", metavar="PATH", help="A file of the run, relative to its directory."
    ),
    sourcecode: bool = typer.Option(
        False, "-s", "--sourcecode", help="PATH is a source file: print it as the run's source code recorded it."
    ),
    output: bool = typer.Option(False, "--output", help="The run's output."),
    filters: Filters = Filters(),
) -> None:
    """Print a file of a run, or its output.

    Example: ledger cat -p train.py 2
    """
    home = Home()
    row = resolve(home, run, filters, flags=False)
    if output:
        chunks = output_chunks(home, row["id"])  # streamed: output may be larger than memory
    elif path and sourcecode:
        chunks = iter([read_source_file(home, row["id"], path)])
    elif path:
        chunks = iter([read_run_file(home, row["id"], path)])
    else:
        raise LedgerError("say what to print: -p PATH for a file of the run (with -s, a source file), or --output")
    for data in chunks:
        sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command("ls")
@with_filters
def ls(
    run: Optional[str] = RunRef,
    path: Optional[str] = typer.Option(
        None, "-p", "--path", metavar="PATTERN",
        help="Only this path (a file, or a folder and all in it), or what a pattern with * or ? matches.",
    ),
    sourcecode: bool = typer.Option(False, "-s", "--sourcecode", help="Source code files."),
    dependencies: bool = typer.Option(False, "-d", "--dependencies", help="Files the run's dependencies put there."),
    generated: bool = typer.Option(
        False, "-g", "--generated", help="Files the run wrote (not source code, not dependencies)."
    ),
    all_: bool = typer.Option(False, "-a", "--all", help="Include names starting with a dot, the .ledger folder too."),
    full_path: bool = typer.Option(False, "-f", "--full-path", help="Full paths, without the folder line."),
    follow_links: bool = typer.Option(False, "-L", "--follow-links", help="List inside linked folders."),
    names: bool = typer.Option(False, "-n", "--no-format", help="Paths only, one per line."),
    filters: Filters = Filters(),
) -> None:
    """List the files of a run: its directory, then each file and folder.

    Example: ledger ls -s -n 1
    """
    home = Home()
    row = resolve(home, run, filters, flags=False)
    how = Listing(path, sourcecode, dependencies, generated, all_, follow_links)
    files = list_files(home, row["id"], how)
    root = home.run_dir(row["id"])
    if full_path:
        lines = [printable(str(root / f)) + ("/" if f.endswith("/") else "") for f in files]
    elif names:
        lines = [printable(f) for f in files]
    else:
        lines = [f"{printable(str(root))}:", *(f"  {printable(f)}" for f in files)]
    if lines:
        typer.echo("\n".join(lines))
