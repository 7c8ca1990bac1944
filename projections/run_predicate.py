"""`--where 'SQL'`: a SQL predicate over one run's row, checked to be just that.

The row is `runs` (docs/tables.md) with every flag and scalar the predicate
names as one more column: a flag's value when the run has it, else the last
value of the scalar of that name, e.g. `lr > 0.01 AND loss < 0.5 AND status =
'completed'`. A name that is both a runs column and a flag is the column.

The predicate is parsed by DuckDB into a SELECT over the row and refused
unless it is one expression: no subquery (so no table and no file can be
named), no parameter, nothing after it; and unless it is true or false for
a row (a BOOLEAN, not a value like `label`). What runs is DuckDB's own rendering
of that parsed expression, never the text as typed, on a connection locked
in the SQL sandbox (projections/sql.py).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError
from ledger.projections.filter_expr import FLAG_SQL, SCALAR_SQL

if TYPE_CHECKING:
    import duckdb

_HINT = "give one condition over the run's row, e.g. --where \"lr > 0.01 AND status = 'completed'\""
_REFUSED = {"SUBQUERY": "a subquery", "PARAMETER": "a parameter", "WINDOW": "a window function"}


class PredicateError(LedgerError):
    """A --where predicate that is not one condition over a run's row."""


@dataclass(frozen=True)
class Predicate:
    """A `--where` condition, checked and rendered by DuckDB."""

    sql: str  # SELECT id FROM run WHERE ..., as DuckDB renders it
    value_sql: str  # SELECT <the condition> FROM run: what it yields, to check it is true or false
    names: tuple[str, ...]  # the columns it names


@functools.lru_cache(maxsize=8)  # a command checks its predicate, then lists and counts with it
def parse(text: str) -> Predicate:
    import duckdb

    if not text.strip():
        raise PredicateError(f"--where is empty; {_HINT}")
    probe = f"SELECT id FROM run WHERE ({text}\n)"  # the newline ends a trailing -- comment
    con = duckdb.connect()
    try:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [probe]).fetchall()[0][0])
        if tree.get("error"):
            raise PredicateError(f"--where does not parse: {_one_line(tree.get('error_message', ''))}; {_HINT}")
        statements = tree["statements"]
        node = statements[0]["node"] if len(statements) == 1 else {}
        if not _just_a_condition(node):
            raise PredicateError(f"--where takes a condition, not a query; {_HINT}")
        names: list[str] = []
        refused = _walk(node["where_clause"], names)
        if refused:
            raise PredicateError(f"--where cannot hold {refused}: it sees only the run's row; {_HINT}")
        rendered = con.execute("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)]).fetchall()[0][0]
        node["select_list"], node["where_clause"] = [node["where_clause"]], None
        value = con.execute("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)]).fetchall()[0][0]
    except duckdb.Error as e:
        raise PredicateError(f"--where does not parse: {_one_line(str(e))}; {_HINT}") from None
    finally:
        con.close()
    return Predicate(rendered, value, tuple(dict.fromkeys(names)))


def _just_a_condition(node: dict[str, Any]) -> bool:
    table = node.get("from_table") or {}
    select = node.get("select_list") or []
    return bool(
        node.get("type") == "SELECT_NODE"
        and not node.get("modifiers") and not (node.get("cte_map") or {}).get("map")
        and len(select) == 1 and select[0].get("column_names") == ["id"]
        and table.get("type") == "BASE_TABLE" and table.get("table_name") == "run" and not table.get("sample")
        and not node.get("group_expressions") and not node.get("group_sets")
        and node.get("having") is None and node.get("qualify") is None and node.get("sample") is None
        and node.get("where_clause")
    )  # fmt: skip


def _walk(part: Any, names: list[str]) -> str | None:
    """What the expression may not hold, if it holds it; collects the
    column names it uses into `names`."""
    if isinstance(part, list):
        return next((found for item in part if (found := _walk(item, names))), None)
    if not isinstance(part, dict):
        return None
    if part.get("class") in _REFUSED:
        return _REFUSED[part["class"]]
    if part.get("class") == "COLUMN_REF":
        names.append(part["column_names"][-1])
    return next((found for value in part.values() if (found := _walk(value, names))), None)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def row_sql(con: duckdb.DuckDBPyConnection, predicate: Predicate) -> tuple[str, list]:
    """`id IN (...)` for a WHERE over `runs`: the runs the predicate keeps,
    with the flags and scalars it names as columns of their row."""
    runs_columns = {row[0] for row in con.execute("DESCRIBE runs").fetchall()}
    wanted = [name for name in predicate.names if name not in runs_columns]
    columns, params = [], []
    if wanted:
        numeric = dict(
            con.execute(
                "SELECT name, bool_and(value_type IN ('int', 'float')) FROM flags WHERE list_contains(?, name)"
                " GROUP BY name",
                [wanted],
            ).fetchall()
        )
        keys = {row[0] for row in con.execute("SELECT DISTINCT key FROM scalars WHERE list_contains(?, key)", [wanted])
                .fetchall()}  # fmt: skip
        for name in wanted:
            if name not in numeric and name not in keys:
                raise PredicateError(
                    f"--where names {name!r}, which is no column of runs (docs/tables.md) and no run's flag or scalar"
                )
            flag = FLAG_SQL.format(col="value_num" if numeric.get(name, True) else "value_text")
            if name not in numeric:
                value = SCALAR_SQL
            elif name not in keys or not numeric[name]:
                value = flag
            else:
                value = f"coalesce({flag}, {SCALAR_SQL})"
            columns.append(f"{value} AS {_quoted(name)}")
            params += [name] * value.count("?")  # each lookup takes the name once
    row = ", ".join(["runs.*", *columns])
    import duckdb

    described = f"DESCRIBE WITH run AS (SELECT {row} FROM runs) {predicate.value_sql}"
    try:
        kind = con.execute(described, params).fetchall()[0][1]
    except duckdb.Error as e:  # an unknown function, a type that does not compare...
        texts = [name for name in wanted if name in numeric and not numeric[name]]
        if texts and "VARCHAR" in str(e):
            name = texts[0]
            raise PredicateError(
                f"--where cannot compare flag {name!r} as a number: some runs gave it text, so its column is text;"
                f" compare numbers with TRY_CAST({_quoted(name)} AS DOUBLE) > 0.1, or text with {_quoted(name)} = 'abc'"
            ) from None
        raise PredicateError(f"--where cannot be applied: {_one_line(str(e))}") from None
    if kind not in ("BOOLEAN", '"NULL"', "NULL"):
        raise PredicateError(f"--where takes a condition, true or false for each run, not a {kind} value; {_HINT}")
    return f"id IN (WITH run AS (SELECT {row} FROM runs) {predicate.sql})", params


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
