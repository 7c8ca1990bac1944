"""Auditing: verify, rebuild, log (and lineage, diff)."""

from __future__ import annotations

from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.render import to_json
from ledger.cli.run_filters import with_filters
from ledger.errors import CorruptLogError, RunRefError
from ledger.executor import audit
from ledger.executor.audit import diff_runs, log_lines
from ledger.home import Home
from ledger.projections.index import rebuild_index
from ledger.projections.index_check import IndexCheck
from ledger.projections.index_source import ChainBroken
from ledger.projections.rebuild import RunDirRebuild
from ledger.projections.refs import Filters, listing, resolve_id
from ledger.verify import parse_tip
from ledger.verify import verify as verify_home

app = Commands()


def _home():
    return Home()


@app.command("verify")
def verify(
    tip: bool = typer.Option(False, "--tip", help="Print the log's tip as SEQ:HASH, to keep elsewhere."),
    since: Optional[str] = typer.Option(None, "--since", metavar="SEQ:HASH", help="Prove the log extends this tip."),
) -> None:
    """Check the whole log (hash chain and tip) and every blob; name the first bad one.

    Example: ledger verify --since 1200:3f2a...
    """
    home = _home()
    anchor = parse_tip(since) if since else None
    home.ensure_exists()
    index_check = IndexCheck(home)  # the index against a fold of the log, while the log is walked
    try:
        report = verify_home(home, since=anchor)
        if report.ok:  # on a damaged log the walk's finding is the one to name
            index_problem = index_check.problem()
            if index_check.no_space:  # the answer about the log stands; the index is unchecked
                verified = report.summary().removeprefix("ok: ")
                typer.echo(f"ledger: verify: the log verifies ({verified}), but {index_problem}", err=True)
                raise typer.Exit(1)
            report.problem = index_problem
    finally:
        index_check.cancel()
    if report.ok:
        typer.echo(f"{report.tip[0]}:{report.tip[1]}" if tip and report.tip else report.summary())
        return
    typer.echo(f"ledger: verify failed: {report.failure()}", err=True)
    raise typer.Exit(1)


@app.command("rebuild")
def rebuild(
    check: bool = typer.Option(
        False, "--check", help="Report what a rebuild would write, move or keep, and whether index.duckdb was edited."
    ),
    force: bool = typer.Option(
        False, "--force", help="Go on when the log or a blob fails verify (bytes failing their hash are never written)."
    ),
) -> None:
    """Recreate index.duckdb and the missing or changed files of run directories from the log.

    Nothing is deleted: a file that differs from the log is moved to
    $LEDGER_HOME/lost+found first, files the log cannot restore are kept,
    and running runs are left alone.

    Example: ledger rebuild --check
    """
    home = _home()
    report = verify_home(home)
    if not report.ok:  # a rebuild would spread forged values over intact files
        if not force:
            raise CorruptLogError(
                f"rebuild refused, the log does not verify ({report.failure()});"
                " see `ledger verify`, or rebuild what still verifies with --force"
            )
        typer.echo(f"ledger: warning: the log does not verify ({report.failure()}); rebuilding what does", err=True)
    events = None
    if not check:
        try:
            events = rebuild_index(home)
        except ChainBroken as e:  # the index holds what verifies, nothing after the break
            if not force:
                raise
            events = e.applied
    # the same comparison verify makes, while the run directories are looked at
    index_check = IndexCheck(home) if check else None
    try:
        job = RunDirRebuild(home, write=not check)
        for line in job.notices():
            typer.echo(line)
        index_problem = index_check.problem() if index_check is not None else None
    finally:
        if index_check is not None:
            index_check.cancel()
    kept = f", {job.kept} {'file' if job.kept == 1 else 'files'} not in the log kept" if job.kept else ""
    running = f", {job.running} running {'run' if job.running == 1 else 'runs'} left alone" if job.running else ""
    if check:
        if index_problem:
            typer.echo(f"index: {index_problem}")
        if job.changes or index_problem:
            raise typer.Exit(1)
        typer.echo(f"ok: run directories and index.duckdb match the log{kept}{running}")
        return
    typer.echo(
        f"rebuilt {job.runs} run directories and the index from {events} events"
        f" ({job.files} {'file' if job.files == 1 else 'files'} written{kept}{running})"
    )


@app.command("log")
@with_filters
def log(
    run: Optional[str] = typer.Argument(
        None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default."
    ),
    as_json: bool = typer.Option(False, "--json", help="The full events, one JSON object per line."),
    filters: Filters = Filters(),
) -> None:
    """Show a run's events in order: seq, time, type, gist.

    Example: ledger log 1
    """
    home = _home()
    for line in log_lines(home, resolve_id(home, run, filters), as_json):
        typer.echo(line)


@app.command("lineage")
@with_filters
def lineage(
    run: Optional[str] = typer.Argument(
        None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default."
    ),
    descendants: bool = typer.Option(False, "--descendants", help="The runs derived from this one, as a tree."),
    as_json: bool = typer.Option(False, "--json", help="JSON for tools."),
    filters: Filters = Filters(),
) -> None:
    """Show where a run came from: its protos and batches, and what changed at each step.

    Example: ledger lineage 1
    """
    home = _home()
    run_id = resolve_id(home, run, filters)
    if descendants:
        tree = audit.descendants(home, run_id)
        typer.echo(to_json(tree) if as_json else audit.tree_text(tree))
        return
    steps = audit.ancestors(home, run_id)
    typer.echo(to_json(steps) if as_json else audit.lineage_text(steps))


@app.command("diff")
@with_filters
def diff(
    run_a: Optional[str] = typer.Argument(
        None, metavar="RUN_A", help="The first run: index (1 = newest) or id prefix. With neither run given,"
        " the latest two the filters keep, the older first."
    ),
    run_b: Optional[str] = typer.Argument(None, metavar="RUN_B", help="The second run: index or id prefix."),
    filters: Filters = Filters(),
) -> None:
    """Compare two runs: flags, source files (unified diff) and attributes.

    Example: ledger diff 2 1
    """
    home = _home()
    if run_a is None:
        latest = listing(home, filters, limit=2, flags=False)
        if len(latest) < 2:
            raise RunRefError("diff needs two runs; fewer are listed (see `ledger runs` with the same filters)")
        typer.echo(diff_runs(home, latest[1]["id"], latest[0]["id"]))
        return
    if run_b is None:
        raise RunRefError("give two runs to compare (RUN_A RUN_B), or none for the latest two")
    typer.echo(diff_runs(home, resolve_id(home, run_a, filters), resolve_id(home, run_b, filters)))
