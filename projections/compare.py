"""`ledger compare`: one row per run, its flags and scalars side by side.

Columns: run, op, status, label, then the columns named with `--cols`, else
the operation's `compare` columns when its opdef has them, else every flag
and the last, min and max of every scalar. Batch runs (a grid's or an
optimizer's parent) are left out unless named or `include_batch`. A column
spec is Guild-like:

    =NAME [as HEADER]                       a flag
    .ATTR [as HEADER]                       a run attribute (a runs column)
    [last|first|min|max|avg|total|count] KEY [as HEADER]   a scalar (default last)
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.projections.index import connect
from ledger.projections.refs import Filters, select
from ledger.projections.sql import cell_text, format_table

FIXED = ("run", "op", "status", "label")
_AGGS = ("last", "first", "min", "max", "avg", "total", "count")
_ATTRS = {
    "id", "op", "status", "label", "created", "started", "stopped", "exit_status", "proto", "batch",
    "kind", "sourcecode_digest", "random_seed", "deleted", "tags", "project", "host", "user",
}  # fmt: skip
_SPEC = re.compile(r"^\s*(?:(?P<agg>\w+)\s+)?(?P<key>\S+?)(?:\s+as\s+(?P<header>.+?))?\s*$", re.I)


class CompareError(LedgerError):
    """A compare column spec that cannot be read."""


@dataclass(frozen=True)
class Column:
    kind: str  # flag | attr | scalar
    key: str
    agg: str = "last"
    header: str = ""

    @property
    def title(self) -> str:
        return self.header or self.key


def parse_spec(entry: str) -> Column:
    m = _SPEC.match(entry)
    if not m:
        raise CompareError(f"compare column {entry!r} cannot be read; write =FLAG, .ATTR or [last|min|max] SCALAR")
    agg, key, header = m.group("agg"), m.group("key"), m.group("header") or ""
    if key.startswith("="):
        return Column("flag", key[1:], header=header or key[1:])
    if key.startswith("."):
        if key[1:] not in _ATTRS:
            raise CompareError(f"compare column {entry!r}: no run attribute {key[1:]!r}")
        return Column("attr", key[1:], header=header or key[1:])
    agg = (agg or "last").lower()
    if agg not in _AGGS:
        raise CompareError(f"compare column {entry!r}: {agg!r} is not one of {', '.join(_AGGS)}")
    return Column("scalar", key, agg, header or (key if agg == "last" else f"{agg} {key}"))


@dataclass(frozen=True)
class Options:
    """What to show: `cols` replaces the default columns; `sort` is (COL,
    "min"|"max"): rows with the lowest (highest) COL first, runs without it
    last; `top` keeps the first N rows; `filters` keeps only the runs they
    match (among those named, or of all)."""

    include_deleted: bool = False
    include_batch: bool = False
    cols: tuple[str, ...] = ()
    sort: tuple[str, str] | None = None
    top: int | None = None
    filters: Filters | None = None


def compare_rows(
    home: Home, refs: Sequence[str] = (), options: Options = Options()
) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) for the runs `refs` names, in the order named (run
    references as everywhere: index, A:B range, id prefix); all runs newest
    first when there are none."""
    explicit = [parse_spec(c) for c in options.cols]
    sort_spec = parse_spec(options.sort[0]) if options.sort else None
    ids = _picked(home, refs, options)
    con = connect(home)
    try:
        picked = list(dict.fromkeys(ids)) if ids is not None else None
        headers, rows, columns = _build(con, picked, options, explicit)
    finally:
        con.close()
    if options.sort and sort_spec is not None:
        rows = _sorted(headers, rows, columns, options.sort, sort_spec)
    if options.top is not None:
        rows = rows[: options.top]
    return headers, rows


def _picked(home: Home, refs: Sequence[str], options: Options) -> list[str] | None:
    """The ids of the runs named or filtered, in order; None for every run."""
    filters = options.filters or Filters()
    if not refs and not filters.narrowing:
        return None
    if options.include_deleted:
        filters = replace(filters, deleted=None)
    rows = select(home, list(refs), filters, flags=False)
    return [r["id"] for r in rows if refs or options.include_batch or r["kind"] != "batch"]


def _sorted(headers: list[str], rows: list[list[Any]], columns: list[Column], sort: tuple[str, str],
            spec: Column) -> list[list[Any]]:  # fmt: skip
    name, direction = sort
    if name in headers:
        at = headers.index(name)
    else:  # _build added the column named by its spec
        wanted = (spec.kind, spec.key, spec.agg)
        at = len(FIXED) + next(i for i, c in enumerate(columns) if (c.kind, c.key, c.agg) == wanted)

    def key(row: list[Any]) -> tuple[bool, Any]:
        value = _sortable(row[at])
        return (isinstance(value, str), value)  # numbers, then text

    present = [r for r in rows if _sortable(r[at]) is not None]
    missing = [r for r in rows if _sortable(r[at]) is None]
    return sorted(present, key=key, reverse=direction == "max") + missing


def _sortable(value: Any) -> float | str | None:
    """Flags come as text: numbers among them sort as numbers."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, (int, float)):
        return None if value != value else float(value)  # NaN sorts with the missing
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _build(
    con: Any, ids: list[str] | None, options: Options, explicit: list[Column]
) -> tuple[list[str], list[list[Any]], list[Column]]:
    if ids is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE picked AS SELECT unnest(?::VARCHAR[]) AS id", [ids])
        scope = "run IN (SELECT id FROM picked)"
        run_scope = "id IN (SELECT id FROM picked)"
    else:
        scope = "true"
        run_scope = " AND ".join(
            ["true"] + ([] if options.include_deleted else ["NOT deleted"])
            + ([] if options.include_batch else ["kind <> 'batch'"])
        )
    runs = con.execute(
        f"SELECT id, op, status, label, (opdef->'compare')::VARCHAR FROM runs WHERE {run_scope} ORDER BY seq DESC"
    ).fetchall()
    if ids is not None:
        order = {rid: n for n, rid in enumerate(ids)}
        runs.sort(key=lambda r: order[r[0]])
    flags: dict[str, dict[str, str]] = {}
    for run, name, text in con.execute(f"SELECT run, name, value_text FROM flags WHERE {scope}").fetchall():
        flags.setdefault(run, {})[name] = text
    scalars: dict[tuple[str, str], tuple] = {}
    for run, key, *vals in con.execute(
        f"""SELECT run, key, arg_max(value, (seq, ts, step)), arg_min(value, (seq, ts, step)), min(value),
                   max(value), avg(value), sum(value), count(*) FROM scalars WHERE {scope} GROUP BY run, key"""
    ).fetchall():
        scalars[(run, key)] = tuple(vals)
    keys_of: dict[str, list[str]] = {}
    for run, key in scalars:
        keys_of.setdefault(run, []).append(key)

    columns: dict[tuple[str, str, str], Column] = {}
    plain_flags: set[str] = set()
    plain_scalars: set[str] = set()
    spec_cache: dict[str, list[Column]] = {}
    for column in explicit:
        columns.setdefault((column.kind, column.key, column.agg), column)
    for run, _op, _status, _label, spec_json in [] if explicit else runs:
        spec = json.loads(spec_json) if spec_json else None
        if isinstance(spec, list) and spec:
            cols = spec_cache.get(spec_json) or spec_cache.setdefault(spec_json, [parse_spec(str(e)) for e in spec])
            for c in cols:
                columns.setdefault((c.kind, c.key, c.agg), c)
        else:
            plain_flags.update(flags.get(run, ()))
            plain_scalars.update(keys_of.get(run, ()))
    for name in sorted(plain_flags):
        columns.setdefault(("flag", name, "last"), Column("flag", name, header=name))
    for key in sorted(plain_scalars):  # each metric's last value, then its range
        columns.setdefault(("scalar", key, "last"), Column("scalar", key, header=key))
        columns.setdefault(("scalar", key, "min"), Column("scalar", key, "min", f"min {key}"))
        columns.setdefault(("scalar", key, "max"), Column("scalar", key, "max", f"max {key}"))
    if options.sort is not None:  # sorting by a column not shown shows it
        wanted = parse_spec(options.sort[0])
        titles = {c.title for c in columns.values()}
        if options.sort[0] not in titles and options.sort[0] not in FIXED:
            columns.setdefault((wanted.kind, wanted.key, wanted.agg), wanted)
    ordered = list(columns.values())
    headers = list(FIXED) + _unique_titles(ordered)

    attrs = _attrs(con, run_scope, ordered)
    agg_index = {a: i for i, a in enumerate(("last", "first", "min", "max", "avg", "total", "count"))}
    rows = []
    for run, op, status, label, _ in runs:
        row: list[Any] = [run, op, status, label]
        run_flags = flags.get(run, {})
        for c in ordered:
            if c.kind == "flag":
                row.append(run_flags.get(c.key))
            elif c.kind == "attr":
                row.append(attrs.get(run, {}).get(c.key))
            else:
                vals = scalars.get((run, c.key))
                row.append(vals[agg_index[c.agg]] if vals else None)
        rows.append(row)
    return headers, rows, ordered


def _unique_titles(columns: list[Column]) -> list[str]:
    seen: dict[str, int] = dict.fromkeys(FIXED, 1)
    out = []
    for c in columns:
        title = c.title
        if title in seen:
            title = f"{title} ({c.kind})"
        seen[title] = 1
        out.append(title)
    return out


def _attrs(con: Any, run_scope: str, columns: list[Column]) -> dict[str, dict[str, Any]]:
    wanted = sorted({c.key for c in columns if c.kind == "attr"})
    if not wanted:
        return {}
    cols = ", ".join(f'"{k}"' for k in wanted)
    rows = con.execute(f"SELECT id, {cols} FROM runs WHERE {run_scope}").fetchall()
    return {r[0]: dict(zip(wanted, r[1:])) for r in rows}


def compare_csv(home: Home, refs: Sequence[str], out: IO[str], options: Options = Options()) -> None:
    headers, rows = compare_rows(home, refs, options)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([cell_text(v) for v in row] for row in rows)


def compare_table(home: Home, refs: Sequence[str], options: Options = Options()) -> str:
    """The table for a terminal: runs by their short ids (CSV keeps them whole)."""
    headers, rows = compare_rows(home, refs, options)
    return format_table(headers, [[row[0][:8], *row[1:]] for row in rows])
