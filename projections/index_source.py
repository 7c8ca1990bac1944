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

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger import segments
from ledger.store import EventStore

_CHUNK = 1 << 20


class LogMismatch(Exception):
    """The log at the index's position is not the log the index was built
    from (replaced or rewritten): the index must be rebuilt."""


@dataclass(frozen=True)
class Slice:
    path: Path
    start: int
    end: int
    whole: bool  # the file from byte 0 to its end: readable in place


@dataclass(frozen=True)
class Plan:
    slices: list[Slice]
    last_seq: int
    last_hash: str | None
    segment: int
    offset: int

    @property
    def empty(self) -> bool:
        return not self.slices


def _first_line(path: Path, offset: int) -> dict | None:
    """The event on the first complete line at `offset`, if there is one."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        line = fh.readline()
    if not line.endswith(b"\n"):
        return None
    try:
        raw = json.loads(line)
        raw["seq"], raw["prev"]  # noqa: B018 - an event line has both
    except (ValueError, KeyError, TypeError):
        raise LogMismatch(f"{path.name} has no event line at byte {offset}") from None
    return raw


def _end_of_lines(path: Path, offset: int, count: int) -> int:
    """Byte offset just after the `count`-th line from `offset`."""
    pos = offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                raise LogMismatch(f"{path.name} ends before the committed events it should hold")
            n = chunk.count(b"\n")
            if n < count:
                count -= n
                pos += len(chunk)
                continue
            cut = -1
            for _ in range(count):
                cut = chunk.index(b"\n", cut + 1)
            return pos + cut + 1


def plan(store: EventStore, seq: int, prev_hash: str | None, segment: int, offset: int,
         max_bytes: int | None = None) -> Plan:  # fmt: skip
    """The slices holding events seq+1 .. store.last_seq, starting the
    search at (segment, offset), where the index's last applied line ends.
    With `max_bytes`, only the first part of that: the events in at most
    that many bytes of one segment (a whole-history fold is applied part
    by part, so its memory does not grow with the history)."""
    last = store.last_seq
    if last < seq:
        raise LogMismatch("the log is shorter than the index")
    if last == seq:
        return Plan([], seq, prev_hash, segment, offset)
    segs = [s for s in store.segments() if s >= max(segment, 1)]
    slices: list[Slice] = []
    expected = seq + 1
    for i, seg in enumerate(segs):
        path = segments.path_of(store.root, seg)
        start = offset if seg == segment else 0
        first = _first_line(path, start)
        if first is None:
            continue  # the index stopped at this segment's end, or it is new
        if first["seq"] != expected or (expected == seq + 1 and prev_hash and first["prev"] != prev_hash):
            raise LogMismatch(f"event {expected} is not where the index left off")
        nxt = _first_line(segments.path_of(store.root, segs[i + 1]), 0) if i + 1 < len(segs) else None
        size = path.stat().st_size
        rest_committed = nxt is not None and nxt["seq"] <= last + 1
        end = size if rest_committed else _end_of_lines(path, start, last - first["seq"] + 1)
        if max_bytes is not None and end - start > max_bytes:
            end = _line_end_after(path, start + max_bytes)
            rest_committed = False
        slices.append(Slice(path, start, end, start == 0 and end == size))
        if rest_committed:
            assert nxt is not None
            expected = nxt["seq"]
            if expected > last or max_bytes is not None:
                return Plan(slices, expected - 1, nxt["prev"], seg, size)
            continue
        line = _last_line(path, end)
        return Plan(slices, line["seq"], line["hash"], seg, end)
    raise LogMismatch(f"event {expected} is missing from the log")


def _line_end_after(path: Path, pos: int) -> int:
    """Where the line holding byte `pos` ends (just after its newline)."""
    with open(path, "rb") as fh:
        fh.seek(pos)
        line = fh.readline()
        if not line.endswith(b"\n"):
            raise LogMismatch(f"{path.name} ends in a cut line")
        return pos + len(line)


def _last_line(path: Path, end: int) -> dict:
    """The event on the line that ends at `end`, however long that line is
    (a chatty run's output chunk or a long label can be far over any fixed
    window): read backwards until its start is found."""
    chunk = 4096
    with open(path, "rb") as fh:
        while True:
            start = max(0, end - chunk)
            fh.seek(start)
            tail = fh.read(end - start)
            cut = tail.rfind(b"\n", 0, len(tail) - 1)
            if cut >= 0 or start == 0:
                return json.loads(tail[cut + 1 :])
            chunk *= 4


class SliceFiles:
    """The paths `read_json` should read for a plan; partial slices are
    copied to scratch files next to the index, removed on exit."""

    def __init__(self, plan: Plan, scratch_dir: str | os.PathLike[str]) -> None:
        self.plan = plan
        self.scratch_dir = scratch_dir
        self._made: list[Path] = []

    def __enter__(self) -> list[str]:
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
