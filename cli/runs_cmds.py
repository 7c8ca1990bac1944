"""Finding runs: runs (and runs info), select."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from ledger.cli import render
from ledger.cli.command import Commands, command_of
from ledger.cli.run_filters import with_filters
from ledger.cli.terminal_table import on_terminal, print_table, shown
from ledger.errors import LedgerError, RunRefError
from ledger.executor.runinfo import attr_text, run_info
from ledger.home import Home
from ledger.projections.compare import Options, compare_rows
from ledger.projections.index_listing import comments_of_runs
from ledger.projections.refs import Filters, listing, resolve, window
from ledger.projections.refs import select as select_runs
from ledger.terminal import printable

app = Commands()

RunRef = typer.Argument(None, metavar="RUN", help="Index (1 = newest) or id prefix; the latest by default.")


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
@with_filters
def runs(
    ctx: typer.Context,
    simple: bool = typer.Option(False, "-s", "--simplified", help="Index, operation, status and label only."),
    all_: bool = typer.Option(False, "-a", "--all", help="Every run, not only the latest 20."),
    limit: Optional[int] = typer.Option(None, "-n", "--limit", metavar="N", help="The newest N runs."),
    comments: bool = typer.Option(False, "-c", "--comments", help="Show each run's comments under it."),
    deleted: bool = typer.Option(False, "-d", "--deleted", help="Deleted runs instead."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list of runs."),
    filters: Filters = Filters(),
) -> None:
    """List runs, newest first, numbered as run references.

    Example: ledger runs -s -Fo train
    """
    if ctx.invoked_subcommand:
        return
    chosen = replace(filters, deleted=deleted)
    if not as_json and not comments and on_terminal():
        rows, note = runs_window(Home(), chosen, all_=all_, limit=limit)
        if rows:
            print_table(render.runs_cells(rows, simple), status_column=2 if simple else 3)
    else:
        text, note = runs_listing(
            Home(), chosen, all_=all_, limit=limit, simple=simple, as_json=as_json, comments=comments
        )
        if text:
            typer.echo(text)
    if note:
        typer.echo(note, err=True)


@runs_app.command("info")
@with_filters
def info(
    run: Optional[str] = RunRef,
    comments: bool = typer.Option(False, "-c", "--comments", help="Show the run's comments."),
    filters: Filters = Filters(),
) -> None:
    """Show a run's attributes, flags and last scalars.

    Example: ledger runs info 1
    """
    home = Home()
    row = resolve(home, run, filters, flags=False)
    number = shown if on_terminal() else None
    typer.echo(run_info(home, row["id"], row["status"], with_comments=comments, number=number))


@app.command("select")
@with_filters
def select(
    runs: Optional[list[str]] = typer.Argument(
        None, metavar="RUN", help="Index (1 = newest) or id prefix; with --all also ranges A:B. The latest by default."
    ),
    all_: bool = typer.Option(False, "-a", "--all", help="Print every run selected, one a line, not just one."),
    short_id: bool = typer.Option(False, "-s", "--short-id", help="Print the short id (8 characters)."),
    path: bool = typer.Option(False, "-p", "--path", help="Print the run directory."),
    attr: Optional[str] = typer.Option(
        None, "--attr", metavar="NAME", help="Print this attribute as YAML (also status, run_dir, id)."
    ),
    min_col: Optional[str] = typer.Option(
        None, "-m", "--min", metavar="COL", help="The run with the lowest COL: a scalar (its last value) or a flag."
    ),
    max_col: Optional[str] = typer.Option(None, "-M", "--max", metavar="COL", help="The run with the highest COL."),
    filters: Filters = Filters(),
) -> None:
    """Print the id of one run (or its path, or an attribute).

    Example: ledger select --min loss --path
    """
    if min_col and max_col:
        raise LedgerError("give --min or --max, not both")
    home = Home()
    chosen = filters
    refs = list(runs or ())
    if min_col or max_col:
        candidates = select_runs(home, refs, chosen, flags=False) if refs else listing(home, chosen, flags=False)
        rows = _best_first(home, candidates, min_col or max_col or "", "min" if min_col else "max")
        rows = rows if all_ else rows[:1]
    elif all_:
        rows = select_runs(home, refs, chosen, flags=False) if refs else listing(home, chosen, flags=False)
    elif len(refs) > 1:
        raise RunRefError(f"{len(refs)} runs given; select prints one run, or every one with --all")
    else:
        rows = [resolve(home, refs[0] if refs else None, chosen, flags=False)]
    if not rows:
        raise RunRefError("no runs match; see `ledger runs` (use -a to list every run)")
    for row in rows:
        typer.echo(selected(home, row, path=path, attr=attr, short=short_id))


def _best_first(home: Home, candidates: list[dict], column: str, direction: str) -> list[dict]:
    """`candidates` that have a value for `column`, the lowest (min) or highest
    (max) first, as `ledger compare --min/--max COL` orders them."""
    if not candidates:
        return []
    by_id = {r["id"]: r for r in candidates}
    headers, rows = compare_rows(home, list(by_id), Options(include_batch=True, sort=(column, direction)))
    at = headers.index(column) if column in headers else len(headers) - 1  # a column not shown is added last
    ordered = [by_id[row[0]] for row in rows if row[at] is not None]
    if not ordered:
        raise RunRefError(f"no selected run has a value for {column!r}; see `ledger compare` for the columns")
    return ordered


def runs_listing(
    home: Home, filters: Filters, *, all_: bool, limit: int | None, simple: bool, as_json: bool, comments: bool = False
) -> tuple[str, str]:
    """What `ledger runs` prints: the listing (stdout) and a note (stderr)
    on the older runs the default window of 20 leaves out; either may be
    empty. `comments` shows each run's comments under its line."""
    rows, note = runs_window(home, filters, all_=all_, limit=limit, flags=as_json)
    if as_json:
        return render.to_json(rows), ""
    if not comments:
        return render.runs_table(rows, simple), note
    notes = comments_of_runs(home, [r["id"] for r in rows])
    lines = []
    for row, line in zip(rows, render.runs_table(rows, simple).splitlines()):
        lines.append(line)
        for text, user, ts in notes.get(row["id"], []):
            lines += [printable(f"  {user or ''} {ts[:19].replace('T', ' ')} UTC".replace("   ", "  ")), ""]
            lines += [printable(f"    {part}") for part in text.splitlines() or [""]]
            lines.append("")
    return "\n".join(lines), note


def runs_window(
    home: Home, filters: Filters, *, all_: bool, limit: int | None, flags: bool = False
) -> tuple[list[dict[str, Any]], str]:
    """The runs `ledger runs` lists and its note on those left out. `-a`
    lists every run, `-n N` the newest N (0: the default window of 20)."""
    if limit is not None and limit < 0 and not all_:
        raise LedgerError(f"-n/--limit takes a number of runs, not {limit}")
    rows, hidden = window(home, filters, None if all_ else limit or 20, count_hidden=not limit, flags=flags)
    return rows, f"({hidden} older run(s) not shown; use -a to list all)" if hidden > 0 else ""


def selected(home: Home, row: dict[str, Any], *, path: bool, attr: str | None, short: bool = False) -> str:
    """What `ledger select` prints for a run it selected. `status`, `run_dir`
    and `id` are attributes too, as Guild's `select --attr` has them."""
    if attr in ("status", "run_dir", "id"):
        return {"status": row["status"], "run_dir": str(home.run_dir(row["id"])), "id": row["id"]}[attr]
    if attr:
        return attr_text(home, row["id"], attr)
    if path:
        return str(home.run_dir(row["id"]))
    return row["id"][:8] if short else row["id"]
