"""The compare page: the selected runs, or a batch's trials."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from ledger.view.compare_data import compare_data, selected_ids
from ledger.view.responses import json_response, page

router = APIRouter()


@router.get("/compare")
def compare(request: Request, runs: list[str] = Query(default=[]), batch: str = ""):
    db = request.app.state.db
    data = compare_data(db, selected_ids(db, runs, batch or None))
    return page(request, "compare.html", data=data, batch=batch)


@router.get("/api/compare")
def compare_json(request: Request, runs: list[str] = Query(default=[]), batch: str = ""):
    db = request.app.state.db
    return json_response(compare_data(db, selected_ids(db, runs, batch or None)))
