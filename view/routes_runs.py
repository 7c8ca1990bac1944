"""The runs table and the run page, as HTML and as JSON."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from ledger.executor.runinfo import output_chunks
from ledger.view import run_data
from ledger.view.lineage import lineage_graph
from ledger.view.listing import PAGE_SIZES, STATUSES, RunsQuery, runs_page
from ledger.view.responses import fragment, json_response, page

router = APIRouter()


def _runs_query(op: str, status: str, tag: str, label: str, where: str, sort: str, desc: int, page: int,
                size: int) -> RunsQuery:  # fmt: skip
    return RunsQuery(op, status, tag, label, where, sort, bool(desc), page, size).normalised()


@router.get("/runs")
def runs(request: Request, op: str = "", status: str = "", tag: str = "", label: str = "", where: str = "",
         sort: str = "index", desc: int = 0, page_no: int = Query(1, alias="page"), size: int = 50,
         fragment_only: int = Query(0, alias="fragment")):  # fmt: skip
    """`?fragment=1` is the table alone (the live refresh)."""
    query = _runs_query(op, status, tag, label, where, sort, desc, page_no, size)
    listing = runs_page(request.app.state.db, query)
    context = {"listing": listing, "q": query, "statuses": STATUSES, "page_sizes": PAGE_SIZES}
    if fragment_only:
        return fragment(request, "runs_table.html", **context)
    return page(request, "runs.html", **context)


@router.get("/api/runs")
def runs_json(request: Request, op: str = "", status: str = "", tag: str = "", label: str = "", where: str = "",
              sort: str = "index", desc: int = 0, page_no: int = Query(1, alias="page"), size: int = 50):  # fmt: skip
    query = _runs_query(op, status, tag, label, where, sort, desc, page_no, size)
    listing = runs_page(request.app.state.db, query)
    return json_response(listing.as_json(), 400 if listing.error else 200)


@router.get("/runs/{ref}")
def run_page(request: Request, ref: str):
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    run = run_data.run_detail(db, run_id)
    scalars = run_data.scalar_series(db, [run_id]).get(run_id, {})
    output = run_data.output_text(db, run_id)
    graph = lineage_graph(db, run_id)
    return page(request, "run.html", run=run, scalars=scalars, output=output, graph=graph)


@router.get("/api/runs/{ref}")
def run_json(request: Request, ref: str):
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    return json_response(run_data.run_detail(db, run_id))


@router.get("/api/runs/{ref}/scalars")
def run_scalars(request: Request, ref: str):
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    return json_response(run_data.scalar_series(db, [run_id]).get(run_id, {}))


@router.get("/api/runs/{ref}/output")
def run_output(request: Request, ref: str, offset: Optional[int] = None, before: Optional[int] = None):
    """The output's last page; `?before=N` the page before byte N; `?offset=N` from byte N on."""
    db = request.app.state.db
    return json_response(run_data.output_text(db, run_data.resolve(db, ref), offset, before))


@router.get("/runs/{ref}/output")
def run_output_whole(request: Request, ref: str) -> StreamingResponse:
    """All of the run's output as plain text, streamed from the log a chunk
    at a time (never rendered as HTML)."""
    db = request.app.state.db
    return StreamingResponse(output_chunks(db.home, run_data.resolve(db, ref)), media_type="text/plain; charset=utf-8")


@router.get("/api/runs/{ref}/live")
def run_live(request: Request, ref: str, offset: int = 0):
    """What a run's open page refreshes: status, curves, new output."""
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    return json_response({
        "status": run_data.run_status(db, run_id),
        "scalars": run_data.scalar_series(db, [run_id]).get(run_id, {}),
        "output": run_data.output_text(db, run_id, offset),
    })  # fmt: skip


@router.get("/api/runs/{ref}/lineage")
def run_lineage(request: Request, ref: str):
    db = request.app.state.db
    return json_response(lineage_graph(db, run_data.resolve(db, ref)))


def _against(db, run: dict, against: str) -> str | None:
    if against:
        return run_data.resolve(db, against)
    return run.get("proto")


@router.get("/runs/{ref}/diff")
def run_diff(request: Request, ref: str, against: str = ""):
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    run = run_data.run_detail(db, run_id)
    other = _against(db, run, against)
    text = run_data.source_diff(db, run_id, other) if other else None
    return page(request, "diff.html", run=run, other=other, diff=text, against=against)


@router.get("/api/runs/{ref}/diff")
def run_diff_json(request: Request, ref: str, against: str = ""):
    db = request.app.state.db
    run_id = run_data.resolve(db, ref)
    other = _against(db, run_data.run_detail(db, run_id), against)
    if not other:
        raise run_data.NotFound("this run has no proto: say which run to diff against with ?against=RUN")
    return json_response({"run": run_id, "against": other, "diff": run_data.source_diff(db, run_id, other)})


@router.get("/runs/{ref}/files/{path:path}")
def run_file(request: Request, ref: str, path: str) -> PlainTextResponse:
    """A file of the run as plain text (never rendered as HTML)."""
    db = request.app.state.db
    data = run_data.source_file(db, run_data.resolve(db, ref), path)
    return PlainTextResponse(data.decode("utf-8", "replace"))


@router.get("/api/events/{seq}")
def event_json(request: Request, seq: int):
    return json_response(run_data.event(request.app.state.db, seq))
