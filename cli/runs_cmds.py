"""Finding and inspecting runs: runs, select, cat, ls, and changing them:
label, tag, comment, delete, restore, purge."""

from __future__ import annotations

from typing import Optional

import typer

from ledger.cli import render

OpFilter = typer.Option(None, "-Fo", "--filter-op", help="Runs whose operation contains this.")
LabelFilter = typer.Option(None, "-Fl", "--filter-label", help="Runs whose label contains this.")
DigestFilter = typer.Option(None, "-Fd", "--filter-digest", help="Runs with this source digest (prefix).")


def _filters(ops=None, labels=None, digest=None, statuses=(), deleted=False):
    from ledger.projections.refs import Filters

    return Filters(
        ops=tuple(ops or ()), labels=tuple(labels or ()), digest=digest, statuses=tuple(statuses), deleted=deleted
    )


def _home():
    from ledger.home import Home

    return Home()


runs_app = typer.Typer(
    help="List runs, newest first, numbered as run references.\n\nExample: ledger runs -s -Fo train",
    invoke_without_command=True,
    no_args_is_help=False,
)


@runs_app.callback()
def runs(
    ctx: typer.Context,
    simple: bool = typer.Option(False, "-s", "--simplified", help="Index, operation, status and label only."),
    all_: bool = typer.Option(False, "-a", "--all", help="Every run, not only the latest 20."),
    limit: Optional[int] = typer.Option(None, "-n", "--limit", help="At most N runs."),
    ops: Optional[list[str]] = OpFilter,
    labels: Optional[list[str]] = LabelFilter,
    digest: Optional[str] = DigestFilter,
    running: bool = typer.Option(False, "-R", "--running"),
    completed: bool = typer.Option(False, "-C", "--completed"),
    error: bool = typer.Option(False, "-E", "--error"),
    terminated: bool = typer.Option(False, "-T", "--terminated"),
    staged: bool = typer.Option(False, "-G", "--staged"),
    deleted: bool = typer.Option(False, "-d", "--deleted", help="Deleted runs instead."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list of runs."),
) -> None:
    """List runs, newest first, numbered as run references.

    Example: ledger runs -s -Fo train
    """
    if ctx.invoked_subcommand:
        return
    statuses = [
        n
        for n, on in (
            ("running", running),
            ("completed", completed),
            ("error", error),
            ("terminated", terminated),
            ("staged", staged),
        )
        if on
    ]
    filters = _filters(ops, labels, digest, statuses, deleted)
    text, note = render.runs_listing(_home(), filters, all_=all_, limit=limit, simple=simple, as_json=as_json)
    if text:
        typer.echo(text)
    if note:
        typer.echo(note, err=True)


@runs_app.command("info")
def info(run: Optional[str] = typer.Argument(None, help="Run reference (default: the latest).")) -> None:
    """Show a run's attributes, flags and last scalars.

    Example: ledger runs info 1
    """
    from ledger.executor.runinfo import run_info
    from ledger.projections.refs import resolve

    home = _home()
    row = resolve(home, run, flags=False)
    typer.echo(run_info(home, row["id"], row["status"]))


def select(
    run: Optional[str] = typer.Argument(None, help="Run reference (default: the latest)."),
    path: bool = typer.Option(False, "--path", help="Print the run directory."),
    attr: Optional[str] = typer.Option(None, "--attr", help="Print this attribute as YAML."),
    ops: Optional[list[str]] = OpFilter,
    labels: Optional[list[str]] = LabelFilter,
    digest: Optional[str] = DigestFilter,
) -> None:
    """Print the id of one run (or its path, or an attribute).

    Example: ledger select -Fl baseline --path
    """
    from ledger.projections.refs import resolve

    home = _home()
    row = resolve(home, run, _filters(ops, labels, digest), flags=False)
    typer.echo(render.selected(home, row, path=path, attr=attr))


def cat(
    run: Optional[str] = typer.Argument(None, help="Run reference (default: the latest)."),
    path: Optional[str] = typer.Option(None, "-p", "--path", help="A file of the run, relative to its directory."),
    output: bool = typer.Option(False, "--output", help="The run's output."),
) -> None:
    """Print a file of a run, or its output.

    Example: ledger cat -p train.py 2
    """
    import sys

    from ledger.executor.runinfo import read_output, read_run_file
    from ledger.projections.refs import resolve

    home = _home()
    row = resolve(home, run, flags=False)
    if output:
        data = read_output(home, row["id"])
    elif path:
        data = read_run_file(home, row["id"], path)
    else:
        from ledger.errors import LedgerError

        raise LedgerError("say what to print: -p PATH for a file of the run, or --output")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def ls(
    run: Optional[str] = typer.Argument(None, help="Run reference (default: the latest)."),
    sourcecode: bool = typer.Option(False, "--sourcecode", help="Only the run's source files."),
    names: bool = typer.Option(False, "-n", "--no-format", help="Paths only, one per line."),
    all_: bool = typer.Option(False, "-a", "--all", help="Include the .ledger folder."),
) -> None:
    """List the files of a run.

    Example: ledger ls --sourcecode -n 1
    """
    from ledger.executor.runinfo import run_files
    from ledger.projections.refs import resolve

    home = _home()
    row = resolve(home, run, flags=False)
    files = run_files(home, row["id"], sourcecode=sourcecode, include_meta=all_)
    if names:
        if files:
            typer.echo("\n".join(files))
        return
    typer.echo(f"{home.run_dir(row['id'])}:")
    for f in files:
        typer.echo(f"  {f}")


def _run_ids(home, refs: list[str]) -> list[str]:
    from ledger.projections.refs import select as select_runs

    if not refs:
        from ledger.errors import RunRefError

        raise RunRefError("name the run(s): an index from `ledger runs`, an id prefix, or a range like 1:3")
    return list(dict.fromkeys(r["id"] for r in select_runs(home, refs, flags=False)))


def label(
    run: str = typer.Argument(..., help="Run reference."),
    text: Optional[str] = typer.Argument(None, help="The new label."),
    clear: bool = typer.Option(False, "--clear", help="Remove the label."),
) -> None:
    """Set or clear a run's label.

    Example: ledger label 1 best-so-far
    """
    from ledger.errors import LedgerError
    from ledger.executor.manage import set_label

    if text is None and not clear:
        raise LedgerError("give the new label, or --clear")
    home = _home()
    set_label(home, _run_ids(home, [run]), "" if clear else text or "")


def tag(
    runs: list[str] = typer.Argument(..., help="Run references."),
    add: Optional[list[str]] = typer.Option(None, "-a", "--add", help="Tag to add."),
    remove: Optional[list[str]] = typer.Option(None, "-d", "--delete", help="Tag to remove."),
) -> None:
    """Add or remove tags.

    Example: ledger tag 1 2 -a baseline
    """
    from ledger.executor.manage import tag as tag_runs

    home = _home()
    tag_runs(home, _run_ids(home, runs), list(add or ()), list(remove or ()))


def comment(
    run: str = typer.Argument(..., help="Run reference."),
    text: str = typer.Argument(..., help="The comment."),
) -> None:
    """Add a comment to a run.

    Example: ledger comment 1 "diverged after epoch 3"
    """
    from ledger.executor.manage import comment as add_comment
    from ledger.executor.run import context

    home = _home()
    add_comment(home, _run_ids(home, [run]), text, context()["user"])


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(what, default=False):
        raise typer.Exit(1)


def delete(
    runs: list[str] = typer.Argument(..., help="Run references."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask."),
) -> None:
    """Delete runs: hidden from listings, restorable, still auditable.

    Example: ledger delete 3 -y
    """
    from ledger.executor.manage import delete as delete_runs

    home = _home()
    ids = _run_ids(home, runs)
    _confirm(f"Delete {len(ids)} run(s)?", yes)
    delete_runs(home, ids)
    typer.echo(f"Deleted {len(ids)} run(s)")


def restore(runs: list[str] = typer.Argument(..., help="Run references (see `ledger runs -d`).")) -> None:
    """Restore deleted runs.

    Example: ledger restore 1
    """
    from ledger.executor.manage import restore as restore_runs
    from ledger.projections.refs import select as select_runs

    home = _home()
    ids = list(dict.fromkeys(r["id"] for r in select_runs(home, runs, _filters(deleted=True), flags=False)))
    restore_runs(home, ids)
    typer.echo(f"Restored {len(ids)} run(s)")


def purge(
    runs: list[str] = typer.Argument(..., help="Run references (see `ledger runs -d`)."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask."),
) -> None:
    """Remove deleted runs' files and unshared blobs for good; events stay.

    Example: ledger purge 1 -y
    """
    from ledger.executor.manage import purge as purge_runs
    from ledger.projections.refs import select as select_runs

    home = _home()
    ids = list(dict.fromkeys(r["id"] for r in select_runs(home, runs, _filters(deleted=True), flags=False)))
    _confirm(f"Purge {len(ids)} run(s)? Their files cannot be restored.", yes)
    n = purge_runs(home, ids)
    typer.echo(f"Purged {len(ids)} run(s), {n} blob(s) removed")


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
    for fn in (select, cat, ls, label, tag, comment, delete, restore, purge):
        app.command(fn.__name__)(fn)
