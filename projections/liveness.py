"""Whether a run logged as running still is: its owning process's liveness."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


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
