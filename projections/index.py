"""`index.duckdb`: the SQL projection of the log, caught up on demand.

Concurrency. DuckDB lets one process open a file read-write, and only when
no other process has it open at all; read-only opens may be many. Several
`ledger` processes (listings, SQL, batches appending events) run at once,
so writes to the index are serialised by an flock on `index.lock`:

- a reader takes the flock shared only while it attaches the file
  read-only; from then on DuckDB's own read lock protects its view;
- a writer (catch-up, rebuild) takes it exclusive, so no reader attaches
  mid-write. When readers still hold the file open, the writer does not
  wait for them: it copies the file, catches the copy up and renames it into
  place. Open readers keep their (older, consistent) file; new readers get
  the new one. A rebuild always builds a new file and renames it.

The applied position (seq, and where its line ends in the log) is stored in
the `position` table in the same transaction as the rows it accounts for,
so an interrupted catch-up leaves the index at an exact earlier prefix.

Connections attach the file into a fresh in-memory database rather than
opening it directly: DuckDB caches directly opened databases per path within
a process, which would hand out a stale file after a rename.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import StoreError
from ledger.home import Home
from ledger.progress import Progress
from ledger.projections import index_fold, index_source
from ledger.projections.index_anchor import LogBehind, refuse_a_shorter_log, same_log
from ledger.projections.index_anchor import position as _position
from ledger.projections.index_file import (
    CATALOG,
    Unreadable,
    attach,
    fresh_database,
    index_lock,
    is_out_of_space,
    try_attach,
)
from ledger.projections.index_schema import SCHEMA_VERSION, create_schema
from ledger.projections.index_source import ChainBroken
from ledger.projections.liveness import dead_running_runs
from ledger.sealing import GENESIS
from ledger.store import EventStore

if TYPE_CHECKING:
    import duckdb

_EVENT_COLUMNS = (
    "{'seq':'BIGINT','ts':'TIMESTAMPTZ','run':'VARCHAR','type':'VARCHAR','v':'INTEGER','tx':'BIGINT',"
    "'cause':'BIGINT','data':'JSON'}"
)
# How long a writer waits for readers to let go before copying instead, and
# how long a reader retries a file held read-write outside our protocol.
_WRITER_PATIENCE = 0.15
# How much of the log one transaction of a catch-up or rebuild applies.
FOLD_BYTES = 32 << 20
FOLD_MEMORY = "256MB"  # DuckDB's own limit while it does so
BUILD_CHECKPOINT = "1GB"  # how much a fresh index's write-ahead log may hold before it is checkpointed
_READER_PATIENCE = 10.0


# -- public API ------------------------------------------------------------


def connect(home: Home, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to the caught-up index, its tables unqualified.

    Read-only by default (several processes may hold one at once); close it
    when done. With read_only=False the caller holds the index exclusively
    until it closes: keep that short."""
    last = _log_tip(home)
    if read_only and home.index_path.exists():
        try:
            con = _open_reader(home)
        except Unreadable:
            con = None  # catch_up rebuilds it
        if con is not None:
            pos = _position(con)
            if pos is not None and pos[0] == SCHEMA_VERSION and (pos[1], pos[2] or GENESIS) == last:
                return _with_effective_status(con)
            con.close()
    try:
        catch_up(home)
    except (LogBehind, ChainBroken) as e:
        if not read_only:
            raise
        # reads go on over what the index holds: a prefix of the log whose chain was checked
        note_damage(home, str(e))
    except Exception as e:  # noqa: BLE001 - any failure to write the projection
        if not read_only or not is_out_of_space(e):
            raise
        sys.stderr.write(
            f"ledger: warning: {home.index_path.name} cannot be updated (no space left on the"
            " device); answering from a copy built in memory: free some space to make this fast again\n"
        )
        return _with_effective_status(_in_memory(home))
    if read_only:
        return _with_effective_status(_open_reader(home))
    with index_lock(home, exclusive=True):
        return attach(home.index_path, read_only=False, patience=_READER_PATIENCE)


def note_damage(home: Home, text: str) -> None:
    """Remember what was found wrong with the log, so that changes are
    refused; warned of once, however many times a command opens the index."""
    if text not in home.damage:
        home.damage.append(text)
        sys.stderr.write(f"ledger: warning: {text}\n")


def catch_up(home: Home) -> int:
    """Apply the events appended since the index's position; returns how
    many. Builds the index from scratch when it is missing, of another
    schema version, or not built from this log."""
    with index_lock(home, exclusive=True):
        if not home.index_path.exists():
            return _rebuild_locked(home)
        try:
            con = try_attach(home.index_path, read_only=False, patience=_WRITER_PATIENCE)
        except Unreadable:
            return _rebuild_locked(home)  # not a DuckDB file (any more): it is only a projection
        if con is not None:
            try:
                applied = _apply_new(home, con)
            finally:
                con.close()
        else:
            applied = _apply_to_copy(home)
        return _rebuild_locked(home) if applied is None else applied


def rebuild_index(home: Home) -> int:
    """Recreate `index.duckdb` from the whole log; returns the events applied."""
    with index_lock(home, exclusive=True):
        return _rebuild_locked(home)


# -- writing ---------------------------------------------------------------


def _apply_new(home: Home, con: duckdb.DuckDBPyConnection, scratch: str | None = None) -> int | None:
    """Catch `con` up; None when the index cannot be caught up and must be
    rebuilt (schema version, or a log that is not the one it was built from).

    The new events are applied FOLD_BYTES of log at a time, each part in its
    own transaction with the position it reaches: a whole-history rebuild
    then needs the memory of one part, not of the history, and an
    interrupted one keeps what it finished. With `scratch` (a full disk:
    the index is built in memory) memory is the only room, so it is not
    bounded."""
    pos = _position(con)
    if pos is None or pos[0] != SCHEMA_VERSION:
        return None
    _, first, prev_hash, segment, offset = pos
    seq = first
    con.execute("SET enable_progress_bar = false")  # ours, below, counts events and stays off pipes
    if scratch is None:
        bound_memory(home, con)
    store = EventStore(home.path / "events")
    try:
        with Progress("indexing the log", store.last_seq - first, "events") as progress:
            while True:
                try:
                    plan = index_source.plan(store, seq, prev_hash, segment, offset, max_bytes=FOLD_BYTES)
                except index_source.LogMismatch as e:
                    if same_log(con, store):
                        raise LogBehind(
                            f"the log does not extend what the index applied (seq {seq}; {e}): events were lost,"
                            " cut back or rewritten",
                            "run `ledger verify`",
                        ) from None
                    return None  # an index copied from another home: it is only a projection
                if not plan.empty:
                    _apply_part(home, con, plan, seq, scratch)
                    seq, prev_hash, segment, offset = plan.last_seq, plan.last_hash, plan.segment, plan.offset
                    progress.advance_to(seq - first)
                if plan.problem is not None:  # the prefix before it is committed: reads serve it
                    raise ChainBroken(plan.problem, seq - first, seq)
                if plan.empty:
                    return seq - first
    finally:
        store.close()


def bound_memory(home: Home, con: duckdb.DuckDBPyConnection) -> None:
    """Work over the whole history within FOLD_MEMORY: what does not fit
    spills beside the index, never into the directory ledger was started
    from (a user's project: its source)."""
    spill = os.fspath(home.path / ".index-spill").replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute(f"SET memory_limit = '{FOLD_MEMORY}'")


def _apply_part(home: Home, con: duckdb.DuckDBPyConnection, plan: index_source.Plan, seq: int,
                scratch: str | None) -> None:  # fmt: skip
    with index_source.SliceFiles(plan, scratch or home.path) as paths:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"INSERT INTO events SELECT seq, ts, run, type, v, tx, cause, data FROM read_json(?, "
                f"format='newline_delimited', columns={_EVENT_COLUMNS}) WHERE seq > ? AND seq <= ?",
                [paths, seq, plan.last_seq],
            )
            index_fold.apply(con, seq, home.blobs)
            con.execute(
                'UPDATE position SET seq = ?, hash = ?, segment = ?, "offset" = ?',
                [plan.last_seq, plan.last_hash, plan.segment, plan.offset],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _in_memory(home: Home) -> duckdb.DuckDBPyConnection:
    """A whole index of the log in memory, its scratch files in the system's
    temporary folder: for reads when the home's disk is full."""
    con = fresh_database()
    con.execute(f"ATTACH ':memory:' AS {CATALOG}")
    con.execute(f"USE {CATALOG}")
    create_schema(con, CATALOG)
    try:
        _apply_new(home, con, scratch=tempfile.gettempdir())
    except ChainBroken as e:
        note_damage(home, str(e))
    return con


def _apply_to_copy(home: Home) -> int | None:
    """Readers hold the index open: catch a copy up and rename it in."""
    target = home.index_path
    tmp = target.with_name(f"{target.name}.catchup-{os.getpid()}")
    wal = Path(f"{target}.wal")
    try:
        shutil.copyfile(target, tmp)
        if wal.exists():  # a crashed writer's committed work: the copy replays it
            shutil.copyfile(wal, Path(f"{tmp}.wal"))
        con = _attach_unpublished(tmp)
        broken = None
        try:
            try:
                applied = _apply_new(home, con)
            except ChainBroken as e:  # the intact prefix is kept: published below, then said
                applied, broken = e.applied, e
            con.execute(f"CHECKPOINT {CATALOG}")
        finally:
            con.close()
        if applied:
            wal.unlink(missing_ok=True)
            os.replace(tmp, target)
        if broken is not None:
            raise broken
        return applied
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _rebuild_locked(home: Home) -> int:
    refuse_a_shorter_log(home)
    target = home.index_path
    tmp = target.with_name(f"{target.name}.rebuild-{os.getpid()}")
    broken = None
    try:
        try:
            applied = build_file(home, tmp)
        except ChainBroken as e:  # the intact prefix replaces the index all the same: reads serve it
            applied, broken = e.applied, e
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    if broken is not None:
        raise broken
    return applied


def _attach_unpublished(path: Path) -> duckdb.DuckDBPyConnection:
    """A writer on an index file that is renamed into place (or compared)
    only once complete, and so checkpointed once, at the end, rather than
    at every part's commit: the parts need the log of their commits, not
    their checkpoints, which rewrote the runs table each time (a third of a
    1M-event fold)."""
    con = attach(path, read_only=False, patience=_READER_PATIENCE)
    con.execute(f"SET checkpoint_threshold = '{BUILD_CHECKPOINT}'")
    return con


def build_file(home: Home, path: Path) -> int:
    """A fresh index of the whole log at `path`; the events applied."""
    for stale in (path, Path(f"{path}.wal")):
        stale.unlink(missing_ok=True)
    os.makedirs(home.path, exist_ok=True)
    con = _attach_unpublished(path)
    broken = None
    try:
        create_schema(con, CATALOG)
        try:
            applied = _apply_new(home, con)
        except ChainBroken as e:  # the file holds the intact prefix: complete, then said
            applied, broken = e.applied, e
        con.execute(f"CHECKPOINT {CATALOG}")
    finally:
        con.close()
    if broken is not None:
        raise broken
    if applied is None:
        raise StoreError("the log changed while the index was being rebuilt; run `ledger rebuild` again")
    return applied


# -- reading ---------------------------------------------------------------


def _open_reader(home: Home) -> duckdb.DuckDBPyConnection:
    with index_lock(home, exclusive=False):
        return attach(home.index_path, read_only=True, patience=_READER_PATIENCE)


def connect_unchecked(home: Home) -> duckdb.DuckDBPyConnection | None:
    """The index as it is, not caught up (None when absent or unreadable):
    what it remembers, for `verify` to compare with the log."""
    if not home.index_path.exists():
        return None
    try:
        return _open_reader(home)
    except Unreadable:
        return None


def _with_effective_status(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Shadow `runs` with a view in which runs of this host whose owning
    process is gone read `terminated`, so SQL, listings and saved queries
    never show a killed run as running. Usually there are none: no view."""
    dead = dead_running_runs(con)
    if dead:
        ids = ", ".join("'" + r.replace("'", "''") + "'" for r in dead)
        con.execute(
            "CREATE TEMP VIEW runs AS SELECT * REPLACE ("
            f"CASE WHEN id IN ({ids}) THEN 'terminated' ELSE status END AS status) FROM {CATALOG}.main.runs"
        )
    return con


def log_last_seq(home: Home) -> int:
    """The seq of the log's last event (0 for an empty or absent log)."""
    return _log_tip(home)[0]


def _log_tip(home: Home) -> tuple[int, str]:
    """(seq, hash) of the log's last event ((0, GENESIS) for an empty or absent log)."""
    events = home.path / "events"
    if not events.exists():
        return 0, GENESIS
    store = EventStore(events)
    try:
        return store.last_seq, store.last_hash
    finally:
        store.close()
