"""Runs as `ledger runs` lists them, and their effective status."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ledger.home import Home

if TYPE_CHECKING:
    import duckdb

_TS = "strftime({0}, '%Y-%m-%dT%H:%M:%S.%fZ')"
_COLUMNS = (
    "id", "op", "status", "label", "created", "started", "stopped", "exit_status", "proto", "batch",
    "kind", "sourcecode_digest", "random_seed", "deleted", "tags", "flags",
)  # fmt: skip


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def effective_status(status: str, host: str | None, pid: int | None, *, here: str | None = None) -> str:
    """A run logged as running whose owning ledger process on this host is
    gone was killed: it reads `terminated`, never running forever. Runs of
    other hosts cannot be checked and keep their logged status."""
    if status == "running" and host == (here or this_host()) and not pid_alive(pid):
        return "terminated"
    return status


def dead_running_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    here = this_host()
    rows = con.execute("SELECT id, host, pid FROM runs WHERE status = 'running' AND host = ?", [here]).fetchall()
    return [rid for rid, host, pid in rows if effective_status("running", host, pid, here=here) != "running"]


def list_runs(
    home: Home,
    *,
    ops: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    digest: str | None = None,
    statuses: Iterable[str] | None = None,
    deleted: bool = False,
    limit: int | None = None,
    include_batch_trials: bool = True,
) -> list[dict[str, Any]]:
    """Runs, newest first (by creation seq), filtered like Guild's `runs`:

    ops     glob patterns matched against the whole op name (`train`,
            `train*`, `*+skopt:*`); a run matches any of them.
    labels  substrings of the label; a run matches any of them.
    digest  a prefix of the source code digest.
    statuses effective statuses to keep (running, completed, error,
            terminated, staged).
    deleted True lists the deleted runs only, False the others.
    Each run is a dict with the keys of _COLUMNS; times are ISO 8601 UTC
    strings, `tags` a list and `flags` a dict name -> value sorted by name."""
    from projections.index import connect

    where, params = ["deleted = ?"], [deleted]
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
        wanted = list(statuses)
        where.append("list_contains(?, status)")
        params.append(wanted)
    if not include_batch_trials:
        where.append("batch IS NULL")
    limit_sql = f"LIMIT {int(limit)}" if limit is not None else ""
    sql = f"""
        WITH picked AS (
            SELECT * FROM runs WHERE {" AND ".join(where)} ORDER BY seq DESC {limit_sql}
        )
        SELECT p.id, p.op, p.status, p.label, {_TS.format("p.created")}, {_TS.format("p.started")},
               {_TS.format("p.stopped")}, p.exit_status, p.proto, p.batch, p.kind, p.sourcecode_digest,
               p.random_seed, p.deleted, p.tags, f.flags
        FROM picked p LEFT JOIN (
            SELECT run, '{{' || string_agg(to_json(name) || ':' || value, ',' ORDER BY name) || '}}' AS flags
            FROM flags WHERE run IN (SELECT id FROM picked) GROUP BY run
        ) f ON f.run = p.id
        ORDER BY p.seq DESC
    """
    con = connect(home)
    try:
        rows = con.execute(sql, params).fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        run = dict(zip(_COLUMNS, row))
        run["flags"] = json.loads(run["flags"]) if run["flags"] else {}
        out.append(run)
    return out
