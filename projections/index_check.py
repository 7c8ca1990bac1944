"""`ledger verify`'s look at the index: does `index.duckdb` hold exactly
what a fold of the log gives? An edit made directly in the file (a forged
flag, a deleted row) is named by its table."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.projections import index

if TYPE_CHECKING:
    import duckdb

TABLES = ("events", "runs", "flags", "scalars", "sourcecode", "artifacts", "trials", "tags", "comments", "output")


def index_problem(home: Home) -> str | None:
    """One line on what differs between the index and a fold of the log,
    or None when they agree (or there is no index: it is built on demand)."""
    if not home.index_path.exists():
        return None
    try:
        index.catch_up(home)
    except index.LogBehind as e:
        return str(e)
    with tempfile.TemporaryDirectory(prefix="ledger-verify-") as tmp:
        fresh = Path(tmp) / "fresh.duckdb"
        index.build_file(home, fresh)
        con = index.connect(home)
        try:
            con.execute(f"ATTACH '{str(fresh).replace(chr(39), chr(39) * 2)}' AS fresh (READ_ONLY)")
            have = con.execute("SELECT seq FROM position").fetchone()
            want = con.execute("SELECT seq FROM fresh.main.position").fetchone()
            if have != want:
                return None  # a writer appended in between: nothing to compare at one position
            for table in TABLES:
                # output.tail and scalars are read from blobs: a purge removes
                # them, so a fresh fold cannot know what the index kept
                cols = "* EXCLUDE (tail)" if table == "output" else "*"
                kept = " WHERE run NOT IN (SELECT id FROM fresh.main.runs WHERE purged)" if table == "scalars" else ""
                ours = f"SELECT {cols} FROM {index.CATALOG}.main.{table}{kept}"
                log = f"SELECT {cols} FROM fresh.main.{table}{kept}"
                extra = _count(con, f"SELECT count(*) FROM ({ours} EXCEPT ALL {log})")
                missing = _count(con, f"SELECT count(*) FROM ({log} EXCEPT ALL {ours})")
                if extra or missing:
                    return (
                        f"index.duckdb table {table} differs from the log ({extra} rows not in the log, {missing}"
                        " missing): it was edited; delete index.duckdb, it is rebuilt from the log"
                    )
        finally:
            con.close()
    return None


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


class IndexCheck:
    """`index_problem` in a thread of its own, started before the log is
    walked and read after: DuckDB folds on one core while Python walks on
    the other. A daemon, so Ctrl-C ends `verify` at once; and on a damaged
    log the fold may fail in any way, which `problem` turns into one line
    (the walk's finding is the one to name then)."""

    def __init__(self, home: Home) -> None:
        self._outcome: list[tuple[str | None, BaseException | None]] = []
        self._thread = threading.Thread(target=self._run, args=(home,), daemon=True, name="ledger-index-check")
        self._thread.start()

    def _run(self, home: Home) -> None:
        try:
            self._outcome.append((index_problem(home), None))
        except Exception as e:  # noqa: BLE001 -- reported by problem(), in the main thread
            self._outcome.append((None, e))

    def problem(self) -> str | None:
        self._thread.join()
        problem, error = self._outcome[0]
        if error is None:
            return problem
        if isinstance(error, LedgerError):
            return str(error)
        said = (str(error).splitlines() or [type(error).__name__])[0]
        return (
            f"index.duckdb could not be compared with a fold of the log ({said});"
            " delete it, it is rebuilt from the log"
        )
