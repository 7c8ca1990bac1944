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
from urllib.parse import urlsplit

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.view import formatting, routes_compare, routes_runs, routes_sql
from ledger.view.integrity import Integrity
from ledger.view.reader import IndexReader
from ledger.view.responses import error, json_response, page
from ledger.view.run_data import NotFound

HERE = Path(__file__).resolve().parent
TOKEN_COOKIE = "ledger_view_token"
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
        return error(request, str(exc), 404)

    @app.exception_handler(LedgerError)
    async def bad_request(request: Request, exc: LedgerError):
        return error(request, str(exc), 400)

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

    for module in (routes_runs, routes_compare, routes_sql):
        app.include_router(module.router)
    return app
