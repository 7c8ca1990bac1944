"""`ledger sql`, `ledger query` and `ledger compare`: parse, call, print."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer

from ledger.cli.command import Commands
from ledger.cli.run_filters import with_filters
from ledger.cli.terminal_table import on_terminal, print_table
from ledger.errors import LedgerError
from ledger.home import Home
from ledger.projections.compare import Options, compare_csv, compare_rows, compare_table
from ledger.projections.index import connect
from ledger.projections.refs import Filters
from ledger.projections.saved_queries import parse_params, run_saved, saved_queries
from ledger.projections.sql import QueryError, run_sql, write_result

app = Commands()

FORMAT_HELP = "table (default), csv, json, jsonl or parquet (parquet needs --output)"


@app.command("sql")
def sql_cmd(
    statement: str = typer.Argument(
        ..., metavar="STATEMENT", help="One read-only statement: SELECT, WITH ... SELECT or EXPLAIN."
    ),
    fmt: str = typer.Option("table", "--format", "-f", metavar="FORMAT", help=FORMAT_HELP),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."
    ),
) -> None:
    """Query the run history with SQL (read-only; tables in docs/tables.md).

    Example: ledger sql "SELECT op, count(*) FROM runs GROUP BY op"
    """
    home = Home()
    writes_to = output if fmt == "parquet" else None
    con = connect(home)
    rel = run_sql(home, statement, writes_to=writes_to, con=con)
    write_result(rel, fmt, output, sys.stdout, home, show_table=_terminal_table(), interrupt=con.interrupt)


def _terminal_table() -> Callable[[list[str], list[tuple]], None] | None:
    """How `sql` and `query` show a table: fitted for a person at a terminal,
    plain text (None) when piped."""
    if not on_terminal():
        return None
    return lambda columns, rows: print_table(rows, columns)


@app.command("query")
def query_cmd(
    name: Optional[str] = typer.Argument(None, metavar="NAME", help="Saved query to run (see --list)."),
    param: list[str] = typer.Option(
        [], "--param", "-p", metavar="KEY=VALUE", help="A query parameter as key=value; repeatable."
    ),
    list_: bool = typer.Option(False, "--list", "-l", help="List the saved queries and exit."),
    fmt: str = typer.Option("table", "--format", "-f", metavar="FORMAT", help=FORMAT_HELP),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."
    ),
) -> None:
    """Run a saved query: shipped ones, or your own in $LEDGER_HOME/queries/NAME.sql.

    Example: ledger query lineage --param run=3f2a
    """
    home = Home()
    if list_:
        for q in saved_queries(home).values():
            params = " ".join(f"{p.name}=" + (p.default if p.default is not None else "REQUIRED") for p in q.params)
            mine = " (yours)" if q.source == "user" else ""
            typer.echo(f"{q.name}{mine}  {q.description}" + (f"  [{params}]" if params else ""))
        return
    if not name:
        raise QueryError("name a saved query to run; `ledger query --list` shows them")
    writes_to = output if fmt == "parquet" else None
    con = connect(home)
    rel = run_saved(home, name, parse_params(param), writes_to=writes_to, con=con)
    write_result(rel, fmt, output, sys.stdout, home, show_table=_terminal_table(), interrupt=con.interrupt)


@app.command("compare")
@with_filters
def compare_cmd(
    runs: Optional[list[str]] = typer.Argument(
        None, metavar="RUN", help="Runs: index (1 = newest), range A:B or id prefix."
    ),
    csv_: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    table: bool = typer.Option(False, "-t", "--table", help="Print a table (the default; for Guild's spelling)."),
    all_: bool = typer.Option(False, "--all", "-a", help="Include deleted runs."),
    include_batch: bool = typer.Option(False, "--include-batch", help="Include batch runs (left out otherwise)."),
    cols: Optional[list[str]] = typer.Option(
        None, "-c", "--cols", metavar="COLS",
        help="Only these columns, comma-separated: =FLAG, .ATTR or [last|first|min|max|avg|total|count] SCALAR.",
    ),  # fmt: skip
    min_col: Optional[str] = typer.Option(None, "-m", "--min", metavar="COL", help="Lowest COL first."),
    max_col: Optional[str] = typer.Option(None, "-M", "--max", metavar="COL", help="Highest COL first."),
    top: Optional[int] = typer.Option(None, "-n", "--top", metavar="N", min=0, help="Show only the first N runs."),
    filters: Filters = Filters(),
) -> None:
    """Compare runs: one row each with their flags and scalars.

    Example: ledger compare --top 5 --min loss
    """
    if min_col and max_col:
        raise LedgerError("give --min or --max, not both")
    options = Options(
        include_deleted=all_,
        include_batch=include_batch,
        cols=tuple(c.strip() for spec in cols or () for c in spec.split(",") if c.strip()),
        sort=(min_col, "min") if min_col else (max_col, "max") if max_col else None,
        top=top,
        filters=filters,
    )
    if csv_:
        compare_csv(Home(), runs or [], sys.stdout, options)
    elif on_terminal():
        headers, rows = compare_rows(Home(), runs or [], options)
        print_table([[row[0][:8], *row[1:]] for row in rows], headers)
    else:
        sys.stdout.write(compare_table(Home(), runs or [], options))
