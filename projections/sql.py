"""Read-only SQL over the index: ad-hoc statements and their results
(saved queries: ledger.projections.saved_queries).

Every statement a user writes (`ledger sql`, `ledger query`, saved queries,
`api.sql`, the web view) runs in one sandbox:

- it must parse (DuckDB's own parser) into exactly one query: SELECT and its
  spellings (WITH, FROM-first, SUMMARIZE, DESCRIBE, SHOW, UNPIVOT), PIVOT, or
  EXPLAIN [ANALYZE] of one of those; anything else is refused before it
  reaches an engine (EXPLAIN ANALYZE runs its statement, so EXPLAIN ANALYZE
  COPY ... TO would write a file);
- the connection attached the index READ_ONLY, then disabled external access
  (no file, URL or extension can be read or written: not the log, not
  /etc/shadow) and locked its configuration so the statement cannot undo it.
  DuckDB still lets it read the attached index's own bytes, which are what
  its tables show anyway.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.interruptible import interruptible
from ledger.projections.index import connect
from ledger.terminal import pad, printable, width

T = TypeVar("T")

if TYPE_CHECKING:
    import duckdb

FORMATS = ("table", "csv", "json", "jsonl", "parquet")
_READ_ONLY_HINT = (
    "`ledger sql` is read-only (SELECT, WITH, FROM, PIVOT, SUMMARIZE, DESCRIBE, SHOW, EXPLAIN of a query);"
    " the ledger changes only through ledger commands"
)
_EXPLAIN = re.compile(r"^\s*EXPLAIN\b(\s+ANALY[SZ]E\b|\s*\([^)]*\))?", re.I)


class QueryError(LedgerError):
    """A statement or saved query that cannot be run as asked."""


# -- ad-hoc SQL --------------------------------------------------------------


def check_read_only(statement: str) -> str:
    """The statement, if it is one read-only query; else QueryError."""
    import duckdb

    try:
        parsed = duckdb.extract_statements(statement)
    except duckdb.Error as e:
        raise QueryError(f"SQL does not parse: {_one_line(e)}") from None
    if not parsed:
        raise QueryError('no SQL statement given; try `ledger sql "SELECT * FROM runs"`')
    for st in parsed:
        refused = _refused_word(st)
        if refused:
            raise QueryError(f"{refused} is refused: {_READ_ONLY_HINT}")
    if len(parsed) > 1:
        raise QueryError("one statement at a time, please: remove the extra `;`-separated statements")
    return statement


def _bare(text: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S).strip()


def _refused_word(st: Any) -> str | None:
    """None for a read-only query; else the words to name in the refusal."""
    import duckdb

    kind = st.type.name
    bare = _bare(st.query)
    word = (bare.split(None, 1) or [kind])[0].upper()
    if kind == "SELECT":
        return None
    if kind == "MULTI" and word == "PIVOT":  # a PIVOT is a temporary enum type plus a SELECT
        return None
    # EXPLAIN of a PIVOT parses as MULTI too: judged, like any EXPLAIN, by what it explains
    if kind == "EXPLAIN" or (kind == "MULTI" and word == "EXPLAIN"):
        inner = _EXPLAIN.sub("", bare, count=1)
        try:
            parsed = duckdb.extract_statements(inner)
        except duckdb.Error:
            parsed = []
        if len(parsed) == 1 and parsed[0].type.name != "EXPLAIN":
            what = _refused_word(parsed[0])
            return None if what is None else f"EXPLAIN of {what}"
        return "this EXPLAIN"
    return word


def run_sql(
    home: Home,
    statement: str,
    params: Mapping[str, Any] | None = None,
    *,
    writes_to: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """A relation over the caught-up index for one read-only statement, in
    the sandbox. The relation keeps its own connection open until it is
    dropped; `con`, when given, is that connection (fresh from connect(),
    so the caller can interrupt it). `writes_to` is the one file the result
    may be written to by DuckDB itself (parquet), checked to lie outside the
    home."""
    import duckdb

    check_read_only(statement)
    if writes_to is not None:
        check_output(home, writes_to)
    con = con or connect(home)
    try:
        _sandbox(con, writes_to)
        return con.sql(statement, params=dict(params) if params else None)
    except duckdb.Error as e:
        con.close()
        raise QueryError(f"SQL error: {_one_line(e)}") from None


def sandbox(con: duckdb.DuckDBPyConnection) -> None:
    """Lock `con` in the sandbox (once; a locked connection stays locked)."""
    if not con.execute("SELECT current_setting('lock_configuration')").fetchall()[0][0]:
        _sandbox(con, None)


def _sandbox(con: duckdb.DuckDBPyConnection, writes_to: Path | None) -> None:
    """No file, URL or extension from here on, and no way to change that."""
    if writes_to is not None:
        quoted = os.path.abspath(writes_to).replace("'", "''")
        con.execute(f"SET allowed_paths = ['{quoted}']")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def check_output(home: Home, output: Path) -> None:
    """Results are never written into the home: its files are the ledger."""
    target = os.path.realpath(output)
    root = os.path.realpath(home.path)
    if os.path.commonpath([target, root]) == root:
        raise QueryError(
            f"--output {output} is inside LEDGER_HOME ({home.path}), whose files are the ledger;"
            " write the result somewhere else"
        )


def sql(statement: str, home: Home | None = None) -> duckdb.DuckDBPyRelation:
    """`api.sql("SELECT ...")`: a DuckDB relation; home defaults to $LEDGER_HOME."""
    return run_sql(home or Home(), statement)


def _one_line(err: Exception) -> str:
    text = " ".join(str(err).split("\n")[:2]).strip()
    return re.sub(r"\s+", " ", text)


# -- output ------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Aligned columns, numbers right-aligned, one line per row (newlines
    in a cell are shown as `\\n`), the same bytes on a terminal or a pipe."""
    columns = [printable(c) for c in columns]
    cells = [[printable(cell_text(v)) for v in row] for row in rows]
    widths = [width(c) for c in columns]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], width(text))
    numeric = [
        all(v is None or (isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)) for v in col)
        for col in zip(*rows)
    ] if rows else [False] * len(columns)

    def line(texts: Sequence[str]) -> str:
        parts = [pad(t, w, right=num) for t, w, num in zip(texts, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def _json_value(value: Any, is_json: bool) -> Any:
    if is_json and isinstance(value, str):
        return json.loads(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):  # an INTERVAL
        return _iso_duration(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: _json_value(v, False) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v, False) for v in value]
    return value


def _iso_duration(delta: timedelta) -> str:
    """An INTERVAL as ISO 8601 text, e.g. P1DT2H3M4.5S (a month is 30 days)."""
    sign, delta = ("-", -delta) if delta < timedelta(0) else ("", delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    secs = f"{seconds}.{delta.microseconds:06d}".rstrip("0").rstrip(".")
    return f"{sign}P{delta.days}DT{hours}H{minutes}M{secs}S"


def write_result(
    rel: duckdb.DuckDBPyRelation,
    fmt: str = "table",
    output: Path | None = None,
    stream: IO[str] | None = None,
    home: Home | None = None,
    show_table: Callable[[list[str], list[tuple]], None] | None = None,
    interrupt: Callable[[], object] | None = None,
) -> None:
    """Write a relation as a table, csv, json (an array), jsonl or parquet,
    to `output` (never inside the home) or else `stream` (stdout). Parquet
    needs `output`, and the relation must come from run_sql(writes_to=output).
    `show_table`, when given, shows a table for a terminal instead.
    `interrupt`, when given, stops the statement on Ctrl-C (the relation's
    connection's interrupt)."""
    import duckdb

    def compute(work: Callable[[], T]) -> T:
        return interruptible(work, interrupt) if interrupt is not None else work()

    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if output is not None:
        check_output(home or Home(), output)
    if fmt == "parquet":
        if output is None:
            raise QueryError("parquet is binary: give --output FILE.parquet")
        try:
            compute(lambda: rel.write_parquet(str(output)))
        except duckdb.Error as e:
            raise QueryError(f"cannot write {output}: {_one_line(e)}") from None
        return
    columns = list(rel.columns)
    json_cols = [str(t) == "JSON" for t in rel.types]
    try:
        rows = compute(rel.fetchall)  # most errors of a statement (a failed cast...) come only now
    except duckdb.Error as e:
        raise QueryError(f"SQL error: {_one_line(e)}") from None
    handle = open(output, "w", encoding="utf-8", newline="") if output else None
    out = handle or stream or sys.stdout
    try:
        if fmt == "table" and show_table is not None and handle is None:
            show_table(columns, rows)
        elif fmt == "table":
            out.write(format_table(columns, rows))
        elif fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([cell_text(v) for v in row] for row in rows)
        else:
            objs = [
                {c: _json_value(v, j) for c, v, j in zip(columns, row, json_cols)} for row in rows
            ]
            if fmt == "json":
                out.write(json.dumps(objs, ensure_ascii=False, indent=2, default=str) + "\n")
            else:
                out.writelines(json.dumps(o, ensure_ascii=False, default=str) + "\n" for o in objs)
    finally:
        if handle:
            handle.close()
