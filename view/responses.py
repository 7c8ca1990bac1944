"""How the view's routes answer: a full page, a fragment of one, or JSON."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from ledger.view import formatting

POLL_MS = 1000  # pages ask for the log's tip this often; a change refreshes what they show


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A full page: every page shows the chain's status and polls the tip."""
    state = request.app.state
    context.update(request=request, integrity=state.integrity.status(), poll_ms=POLL_MS)
    return state.templates.TemplateResponse(request, template, context)


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, {"request": request, **context})


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(formatting.jsonable(data), status_code=status_code)


def error(request: Request, message: str, status: int) -> HTMLResponse | JSONResponse:
    """An error as JSON under /api, else as a page."""
    if request.url.path.startswith("/api/"):
        return json_response({"error": message}, status)
    response = page(request, "error.html", message=message, status=status)
    response.status_code = status
    return response
