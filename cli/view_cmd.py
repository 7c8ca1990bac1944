"""`ledger view`: the web view of the current home."""

from __future__ import annotations

import typer

from ledger.cli.command import Commands
from ledger.errors import LedgerError
from ledger.home import Home
from ledger.limits import is_digits

INSTALL_HINT = "ledger view needs the web extra; install it with: pip install 'ledger-ml[view]'"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _free_port(host: str) -> int:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_port(host: str, port: int) -> None:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise LedgerError(f"cannot listen on {host}:{port} ({e.strerror}); try --port auto") from None


def _can_open_browser() -> bool:
    import os
    import sys

    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def view(
    host: str = typer.Option(
        "127.0.0.1", "--host", metavar="HOST", help="Address to listen on; any but loopback needs the token."
    ),
    port: str = typer.Option("6006", "--port", metavar="PORT", help="Port number, or `auto` for a free one."),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open a browser."),
) -> None:
    """Browse runs, curves, sweeps, lineage and SQL in a web browser (read-only).

    Example: ledger view --port auto
    """
    try:
        import fastapi  # noqa: F401
        import jinja2  # noqa: F401
        import plotly  # noqa: F401
        import uvicorn
    except ImportError:
        raise LedgerError(INSTALL_HINT) from None
    import secrets
    import threading

    from ledger.view.app import create_app

    home = Home()
    home.ensure_exists("set LEDGER_HOME to a ledger's folder, or run something")
    if port == "auto":
        number = _free_port(host)
    elif is_digits(port) and 0 < int(port) < 65536:
        number = int(port)
        _check_port(host, number)
    else:
        raise LedgerError(f"--port {port!r} is not a port number; give e.g. --port 6006, or --port auto")
    token = None if host in LOOPBACK else secrets.token_urlsafe(24)
    app = create_app(home, token)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{number}/runs" + (f"?token={token}" if token else "")
    # the header shows the last verify's result: the first one runs now, beside the server
    threading.Thread(target=app.state.integrity.verify, daemon=True).start()
    typer.echo(f"ledger view of {home.path}: {url}")
    typer.echo("Press Ctrl-C to stop.")
    if not no_open and _can_open_browser():
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=number, log_level="warning")


app = Commands()
app.command("view")(view)
