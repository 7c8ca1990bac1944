"""The view's own read-only connection to the index, kept between requests.

Attaching `index.duckdb` costs tens of milliseconds, more than the queries
of a page; a page asks several. So the view keeps one read-only connection
(from `projections.index.connect`, which catches the index up first) and
opens a new one only when the log has moved on, or every few seconds so
that a run whose process died reads `terminated`. Statements a user wrote
never use it: they go through the sandbox (`projections.sql.run_sql`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ledger.home import Home
from ledger.projections.index import connect, log_last_seq

if TYPE_CHECKING:
    import duckdb

MAX_AGE = 5.0  # seconds a connection serves while the log stands still


class IndexReader:
    def __init__(self, home: Home) -> None:
        self.home = home
        self._con: duckdb.DuckDBPyConnection | None = None
        self._seq = -1
        self._opened = 0.0
        self._lock = threading.Lock()  # one statement at a time on the shared connection

    def log_seq(self) -> int:
        return log_last_seq(self.home)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            seq = self.log_seq()
            if self._con is None or seq != self._seq or time.monotonic() - self._opened > MAX_AGE:
                if self._con is not None:
                    self._con.close()
                self._con = None
                self._con = connect(self.home)
                self._seq, self._opened = seq, time.monotonic()
            yield self._con

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of one of the view's own statements, as dicts."""
        with self.connection() as con:
            cur = con.execute(sql, params or {})
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
