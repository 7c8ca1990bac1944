"""`ledger verify`'s look at the index: does `index.duckdb` hold exactly
what a fold of the log gives? An edit made directly in the file (a forged
flag, a deleted row) is named by its table."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import LedgerError
from ledger.home import Home
from ledger.projections import index
from ledger.projections.index_anchor import anchor_problem
from ledger.projections.index_file import is_out_of_space

if TYPE_CHECKING:
    import duckdb

TABLES = ("events", "runs", "flags", "scalars", "sourcecode", "artifacts", "trials", "tags", "comments", "output")
# (table, columns, rows) compared. Scalars and output tails are read from
# blobs, which a purge removes: a fresh fold cannot know what the index kept
# of a purged run, so those rows are compared for the other runs only.
_NOT_PURGED = " WHERE run NOT IN (SELECT id FROM fresh.main.runs WHERE purged)"
COMPARED = [(t, "*", _NOT_PURGED if t == "scalars" else "") for t in TABLES if t != "output"] + [
    ("output", "* EXCLUDE (tail)", ""),
    ("output", "run, tail", _NOT_PURGED),
]
# What starts the line of the check's process that gives its answer (a
# library may print to its output too)
ANSWER = "index check: "
NO_SPACE = (
    "index.duckdb could not be compared with a fold of the log: no space left on the device;"
    " free some space and run `ledger verify` again"
)
# Columns that tell a table's rows apart in a fold of the log (checked, not assumed)
KEYS = {"events": ("seq",), "runs": ("id",), "sourcecode": ("run", "path")}


def index_problem(home: Home) -> str | None:
    """One line on what differs between the index and a fold of the log,
    or None when they agree (or there is no index: it is built on demand)."""
    if not home.index_path.exists():
        return None
    anchor = _anchor_problem(home)
    if anchor is None:
        try:
            index.catch_up(home)
        except (index.LogBehind, index.ChainBroken) as e:
            return e.said_by("ledger verify")
    with tempfile.TemporaryDirectory(prefix="ledger-verify-") as tmp:
        fresh = Path(tmp) / "fresh.duckdb"
        index.build_file(home, fresh)
        con = index.connect(home) if anchor is None else index.connect_unchecked(home)
        if con is None:
            return anchor
        try:
            con.execute("SET enable_progress_bar = false")  # this process's output is its answer
            index.bound_memory(home, con)  # the comparison holds whole tables: DuckDB's default is most of RAM
            con.execute(f"ATTACH '{str(fresh).replace(chr(39), chr(39) * 2)}' AS fresh (READ_ONLY)")
            if anchor is not None:
                return _position_edited(con) or anchor
            have = con.execute("SELECT seq FROM position").fetchone()
            want = con.execute("SELECT seq FROM fresh.main.position").fetchone()
            if have != want:
                return None  # a writer appended in between: nothing to compare at one position
            return _table_edited(con)
        finally:
            con.close()
    return None


def _table_edited(con: duckdb.DuckDBPyConnection) -> str | None:
    for table, cols, kept in COMPARED:
        ours = f"SELECT {cols} FROM {index.CATALOG}.main.{table}{kept}"
        log = f"SELECT {cols} FROM fresh.main.{table}{kept}"
        sizes = [_count(con, f"SELECT count(*) FROM ({rows})") for rows in (ours, log)]
        if sizes[0] == sizes[1] and _same_rows(con, table, ours, log):
            continue
        extra = _count(con, f"SELECT count(*) FROM ({ours} EXCEPT ALL {log})")
        missing = _count(con, f"SELECT count(*) FROM ({log} EXCEPT ALL {ours})")
        if extra or missing:
            return (
                f"index.duckdb table {table} differs from the log ({extra} rows not in the log, {missing}"
                " missing): it was edited; delete index.duckdb, it is rebuilt from the log"
            )
    return None


def _position_edited(con: duckdb.DuckDBPyConnection) -> str | None:
    """The index's last (seq, hash) is not in the log, yet every event it
    folded is the log's: its `position` row was edited, not the log."""
    row = con.execute("SELECT seq, hash FROM position").fetchone()
    if row is None:
        return None
    seq, digest = row
    ours = f"SELECT * FROM {index.CATALOG}.main.events"
    log = f"SELECT * FROM fresh.main.events WHERE seq <= {int(seq)}"
    if _count(con, f"SELECT count(*) FROM ({ours} EXCEPT ALL {log})") or _count(
        con, f"SELECT count(*) FROM ({log} EXCEPT ALL {ours})"
    ):
        return None  # the index remembers other events: the log's history changed
    return (
        f"index.duckdb's position row was edited (seq {seq} with hash {str(digest)[:16]}..., which the log never"
        " had, while every event the index holds is the log's); delete index.duckdb, it is rebuilt from the log"
    )


def _anchor_problem(home: Home) -> str | None:
    """Whether the log still holds the (seq, hash) the index applied last:
    when it does not, the log's history changed, and the index (which
    remembers it) is the evidence, not the culprit."""
    con = index.connect_unchecked(home)
    if con is None:
        return None
    try:
        return anchor_problem(con, home)
    finally:
        con.close()


def _same_rows(con: duckdb.DuckDBPyConnection, table: str, ours: str, log: str) -> bool:
    """Whether two tables of as many rows hold the same rows. Where the
    fold's rows have a key of their own, each row is matched with the row
    of its key: with as many rows on both sides, every row matched by an
    equal one means the same rows, and this join is a few times cheaper
    than EXCEPT ALL, which hashes and holds whole rows (a third of verify's
    time at a million events)."""
    key = KEYS.get(table)
    if key is None or _count(con, f"SELECT count(*) FROM (SELECT 1 FROM fresh.main.{table}"
                                  f" GROUP BY {', '.join(key)} HAVING count(*) > 1)"):
        return not _count(con, f"SELECT count(*) FROM ({ours} EXCEPT ALL {log})")
    columns = [row[0] for row in con.execute(f"DESCRIBE fresh.main.{table}").fetchall()]
    joined = " AND ".join(f'a."{k}" = b."{k}"' for k in key)
    differs = " OR ".join(f'a."{c}" IS DISTINCT FROM b."{c}"' for c in columns if c not in key)
    unmatched = f'a."{key[0]}" IS NULL OR b."{key[0]}" IS NULL'
    mismatched = f"SELECT count(*) FROM ({ours}) a FULL JOIN ({log}) b ON {joined} WHERE {unmatched} OR {differs}"
    return not _count(con, mismatched)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


class IndexCheck:
    """`index_problem` in a process of its own, started before the log is
    walked and read after: the fold (DuckDB, and Python upcasting and
    slicing the log) and the walk (Python hashing every line) each get a
    core and an interpreter lock of their own. On a damaged log the fold
    may fail in any way, which `problem` turns into one line (the walk's
    finding is the one to name then)."""

    def __init__(self, home: Home) -> None:
        env = {**os.environ, "LEDGER_HOME": os.fspath(home.path)}
        # the working directory is the user's: kept off the import path
        program = f"import sys; sys.path.pop(0); from {__name__} import _main; _main()"
        self.no_space = False  # the check could not write what it needs: not the index's fault
        self._proc = subprocess.Popen(
            [sys.executable, "-c", program], env=env, text=True, errors="replace",
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def problem(self) -> str | None:
        out, err = self._proc.communicate()
        if self._proc.returncode == 0:
            answer = answer_of(out)
            self.no_space = answer == NO_SPACE
            return answer
        said = next((line for line in reversed(err.splitlines()) if line.strip()), f"exit {self._proc.returncode}")
        if "no space left" in err.lower():
            self.no_space = True
            return NO_SPACE
        return (
            f"index.duckdb could not be compared with a fold of the log ({said.strip()});"
            " delete it, it is rebuilt from the log"
        )

    def cancel(self) -> None:
        """Stop the check if it still runs (its answer is not wanted, or Ctrl-C)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()


def answer_of(output: str) -> str | None:
    """The problem the check's process found, from its output: None if it
    found none. No answer at all is a problem too: an unchecked index is
    not a verified one."""
    answer = next((line for line in reversed(output.splitlines()) if line.startswith(ANSWER)), None)
    if answer is None:
        return "index.duckdb could not be compared with a fold of the log (the check gave no answer); run verify again"
    return answer[len(ANSWER):].strip() or None


def _main() -> None:
    """The check's process: prints its answer, the problem or nothing, after ANSWER."""
    try:
        print(ANSWER + (index_problem(Home()) or ""))
    except Exception as e:
        if is_out_of_space(e):
            print(ANSWER + NO_SPACE)
        elif isinstance(e, LedgerError):
            print(ANSWER + e.said_by("ledger verify"))
        else:
            raise
