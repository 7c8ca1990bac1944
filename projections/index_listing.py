"""Runs as `ledger runs` lists them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ledger.home import Home
from ledger.limits import INT64_MAX
from ledger.projections.index import connect
from ledger.projections.run_conditions import RunConditions
from ledger.projections.run_predicate import PredicateError as RunPredicateError

if TYPE_CHECKING:
    import duckdb

_TS = "strftime({0}, '%Y-%m-%dT%H:%M:%S.%fZ')"
_COLUMNS = (
    "id", "op", "status", "label", "created", "started", "stopped", "exit_status", "proto", "batch",
    "kind", "sourcecode_digest", "random_seed", "deleted", "tags", "flags",
)  # fmt: skip


def list_runs(
    home: Home,
    *,
    ops: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    digest: str | None = None,
    statuses: Iterable[str] | None = None,
    deleted: bool | None = False,
    restorable: bool = False,
    id_prefix: str | None = None,
    conditions: RunConditions | None = None,
    limit: int | None = None,
    offset: int = 0,
    include_batch_trials: bool = True,
    flags: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[dict[str, Any]]:
    """Runs, newest first (by creation seq), filtered like Guild's `runs`:

    ops     glob patterns matched against the whole op name (`train`,
            `train*`, `*+skopt:*`); a run matches any of them.
    labels  substrings of the label; a run matches any of them.
    digest  a prefix of the source code digest.
    statuses effective statuses to keep (running, completed, error,
            terminated, staged).
    deleted True lists the deleted runs only, False the others, None both
            (the live runs first).
    restorable True leaves out purged runs.
    id_prefix a prefix of the run id.
    conditions the conditions of -F, -Ft, -Fc, -Fs and --where (RunConditions).
    limit, offset  a window of the filtered listing (offset 0 = newest).
    flags   False leaves the `flags` and `scalars` keys out: gathering them
            costs more than the rest of a short listing.
    con     an open connection from `ledger.projections.index.connect` to reuse;
            one is opened (and closed) when not given.
    Each run is a dict with the keys of _COLUMNS; times are ISO 8601 UTC
    strings, `tags` a list, `flags` a dict name -> value sorted by name and
    `scalars` a dict key -> last value."""
    chosen = (ops, labels, digest, statuses, deleted, restorable, id_prefix, conditions, include_batch_trials)
    order = "seq DESC" if deleted is not None else "deleted, seq DESC"
    # a window beyond BIGINT is the whole listing, not a DuckDB error
    window = f"LIMIT {min(max(int(limit), 0), INT64_MAX)}" if limit is not None else ""
    if offset:
        window += f" OFFSET {min(max(int(offset), 0), INT64_MAX)}"
    columns = f"""id, op, status, label, {_TS.format("created")}, {_TS.format("started")}, {_TS.format("stopped")},
                   exit_status, proto, batch, kind, sourcecode_digest, random_seed, deleted, tags"""
    if not flags:
        rows = _query(home, con, chosen, lambda where: (
            f"SELECT {columns} FROM runs WHERE {where} ORDER BY {order} {window}"
        ))
        return [dict(zip(_COLUMNS, row)) for row in rows]
    # flags are aggregated for the picked window only: over every run, that
    # join costs more than the rest of the listing together
    def sql(where: str) -> str:
        return f"""
        WITH picked AS MATERIALIZED (
            SELECT * FROM runs WHERE {where} ORDER BY {order} {window}
        )
        SELECT {columns}, s.keys, s.lasts, f.flags
        FROM picked LEFT JOIN (
            SELECT run, '{{' || string_agg(to_json(name) || ':' || value, ',' ORDER BY name) || '}}' AS flags
            FROM flags WHERE run IN (SELECT id FROM picked) GROUP BY run
        ) f ON f.run = picked.id
        LEFT JOIN (
            SELECT run, list(key ORDER BY key) AS keys, list(last ORDER BY key) AS lasts FROM (
                SELECT run, key, arg_max(value, (seq, ts, step)) AS last
                FROM scalars WHERE run IN (SELECT id FROM picked) GROUP BY run, key
            ) GROUP BY run
        ) s ON s.run = picked.id
        ORDER BY {order}
    """
    loads = json.loads
    return [
        {**dict(zip(_COLUMNS, row)), "flags": loads(row[-1]) if row[-1] else {},
         "scalars": dict(zip(row[-3], row[-2])) if row[-3] else {}}
        for row in _query(home, con, chosen, sql)
    ]  # fmt: skip


def count_runs(
    home: Home,
    *,
    ops: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    digest: str | None = None,
    statuses: Iterable[str] | None = None,
    deleted: bool | None = False,
    restorable: bool = False,
    id_prefix: str | None = None,
    conditions: RunConditions | None = None,
    include_batch_trials: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
) -> int:
    """How many runs `list_runs` with the same filters returns (no window)."""
    chosen = (ops, labels, digest, statuses, deleted, restorable, id_prefix, conditions, include_batch_trials)
    return _query(home, con, chosen, lambda where: f"SELECT count(*) FROM runs WHERE {where}")[0][0]


def comments_of_runs(home: Home, ids: Sequence[str]) -> dict[str, list[tuple[str, str | None, str]]]:
    """Each run's comments as (text, user, UTC time as ISO text), oldest first."""
    con = connect(home)
    try:
        rows = con.execute(
            f"SELECT run, text, \"user\", {_TS.format('ts')} FROM comments WHERE list_contains(?, run) ORDER BY seq",
            [list(ids)],
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str | None, str]]] = {}
    for run, text, user, ts in rows:
        out.setdefault(run, []).append((text or "", user, ts))
    return out


def _where(
    con, ops, labels, digest, statuses, deleted, restorable, id_prefix, conditions, include_batch_trials
) -> tuple[str, list]:
    where: list[str] = []
    params: list[Any] = []
    if deleted is not None:
        where.append("deleted = ?")
        params.append(bool(deleted))
    if restorable:
        where.append("NOT purged")
    if id_prefix:
        where.append("starts_with(id, ?)")
        params.append(id_prefix)
    if ops:
        where.append("(" + " OR ".join("op GLOB ?" for _ in ops) + ")")
        params += list(ops)
    if labels:
        where.append("(" + " OR ".join("contains(coalesce(label, ''), ?)" for _ in labels) + ")")
        params += list(labels)
    if digest:
        where.append("starts_with(coalesce(sourcecode_digest, ''), ?)")
        params.append(digest)
    if statuses is not None:
        where.append("list_contains(?, status)")
        params.append(list(statuses))
    if not include_batch_trials:
        where.append("batch IS NULL")
    if conditions:
        more, more_params = conditions.sql(con)
        where += more
        params += more_params
    return " AND ".join(where) or "true", params


def _query(
    home: Home, con: duckdb.DuckDBPyConnection | None, chosen: tuple, statement: Callable[[str], str]
) -> list[tuple]:
    """Rows of `statement(where)` for the filters `chosen` (the arguments
    of _where), on `con` or a connection of its own."""
    own = connect(home) if con is None else None
    use = con or own
    assert use is not None
    try:
        where, params = _where(use, *chosen)
        return _fetch(use, statement(where), params, chosen[7])
    finally:
        if own is not None:
            own.close()


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list, conditions: RunConditions | None) -> list[tuple]:
    if not conditions:
        return con.execute(sql, params).fetchall()
    import duckdb

    try:
        return con.execute(sql, params).fetchall()
    except duckdb.Error as e:  # a --where that fails on the rows: a cast, an unknown column...
        message = " ".join(str(e).split())[:200]
        raise RunPredicateError(f"the run filter cannot be applied: {message}") from None
