"""Where the index's next events are in the log, as byte ranges of segments.

The log's segments are JSON lines, one event per line, so the fold hands
them to DuckDB's `read_json` instead of parsing a million lines in Python.
This module finds the committed lines after a position: whole sealed
segments are read in place; a partial range (the first segment from an
offset, the tail segment up to the last committed transaction) is copied to
a scratch file. Only lines with seq <= the store's committed `last_seq` are
taken, so a transaction still being appended is never half applied.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger import segments
from ledger.chain import ChainWalk
from ledger.errors import StoreError
from ledger.sealing import GENESIS
from ledger.store import EventStore

_CHUNK = 1 << 20


class LogMismatch(Exception):
    """The log at the index's position is not the log the index was built
    from (replaced or rewritten): the index must be rebuilt."""


class ChainBroken(StoreError):
    """The log's chain breaks after what the index now holds: damage inside
    the chain. Reads go on over the intact prefix; writes and rebuilds refuse."""

    def __init__(self, problem: str, applied: int, held: int) -> None:
        super().__init__(
            f"the log is damaged at {problem}; only the {held:,} events before it are used", "run `ledger verify`"
        )
        self.applied = applied  # events this fold added before the break


@dataclass(frozen=True)
class Slice:
    """Bytes `start` to `end` of one log segment, to fold into the index."""

    path: Path
    start: int
    end: int
    whole: bool  # the file from byte 0 to its end: readable in place


@dataclass(frozen=True)
class Plan:
    """The slices of the log one fold applies, and where the log stands after them."""

    slices: list[Slice]
    last_seq: int
    last_hash: str | None
    segment: int
    offset: int
    problem: str | None = None  # where the chain breaks: the plan ends before it

    @property
    def empty(self) -> bool:
        return not self.slices


def plan(store: EventStore, seq: int, prev_hash: str | None, segment: int, offset: int,
         max_bytes: int | None = None) -> Plan:  # fmt: skip
    """The slices holding events seq+1 .. store.last_seq, starting the
    search at (segment, offset), where the index's last applied line ends.
    With `max_bytes`, only the first part of that: whole transactions in
    about that many bytes of one segment (a whole-history fold is applied
    part by part, so its memory does not grow with the history).

    Every line is checked to continue the hash chain (ledger.chain): at the
    first that does not, the plan ends with the last whole transaction
    before it and says what is wrong in `problem`. Nothing forged, inserted
    or out of place is ever folded."""
    last = store.last_seq
    if last < seq:
        raise LogMismatch("the log is shorter than the index")
    if last == seq:
        if prev_hash and seq and store.last_hash != prev_hash:
            raise LogMismatch(f"seq {seq} is not the event the index applied")  # rewritten and resealed
        return Plan([], seq, prev_hash, segment, offset)
    walk = ChainWalk(seq, prev_hash or GENESIS)
    slices: list[Slice] = []
    for seg in [s for s in store.segments() if s >= max(segment, 1)]:
        path = segments.path_of(store.root, seg)
        start = offset if seg == segment else 0
        end = walk.segment(path, start, last, max_bytes)
        if walk.foreign and seq > 0:
            raise LogMismatch(walk.problem or f"seq {seq + 1} is not where the index left off")
        if end > start:
            slices.append(Slice(path, start, end, start == 0 and end == path.stat().st_size))
            segment, offset = seg, end
        if walk.problem is not None or walk.seq >= last or (max_bytes is not None and end - start >= max_bytes):
            break
    else:
        walk.problem = f"seq {walk.seq + 1}: missing, the log's segments end before it"
    return Plan(slices, walk.seq, walk.hash, segment, offset, walk.problem)


class SliceFiles:
    """The paths `read_json` should read for a plan; partial slices are
    copied to scratch files next to the index, removed on exit."""

    def __init__(self, plan: Plan, scratch_dir: str | os.PathLike[str]) -> None:
        self.plan = plan
        self.scratch_dir = scratch_dir
        self._made: list[Path] = []

    def __enter__(self) -> list[str]:
        try:
            return self._copy()
        except BaseException:  # a full disk mid-copy: __exit__ will not run, so clean up here
            self.__exit__()
            raise

    def _copy(self) -> list[str]:
        paths = []
        for sl in self.plan.slices:
            if sl.whole:
                paths.append(str(sl.path))
                continue
            fd, name = tempfile.mkstemp(prefix=".index-slice-", suffix=".jsonl", dir=self.scratch_dir)
            self._made.append(Path(name))
            with os.fdopen(fd, "wb") as out, open(sl.path, "rb") as src:
                src.seek(sl.start)
                left = sl.end - sl.start
                while left:
                    chunk = src.read(min(_CHUNK * 8, left))
                    out.write(chunk)
                    left -= len(chunk)
            paths.append(name)
        return paths

    def __exit__(self, *exc: object) -> None:
        for p in self._made:
            p.unlink(missing_ok=True)
