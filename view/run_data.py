"""What the run page shows of one run: attributes, flags with the event that
set each, source files, artifacts, comments, trials, scalars and output.

Rows come from the SQL projection through the read-only sandbox; the output
comes from the run's own events and blobs (ledger.executor.runinfo), as
`ledger cat --output` reads it.
"""

from __future__ import annotations

import math
from typing import Any

from ledger.errors import LedgerError, RunRefError
from ledger.executor.audit import diff_runs
from ledger.executor.runinfo import output_slice, read_run_file
from ledger.projections.refs import resolve_id
from ledger.projections.sql import QueryError
from ledger.view.reader import IndexReader

MAX_POINTS = 2000  # per curve: more are thinned evenly (the last point is always kept)
OUTPUT_TAIL = 256 * 1024  # bytes of output a page starts with, and each "earlier output" adds
OUTPUT_FOLLOW = 4 * 1024 * 1024  # bytes of new output one refresh of a running run's page takes at most


class NotFound(LedgerError):
    """A run, file or event the URL names does not exist."""


def query(db: IndexReader, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of one of the view's own read-only statements, as dicts."""
    return db.rows(sql, params)


def fetch(rel: Any, limit: int | None = None) -> list[tuple]:
    """The relation's rows; an error while it runs (a cast that fails...)
    is the statement's fault: a QueryError, as when it does not bind."""
    import duckdb

    try:
        return (rel.limit(limit) if limit is not None else rel).fetchall()
    except duckdb.Error as e:
        raise QueryError(f"SQL error: {' '.join(str(e).split())[:300]}") from None


def resolve(db: IndexReader, ref: str) -> str:
    """The run id a URL names: a full id, an id prefix or a listing index."""
    try:
        return resolve_id(db.home, ref)
    except RunRefError as e:
        raise NotFound(str(e)) from None


def run_detail(db: IndexReader, run_id: str) -> dict[str, Any]:
    rows = query(db, "SELECT * EXCLUDE (opdef, params), opdef::VARCHAR AS opdef, params::VARCHAR AS params "
                       "FROM runs WHERE id = $id", {"id": run_id})  # fmt: skip
    if not rows:
        raise NotFound(f"no run {run_id}")
    run = rows[0]
    ids = {"id": run_id}
    run["flags"] = query(db, """
        SELECT f.name, f.value_text AS value, f.value_type AS type, f.origin, f.seq, f.cause, e.run AS cause_run
        FROM flags f LEFT JOIN events e ON e.seq = f.cause
        WHERE f.run = $id ORDER BY f.name""", ids)
    run["sourcecode"] = query(db, "SELECT path, sha256, size, mode, origin, from_run FROM sourcecode "
                                    "WHERE run = $id ORDER BY path", ids)  # fmt: skip
    run["artifacts"] = query(db, "SELECT path, sha256, size, stored, ts FROM artifacts WHERE run = $id ORDER BY path",
                             ids)  # fmt: skip
    run["comments"] = query(db, 'SELECT text, "user", ts FROM comments WHERE run = $id ORDER BY seq', ids)
    run["trials"] = query(db, """
        SELECT t."index", t.trial, r.status, r.label FROM trials t LEFT JOIN runs r ON r.id = t.trial
        WHERE t.batch = $id ORDER BY t."index" LIMIT 1000""", ids)
    run["last_scalars"] = query(db, """
        SELECT key, arg_max(value, (seq, ts, step)) AS last, arg_max(step, (seq, ts, step)) AS step, count(*) AS points
        FROM scalars WHERE run = $id GROUP BY key ORDER BY key""", ids)
    run["event_count"] = query(db, "SELECT count(*) AS n, max(seq) AS last FROM events WHERE run = $id", ids)[0]
    return run


def scalar_series(db: IndexReader, run_ids: list[str], keys: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """{run: {key: {"step": [...], "ts": [...], "value": [...]}}} for charts,
    each curve thinned to MAX_POINTS; NaN and infinities become gaps."""
    params: dict[str, Any] = {"ids": run_ids}
    where = "run IN (SELECT unnest($ids::VARCHAR[]))"
    if keys:
        where += " AND key IN (SELECT unnest($keys::VARCHAR[]))"
        params["keys"] = keys
    # ordinal per curve, so the thinning happens in SQL and a run with a
    # million points sends the page two thousand
    rows = query(db, f"""
        WITH s AS (
            SELECT run, key, step, value, ts, seq,
                   row_number() OVER (PARTITION BY run, key ORDER BY seq, ts, step) AS n,
                   count(*) OVER (PARTITION BY run, key) AS total
            FROM scalars WHERE {where}
        )
        SELECT run, key, step, value, strftime(ts, '%Y-%m-%dT%H:%M:%S.%f') AS ts
        FROM s
        WHERE total <= {MAX_POINTS} OR n = total OR (n - 1) % ceil(total / {MAX_POINTS})::BIGINT = 0
        ORDER BY run, key, seq, ts, step""", params)
    out: dict[str, dict[str, dict]] = {}
    for r in rows:
        curve = out.setdefault(r["run"], {}).setdefault(r["key"], {"step": [], "ts": [], "value": []})
        curve["step"].append(r["step"])
        curve["ts"].append(r["ts"])
        v = r["value"]
        curve["value"].append(v if v is not None and math.isfinite(v) else None)
    return out


def output_text(db: IndexReader, run_id: str, offset: int | None = None, before: int | None = None) -> dict[str, Any]:
    """A page of the run's output, read from the log a chunk or two at a
    time whatever its size: its last OUTPUT_TAIL bytes; with `before`, the
    OUTPUT_TAIL bytes before that byte (the earlier output a page asks for);
    with `offset`, what came from that byte on (the new output of a running
    run), at most OUTPUT_FOLLOW bytes at a time. A page that starts or ends
    within the output does so at a line's start. `start` and `offset` are
    the bytes shown, `total` the size of the whole output."""
    if offset is not None:
        data, start, total = output_slice(db.home, run_id, max(offset, 0), max(offset, 0) + OUTPUT_FOLLOW)
        end = start + len(data)
        if end < total and b"\n" in data:  # the rest comes with the next refresh, from the start of a line
            data = data[: data.rindex(b"\n") + 1]
    else:
        first = -OUTPUT_TAIL if before is None else max(before - OUTPUT_TAIL, 0)
        data, start, total = output_slice(db.home, run_id, first, before)
        newline = data.find(b"\n")
        if start > 0 and 0 <= newline < len(data) - 1:
            data, start = data[newline + 1 :], start + newline + 1
    return {"text": data.decode("utf-8", "replace"), "start": start, "offset": start + len(data), "total": total}


def source_diff(db: IndexReader, run_id: str, other_id: str) -> str:
    """`ledger diff OTHER RUN`: flags, source files (unified) and attributes."""
    return diff_runs(db.home, other_id, run_id)


def source_file(db: IndexReader, run_id: str, path: str) -> bytes:
    try:
        return read_run_file(db.home, run_id, path)
    except LedgerError as e:
        raise NotFound(str(e)) from None


def event(db: IndexReader, seq: int) -> dict[str, Any]:
    rows = query(db, "SELECT seq, ts, run, type, tx, cause, data::VARCHAR AS data FROM events WHERE seq = $seq",
                 {"seq": seq})  # fmt: skip
    if not rows:
        raise NotFound(f"there is no event {seq} in the log")
    import json

    row = rows[0]
    row["data"] = json.loads(row["data"])
    return row


def run_status(db: IndexReader, run_id: str) -> dict[str, Any]:
    rows = query(db, "SELECT status, started, stopped, exit_status, label FROM runs WHERE id = $id", {"id": run_id})
    if not rows:
        raise NotFound(f"no run {run_id}")
    return rows[0]
