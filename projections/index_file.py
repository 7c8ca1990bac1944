"""Opening `index.duckdb`: the flock on `index.lock` that orders writers
and readers (see ledger.projections.index), and attaching the file into a
fresh in-memory database whose session keeps times in UTC."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ledger.errors import StoreError
from ledger.home import Home

if TYPE_CHECKING:
    import duckdb

CATALOG = "idx"


@contextmanager
def index_lock(home: Home, *, exclusive: bool) -> Iterator[None]:
    try:
        os.makedirs(home.path, exist_ok=True)
        fd = os.open(home.path / "index.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StoreError(f"cannot open {home.path}/index.lock: {e.strerror}; check LEDGER_HOME") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


class Unreadable(StoreError):
    """The index file cannot be opened for a reason other than a lock."""


_LOCK_CONFLICTS = ("could not set lock", "conflicting lock", "unique file handle conflict", "already attached",
                   "different configuration")  # fmt: skip


def is_lock_conflict(err: Exception) -> bool:
    text = str(err).lower()
    return any(phrase in text for phrase in _LOCK_CONFLICTS)


def is_out_of_space(err: BaseException) -> bool:
    """Whether a write failed because the device is full (DuckDB says so in its message only)."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    return "no space left" in str(err).lower() or "disk full" in str(err).lower()


def try_attach(path: str | os.PathLike[str], *, read_only: bool, patience: float) -> duckdb.DuckDBPyConnection | None:
    """Attach `path` as the default catalog of a fresh in-memory database;
    None if another holder keeps it locked for longer than `patience` s."""
    import duckdb

    deadline = time.monotonic() + patience
    delay = 0.005
    quoted = os.fspath(path).replace("'", "''")
    mode = " (READ_ONLY)" if read_only else ""
    while True:
        con = fresh_database()
        try:
            con.execute(f"ATTACH '{quoted}' AS {CATALOG}{mode}")
            con.execute(f"USE {CATALOG}")
            return con
        except duckdb.Error as e:
            con.close()
            if not is_lock_conflict(e):
                name = os.path.basename(path)
                if is_out_of_space(e):  # not the file's fault: nothing to delete
                    shown = name.split(".duckdb")[0] + ".duckdb"  # not the name of a rebuild's scratch copy
                    raise StoreError(
                        f"{shown} cannot be written: no space left on the device; free some space and try again"
                    ) from None
                raise Unreadable(
                    f"{name} cannot be opened ({str(e).splitlines()[0]}); delete it and run `ledger rebuild`"
                ) from None
        if time.monotonic() >= deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def fresh_database() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database whose session reads and shows TIMESTAMPTZ
    in UTC, as the log writes times, whatever the machine's zone."""
    import duckdb

    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    return con


def attach(path: str | os.PathLike[str], *, read_only: bool, patience: float) -> duckdb.DuckDBPyConnection:
    con = try_attach(path, read_only=read_only, patience=patience)
    if con is None:
        raise StoreError(
            f"{os.path.basename(path)} is held open for writing by another program; close it (or wait) and try again"
        )
    return con
