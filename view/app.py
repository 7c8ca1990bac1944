"""The `ledger view` web app: server-rendered pages over one home, each
page also as JSON under /api, read-only (GET only).

A view bound to an address other than loopback is reachable by others, so
it is created with a token: every request must carry it (`?token=`, as the
printed URL does, after which a cookie carries it) or gets 403. A view on
loopback needs no token, so it answers only requests addressed to loopback by
name: a web page whose own domain was re-pointed at 127.0.0.1 (DNS
rebinding) sends its domain in the Host header and gets 403.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.view import formatting
from ledger.view.integrity import Integrity
from ledger.view.reader import IndexReader
from ledger.view.run_data import NotFound

HERE = Path(__file__).resolve().parent
TOKEN_COOKIE = "ledger_view_token"
POLL_MS = 1000  # pages ask for the log's tip this often; a change refreshes what they show
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def addressed_to_loopback(host_header: str) -> bool:
    """Whether a Host header (`name`, `name:port`, `[::1]:port`) names loopback."""
    try:
        name = urlsplit(f"//{host_header}").hostname
    except ValueError:
        return False
    return name in LOOPBACK_NAMES


def plotly_js() -> Path:
    """plotly.js as the plotly package ships it: the view works offline."""
    from importlib.resources import files

    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def create_app(home: Home, token: str | None = None) -> FastAPI:
    """The app over `home`; with a `token`, every request must present it."""
    app = FastAPI(title="ledger view", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.home = home
    app.state.token = token
    app.state.integrity = Integrity(home)
    app.state.db = IndexReader(home)
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    templates = Jinja2Templates(env=env)
    formatting.install(templates.env)
    app.state.templates = templates

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        expected = request.app.state.token
        if expected is None:
            if not addressed_to_loopback(request.headers.get("host", "")):
                return PlainTextResponse(
                    "403: this view answers only at 127.0.0.1 or localhost; open the URL that `ledger view` printed",
                    status_code=403,
                )
            return await call_next(request)
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not secrets.compare_digest(given.encode(), expected.encode()):
            return PlainTextResponse(
                "403: this view needs its token; open the URL that `ledger view` printed", status_code=403
            )
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, expected, httponly=True, samesite="strict")
        return response

    @app.middleware("http")
    async def no_sniffing(request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        return response

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _error(request, str(exc), 404)

    @app.exception_handler(LedgerError)
    async def bad_request(request: Request, exc: LedgerError):
        return _error(request, str(exc), 400)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/runs")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        path = HERE / "static" / name
        if "/" in name or not path.is_file():
            raise NotFound(f"no static file {name}")
        return FileResponse(path)

    @app.get("/api/tip")
    def tip(request: Request) -> JSONResponse:
        return json_response(request.app.state.integrity.tip())

    @app.get("/api/integrity")
    def integrity_json(request: Request, verify: bool = False) -> JSONResponse:
        if verify:
            request.app.state.integrity.verify()
        return json_response(request.app.state.integrity.status())

    @app.get("/integrity", response_class=HTMLResponse)
    def integrity_page(request: Request, verify: bool = False):
        if verify:
            request.app.state.integrity.verify()
            return RedirectResponse("/integrity", status_code=303)
        return page(request, "integrity.html")

    from ledger.view import routes_compare, routes_runs, routes_sql

    for module in (routes_runs, routes_compare, routes_sql):
        app.include_router(module.router)
    return app


def page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A full page: every page shows the chain's status and polls the tip."""
    state = request.app.state
    context.update(request=request, integrity=state.integrity.status(), poll_ms=POLL_MS)
    return state.templates.TemplateResponse(request, template, context)


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, {"request": request, **context})


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(formatting.jsonable(data), status_code=status_code)


def _error(request: Request, message: str, status: int):
    if request.url.path.startswith("/api/"):
        return json_response({"error": message}, status)
    response = page(request, "error.html", message=message, status=status)
    response.status_code = status
    return response
