"""The index as an anchor of the chain: its `position` row remembers the
highest (seq, hash) it applied. A log that no longer holds that event was
cut back or rewritten after the index was built; the index is then the
evidence, never a stale file to delete, and is never silently rebuilt from
the shorter or rewritten log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.errors import CorruptLogError, StoreError
from ledger.home import Home
from ledger.projections.index_file import Unreadable, try_attach
from ledger.store import EventStore

if TYPE_CHECKING:
    import duckdb

_PATIENCE = 0.15  # how long to wait for a writer holding the index


class LogBehind(StoreError):
    """The index applied events the log no longer has, or has otherwise."""


def position(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(schema_version, seq, hash, segment, offset) of the index, or None."""
    import duckdb

    try:
        return con.execute('SELECT schema_version, seq, hash, segment, "offset" FROM position').fetchone()
    except duckdb.Error:
        return None


def same_log(con: duckdb.DuckDBPyConnection, store: EventStore) -> bool:
    """Was the index built from this log (the run of its first event, a
    random id)? An index copied from another home was not."""
    row = con.execute("SELECT run FROM events WHERE seq = 1").fetchone()
    if row is None:
        return False  # the index holds nothing to protect
    first = next(store.read_raw(1), None)
    return first is None or row[0] == first["run"]


def anchor_problem(con: duckdb.DuckDBPyConnection, home: Home) -> str | None:
    """Why the log of `home` does not hold the event the index `con` applied
    last, if it does not (an index of another home's log is no anchor of
    this one)."""
    store = EventStore(home.path / "events")
    try:
        return _anchor_problem(con, store)
    finally:
        store.close()


def _anchor_problem(con: duckdb.DuckDBPyConnection, store: EventStore) -> str | None:
    pos = position(con)
    if pos is None or not pos[1]:
        return None
    seq, digest = pos[1], pos[2]
    if seq > store.last_seq:
        if not same_log(con, store):
            return None
        return (
            f"the log ends at seq {store.last_seq} but the index applied seq {seq}: the log was cut back"
            " (events lost) after index.duckdb was built; keep index.duckdb, it is the evidence"
        )
    try:
        event = next(store.read_raw(seq), None)
    except CorruptLogError:
        return None  # damage inside the chain: the walk names it
    if event is None or event["seq"] != seq or event["hash"] == digest or not same_log(con, store):
        return None
    return (
        f"the log's history was rewritten: seq {seq} has hash {event['hash'][:16]}..., not the"
        f" {str(digest)[:16]}... index.duckdb applied; keep index.duckdb, it is the evidence"
    )


def refuse_a_shorter_log(home: Home) -> None:
    """The index being replaced remembers how far it applied this log: a
    rebuild never silently forgets or replaces history the log no longer has."""
    if not home.index_path.exists():
        return
    try:
        con = try_attach(home.index_path, read_only=True, patience=_PATIENCE)
    except Unreadable:
        return
    if con is None:
        return
    try:
        problem = anchor_problem(con, home)
    finally:
        con.close()
    if problem is not None:
        raise LogBehind(problem, "run `ledger verify`")
