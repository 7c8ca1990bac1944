"""The SQL page: a statement or a saved query with its parameters, its
result, and the result as CSV or Parquet. Every statement goes through
`projections.sql` (run_sql, and run_saved of saved_queries), the sandbox of `ledger sql`."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.errors import LedgerError
from ledger.projections import sql
from ledger.projections.saved_queries import run_saved, saved_queries
from ledger.projections.sql import write_result
from ledger.view.responses import json_response, page
from ledger.view.run_data import fetch

router = APIRouter()
SHOWN_ROWS = 1000  # the page shows this many rows; downloads have them all
EXAMPLE = "SELECT op, status, count(*) AS runs FROM runs GROUP BY ALL ORDER BY runs DESC"


def _params(request: Request) -> dict[str, str]:
    return {k[2:]: v for k, v in request.query_params.items() if k.startswith("p.") and len(k) > 2}


def _relation(home, q: str, saved: str, params: dict[str, str], writes_to: Path | None = None):
    """The sandboxed relation of `q` or of saved query `saved`; `writes_to`
    is the one file the sandbox lets DuckDB write it to (Parquet)."""
    if saved:
        return run_saved(home, saved, params, writes_to=writes_to)
    if not q.strip():
        raise sql.QueryError("write a query, e.g. " + EXAMPLE)
    return sql.run_sql(home, q, writes_to=writes_to)


def _result(home, q: str, saved: str, params: dict[str, str]) -> dict[str, Any]:
    rel = _relation(home, q, saved, params)
    columns = list(rel.columns)
    rows = fetch(rel, SHOWN_ROWS + 1)
    return {"columns": columns, "rows": rows[:SHOWN_ROWS], "truncated": len(rows) > SHOWN_ROWS}


def _saved(home) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "description": s.description, "source": s.source, "sql": s.sql,
         "params": [{"name": p.name, "description": p.description, "default": p.default} for p in s.params]}
        for s in saved_queries(home).values()
    ]  # fmt: skip


@router.get("/sql")
def sql_page(request: Request, q: str = "", saved: str = ""):
    home = request.app.state.home
    params = _params(request)
    result, error = None, None
    if q.strip() or saved:
        try:
            result = _result(home, q, saved, params)
        except LedgerError as e:
            error = str(e)
    return page(request, "sql.html", q=q or ("" if saved else EXAMPLE), saved=saved, params=params,
                result=result, error=error, queries=_saved(home))  # fmt: skip


@router.get("/api/sql")
def sql_json(request: Request, q: str = "", saved: str = ""):
    home = request.app.state.home
    try:
        result = _result(home, q, saved, _params(request))
    except LedgerError as e:
        return json_response({"error": str(e)}, 400)
    return json_response(result)


@router.get("/api/queries")
def queries_json(request: Request):
    return json_response(_saved(request.app.state.home))


@router.get("/sql/result.csv")
def sql_csv(request: Request, q: str = "", saved: str = ""):
    rel = _relation(request.app.state.home, q, saved, _params(request))
    out = io.StringIO()
    write_result(rel, "csv", stream=out)
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{saved or "query"}.csv"'})  # fmt: skip


@router.get("/sql/result.parquet")
def sql_parquet(request: Request, q: str = "", saved: str = ""):
    # DuckDB writes Parquet to a file: a new one in a private temporary
    # folder outside the home (over an existing file it would write a second,
    # temporary one, which the sandbox does not allow)
    with tempfile.TemporaryDirectory(prefix="ledger-view-") as folder:
        path = Path(folder) / "result.parquet"
        rel = _relation(request.app.state.home, q, saved, _params(request), writes_to=path)
        try:
            rel.write_parquet(str(path))
        except Exception as e:  # duckdb.Error, imported lazily
            raise LedgerError(f"cannot write the result as Parquet: {str(e).splitlines()[0]}") from None
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": f'attachment; filename="{saved or "query"}.parquet"'})  # fmt: skip
