"""The conditions on runs beyond op, label and status: `-F EXPR`, `-Ft TAG`,
`-Fc TEXT`, `-Fs RANGE` and `--where SQL`, as one SQL condition over `runs`.

Everything typed is a parameter of the statement, except a --where
predicate, which is SQL by nature: it is parsed and re-rendered by DuckDB
(projections/run_predicate.py), and the connection that runs it is locked in
the SQL sandbox first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.projections import filter_expr, run_predicate, time_range
from ledger.projections.sql import sandbox
from ledger.projections.time_range import parse_range

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class RunConditions:
    """Conditions on a run's values, tags, comments and start time; every one must hold."""

    expressions: tuple[str, ...] = ()  # Guild filter expressions, all must hold
    tags: tuple[str, ...] = ()  # any of these tags
    comments: tuple[str, ...] = ()  # a comment containing any of these (case-insensitive)
    started: str | None = None  # a time range (projections/time_range.py)
    where: str | None = None  # a SQL predicate over the run's row

    def __bool__(self) -> bool:
        return bool(self.expressions or self.tags or self.comments or self.started or self.where)

    def check(self) -> None:
        """Raise the error a condition that cannot be read would raise, before
        anything is asked or done."""
        for expr in self.expressions:
            filter_expr.to_sql(expr)
        if self.started:
            time_range.parse_range(self.started)
        if self.where is not None:
            run_predicate.parse(self.where)

    def sql(self, con: duckdb.DuckDBPyConnection) -> tuple[list[str], list]:
        """The conditions (to AND together) and their parameters."""
        parts: list[str] = []
        params: list = []
        known = _known(con, [name for expr in self.expressions for name in filter_expr.names(expr)])
        for expr in self.expressions:
            sql, values = filter_expr.to_sql(expr, known)
            parts.append(sql)
            params += values
        if self.tags:
            parts.append("list_has_any(tags, ?::VARCHAR[])")
            params.append(list(self.tags))
        if self.comments:
            parts.append(
                "EXISTS (SELECT 1 FROM comments c, unnest(?::VARCHAR[]) AS w(text) WHERE c.run = runs.id"
                " AND (contains(lower(c.text), lower(w.text))"
                " OR contains(lower(coalesce(c.\"user\", '')), lower(w.text))))"
            )
            params.append(list(self.comments))
        if self.started:
            parts.append(self._started(params))
        if self.where is not None:
            predicate = run_predicate.parse(self.where)
            sql, values = run_predicate.row_sql(con, predicate)
            sandbox(con)
            parts.append(sql)
            params += values
        return parts, params

    def _started(self, params: list) -> str:
        start, end = parse_range(self.started or "")
        parts = ["started IS NOT NULL"]
        for bound, op in ((start, ">="), (end, "<")):
            if bound is not None:
                parts.append(f"started {op} ?")
                params.append(bound)
        return "(" + " AND ".join(parts) + ")"


def _known(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, tuple[bool, bool]]:
    """For each name, whether any run has a flag and a scalar of that name."""
    if not names:
        return {}
    flags = {row[0] for row in con.execute(
        "SELECT DISTINCT name FROM flags WHERE list_contains(?, name)", [names]).fetchall()}
    keys = {row[0] for row in con.execute(
        "SELECT DISTINCT key FROM scalars WHERE list_contains(?, key)", [names]).fetchall()}  # fmt: skip
    return {name: (name in flags, name in keys) for name in names}
