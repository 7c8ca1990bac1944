"""The runs table of the view: one page of runs, sorted and filtered in SQL.

The page's free `WHERE` box is user SQL spliced into the listing query, so
a listing with one runs through `projections.sql.run_sql`, the sandbox of
`ledger sql` (on a connection of its own); without one it runs on the
view's kept connection (ledger.view.reader). Only the page's rows leave
DuckDB, so a page costs about the same with ten runs or a hundred thousand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ledger.errors import LedgerError
from ledger.projections.sql import run_sql
from ledger.view.reader import IndexReader
from ledger.view.run_data import fetch

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
STATUSES = ("running", "completed", "error", "terminated", "staged")
# sortable attribute columns -> the SQL that orders by them
ATTR_SORTS = {
    "index": "-seq", "id": "id", "op": "op", "status": "status", "label": "label",
    "started": "started", "duration": "coalesce(stopped, now()) - started",
}  # fmt: skip


@dataclass
class RunsQuery:
    """What the runs page was asked for (its URL's query string)."""

    op: str = ""
    status: str = ""
    tag: str = ""
    label: str = ""
    where: str = ""
    sort: str = "index"  # an ATTR_SORTS key, `flag:NAME` or `metric:KEY`
    desc: bool = False  # index ascending: newest first
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    def normalised(self) -> RunsQuery:
        size = self.size if self.size in PAGE_SIZES else DEFAULT_PAGE_SIZE
        sort = self.sort if self.sort in ATTR_SORTS or self.sort.startswith(("flag:", "metric:")) else "index"
        status = self.status if self.status in STATUSES else ""
        return RunsQuery(self.op.strip(), status, self.tag.strip(), self.label, self.where.strip(), sort,
                         self.desc, max(self.page, 1), size)  # fmt: skip

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string of this listing with `changes` applied."""
        out = {"op": self.op, "status": self.status, "tag": self.tag, "label": self.label, "where": self.where,
               "sort": self.sort, "desc": int(self.desc), "page": self.page, "size": self.size}  # fmt: skip
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass
class RunsPage:
    query: RunsQuery
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    flag_names: list[str] = field(default_factory=list)
    metric_keys: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.size))

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total, "page": self.query.page, "pages": self.pages, "size": self.query.size,
            "sort": self.query.sort, "desc": self.query.desc, "error": self.error,
            "flag_names": self.flag_names, "metric_keys": self.metric_keys, "runs": self.rows,
        }  # fmt: skip


def runs_page(db: IndexReader, query: RunsQuery) -> RunsPage:
    """One page of the runs table; a WHERE that the sandbox refuses or that
    does not run leaves the page empty with the reason in `error`."""
    q = query.normalised()
    page = RunsPage(q)
    try:
        page.ops, page.tags = _choices(db)
        sql, params = _listing_sql(q)
        if q.where:  # user SQL: through the sandbox, on a connection of its own
            rel = run_sql(db.home, sql, params)
            cols = list(rel.columns)
            rows = [dict(zip(cols, r)) for r in fetch(rel)]
        else:
            rows = db.rows(sql, params)
    except LedgerError as e:
        page.error = str(e)
        return page
    page.total = rows[0]["total"] if rows else 0
    ids = [r["id"] for r in rows]
    flags, metrics = _flags_and_metrics(db, ids)
    page.flag_names = sorted({n for f in flags.values() for n in f})
    page.metric_keys = sorted({k for m in metrics.values() for k in m})
    now = datetime.now(timezone.utc)
    for r in rows:
        r.pop("total", None)
        r.pop("sortkey", None)
        r["duration"] = _duration(r["started"], r["stopped"], r["status"], now)
        r["flags"] = flags.get(r["id"], {})
        r["metrics"] = metrics.get(r["id"], {})
    page.rows = rows
    return page


def _listing_sql(q: RunsQuery) -> tuple[str, dict[str, Any]]:
    where = ["NOT deleted"]
    params: dict[str, Any] = {"limit": q.size, "offset": (q.page - 1) * q.size}
    if q.op:
        where.append("op GLOB $op" if any(c in q.op for c in "*?[") else "op = $op")
        params["op"] = q.op
    if q.status:
        where.append("status = $status")
        params["status"] = q.status
    if q.tag:
        where.append("list_contains(tags, $tag)")
        params["tag"] = q.tag
    if q.label:
        where.append("contains(lower(coalesce(label, '')), lower($label))")
        params["label"] = q.label
    if q.where:
        # on lines of its own: a trailing `--` comment cannot swallow the rest
        where.append(f"(\n{q.where}\n)")
    join = ""
    if q.sort in ATTR_SORTS:
        keys = [ATTR_SORTS[q.sort]]
    elif q.sort.startswith("flag:"):
        params["sortname"] = q.sort[5:]
        join = "LEFT JOIN (SELECT run, value_num, value_text FROM flags WHERE name = $sortname) k ON k.run = runs.id"
        keys = ["k.value_num", "k.value_text"]  # numbers in numeric order, then the others as text
    else:
        params["sortname"] = q.sort[7:]
        join = ("LEFT JOIN (SELECT run, arg_max(value, (seq, ts, step)) AS value FROM scalars"
                " WHERE key = $sortname GROUP BY run) k ON k.run = runs.id")  # fmt: skip
        keys = ["k.value"]
    direction = "DESC" if q.desc else "ASC"
    sortcols = ", ".join(f"{key} AS sort{i}" for i, key in enumerate(keys))
    order = ", ".join(f"sort{i} {direction} NULLS LAST" for i in range(len(keys)))
    # the window is picked on narrow rows (id, the sort key); only its rows
    # are then read whole: sorting 100,000 whole rows costs most of a page
    sql = f"""
WITH listed AS (
    SELECT id, seq, {sortcols}, row_number() OVER (ORDER BY seq DESC) AS "index", count(*) OVER () AS total
    FROM runs {join}
    WHERE {' AND '.join(where)}
), picked AS (
    SELECT * FROM listed ORDER BY {order}, seq DESC LIMIT $limit OFFSET $offset
)
SELECT p."index", r.id, r.op, r.kind, r.status, r.label, r.created, r.started, r.stopped, r.tags, r.proto, r.batch,
       p.total
FROM picked p JOIN runs r ON r.id = p.id
ORDER BY {order.replace("sort", "p.sort")}, p.seq DESC"""
    return sql, params


def _flags_and_metrics(db: IndexReader, ids: list[str]) -> tuple[dict[str, dict], dict[str, dict]]:
    """The page's flags (as text) and last scalar values, in one statement."""
    if not ids:
        return {}, {}
    rows = db.rows("""
        WITH picked AS (SELECT unnest($ids::VARCHAR[]) AS id)
        SELECT 'flag' AS kind, run, name, value_text AS text, NULL::DOUBLE AS value
        FROM flags WHERE run IN (SELECT id FROM picked)
        UNION ALL
        SELECT 'metric', run, key, NULL, arg_max(value, (seq, ts, step))
        FROM scalars WHERE run IN (SELECT id FROM picked) GROUP BY run, key""", {"ids": ids})
    flags: dict[str, dict[str, Any]] = {}
    metrics: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["kind"] == "flag":
            flags.setdefault(r["run"], {})[r["name"]] = r["text"]
        else:
            metrics.setdefault(r["run"], {})[r["name"]] = r["value"]
    return flags, metrics


def _choices(db: IndexReader) -> tuple[list[str], list[str]]:
    """The operations and tags the filters offer."""
    ops = [r["op"] for r in db.rows("SELECT DISTINCT op FROM runs WHERE NOT deleted ORDER BY op LIMIT 500")]
    tags = [r["tag"] for r in db.rows("SELECT DISTINCT tag FROM tags ORDER BY tag LIMIT 500")]
    return ops, tags


def _duration(started: datetime | None, stopped: datetime | None, status: str, now: datetime) -> float | None:
    if started is None:
        return None
    end = stopped or (now if status == "running" else None)
    return (end - started).total_seconds() if end else None
