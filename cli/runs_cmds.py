"""Finding runs: runs (and runs info), select."""

from __future__ import annotations

from typing import Optional

import typer
from typer.core import TyperGroup

from ledger.cli import render
from ledger.cli.command import Commands, command_of
from ledger.cli.terminal_table import on_terminal, print_table
from ledger.executor.runinfo import run_info
from ledger.home import Home
from ledger.projections.refs import Filters, resolve

app = Commands()

RunRef = typer.Argument(None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default.")
OpFilter = typer.Option(
    None, "-Fo", "--filter-op", metavar="GLOB",
    help="Runs whose whole operation name matches GLOB (* any text, ? one character), e.g. 'train*'.",
)  # fmt: skip
LabelFilter = typer.Option(
    None, "-Fl", "--filter-label", metavar="TEXT", help="Runs whose label contains TEXT, literally."
)
DigestFilter = typer.Option(
    None, "-Fd", "--filter-digest", metavar="SHA", help="Runs with this source code digest (a prefix)."
)


def filters(ops=None, labels=None, digest=None, statuses=(), deleted=False) -> Filters:
    return Filters(
        ops=tuple(ops or ()), labels=tuple(labels or ()), digest=digest, statuses=tuple(statuses), deleted=deleted
    )


class RunsGroup(TyperGroup):
    """`ledger runs` and Guild's spellings beside it: `runs rm`/`runs delete`,
    `runs restore` and `runs purge` are ledger's delete, restore and purge,
    loaded only when used."""

    MANAGE = {"rm": "delete", "delete": "delete", "restore": "restore", "purge": "purge"}

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.MANAGE]

    def get_command(self, ctx: typer.Context, cmd_name: str):
        if cmd_name in self.MANAGE:
            return command_of("delete_cmds", self.MANAGE[cmd_name])
        return super().get_command(ctx, cmd_name)


runs_app = Commands(cls=RunsGroup, invoke_without_command=True, no_args_is_help=False)
app.add_typer(runs_app, name="runs")


@runs_app.callback()
def runs(
    ctx: typer.Context,
    simple: bool = typer.Option(False, "-s", "--simplified", help="Index, operation, status and label only."),
    all_: bool = typer.Option(False, "-a", "--all", help="Every run, not only the latest 20."),
    limit: Optional[int] = typer.Option(None, "-n", "--limit", metavar="N", help="The newest N runs."),
    ops: Optional[list[str]] = OpFilter,
    labels: Optional[list[str]] = LabelFilter,
    digest: Optional[str] = DigestFilter,
    running: bool = typer.Option(False, "-R", "--running", help="Runs that are running."),
    completed: bool = typer.Option(False, "-C", "--completed", help="Runs that completed."),
    error: bool = typer.Option(False, "-E", "--error", help="Runs that failed."),
    terminated: bool = typer.Option(False, "-T", "--terminated", help="Runs that were stopped."),
    staged: bool = typer.Option(False, "-G", "--staged", help="Runs staged, not started."),
    deleted: bool = typer.Option(False, "-d", "--deleted", help="Deleted runs instead."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list of runs."),
) -> None:
    """List runs, newest first, numbered as run references.

    Example: ledger runs -s -Fo train
    """
    if ctx.invoked_subcommand:
        return
    wanted = {"running": running, "completed": completed, "error": error, "terminated": terminated, "staged": staged}
    chosen = filters(ops, labels, digest, [status for status, on in wanted.items() if on], deleted)
    if not as_json and on_terminal():
        rows, note = render.runs_window(Home(), chosen, all_=all_, limit=limit)
        if rows:
            print_table(render.runs_cells(rows, simple), status_column=2 if simple else 3)
    else:
        text, note = render.runs_listing(Home(), chosen, all_=all_, limit=limit, simple=simple, as_json=as_json)
        if text:
            typer.echo(text)
    if note:
        typer.echo(note, err=True)


@runs_app.command("info")
def info(run: Optional[str] = RunRef) -> None:
    """Show a run's attributes, flags and last scalars.

    Example: ledger runs info 1
    """
    home = Home()
    row = resolve(home, run, flags=False)
    typer.echo(run_info(home, row["id"], row["status"]))


@app.command("select")
def select(
    run: Optional[str] = RunRef,
    path: bool = typer.Option(False, "--path", help="Print the run directory."),
    attr: Optional[str] = typer.Option(None, "--attr", metavar="NAME", help="Print this attribute as YAML."),
    ops: Optional[list[str]] = OpFilter,
    labels: Optional[list[str]] = LabelFilter,
    digest: Optional[str] = DigestFilter,
) -> None:
    """Print the id of one run (or its path, or an attribute).

    Example: ledger select -Fl baseline --path
    """
    home = Home()
    row = resolve(home, run, filters(ops, labels, digest), flags=False)
    typer.echo(render.selected(home, row, path=path, attr=attr))
