"""Reading one run's events and blobs with proof, for the commands that show them.

`ledger verify` walks the whole log; a command that shows one run (`cat`,
`log`, `select --attr`...) checks only what it shows: each of the run's
lines is exactly the bytes that were sealed, it is the event the stream
index says sits at that seq, it is linked to the line before it in the log,
and the run's seqs only go up. A blob is re-hashed as it is read. Anything
else (an edited, duplicated or reordered line, an altered blob) is one
CorruptLogError naming `ledger verify`, never a silent drop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ledger.blobs import BlobStore
from ledger.errors import CorruptLogError, StoreError
from ledger.event_reading import from_dict
from ledger.events import Event
from ledger.sealing import GENESIS, check_line
from ledger.store import EventStore


def _refused(run: str, seq: int, what: str) -> CorruptLogError:
    return CorruptLogError(
        f"run {run[:8]}'s event seq {seq} {what}; it is not shown", "run `ledger verify` to see what was altered"
    )


def stream_raw(store: EventStore, run: str, *, must_exist: bool = True) -> list[dict[str, Any]]:
    """Every committed event of `run`, as stored dicts, each one proven.

    A stream that does not open with its RunCreated lost events (a segment
    deleted, the log cut back): refused, never shown as a run with nothing
    recorded. So is an empty stream when the run `must_exist` (the index or
    another run named it); otherwise that is a run not created (yet)."""
    try:
        return _whole(_proven(store.stream_lines(run), run), run, must_exist)
    except CorruptLogError:
        # the stream index is derived and may be stale: prove against a fresh one before refusing
        return _whole(_proven(store.stream_lines(run, fresh_index=True), run), run, must_exist)


def _whole(events: list[dict[str, Any]], run: str, must_exist: bool) -> list[dict[str, Any]]:
    if (events or must_exist) and (not events or events[0].get("type") != "RunCreated"):
        raise CorruptLogError(
            f"run {run[:8]}'s events are missing from the log (it has no RunCreated); it is not shown",
            "run `ledger verify` to see what was lost",
        )
    return events


def _proven(lines: list[tuple[int, bytes, bytes | None]], run: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    last = 0
    for seq, line, before in lines:
        try:
            raw = check_line(line)
        except CorruptLogError:
            raise _refused(run, seq, "is not the line that was sealed") from None
        if raw.get("seq") != seq:
            raise _refused(run, seq, "is not where the stream index says (a line was duplicated or moved)")
        if raw.get("run") != run:
            continue  # another run whose key in the stream index is the same (a 64-bit hash)
        if seq <= last:
            raise _refused(run, seq, f"comes after seq {last} (a line was duplicated or reordered)")
        if raw.get("prev") != _hash_of(before, seq, run):
            raise _refused(run, seq, "does not follow the event before it (a line was duplicated or reordered)")
        last = seq
        out.append(raw)
    return out


def _hash_of(line: bytes | None, seq: int, run: str) -> str | None:
    """The hash sealed into the line before `seq` (GENESIS before seq 1)."""
    if seq == 1:
        return GENESIS
    if line is None:
        return None
    try:
        raw = check_line(line)
    except CorruptLogError:
        raise _refused(run, seq, "follows a line that is not as sealed") from None
    return raw["hash"] if raw.get("seq") == seq - 1 else None


def stream(store: EventStore, run: str, *, must_exist: bool = True) -> list[Event]:
    return [from_dict(raw) for raw in stream_raw(store, run, must_exist=must_exist)]


def read_blob(blobs: BlobStore, sha: str) -> bytes:
    """A blob's bytes, refused when they no longer match their name."""
    data = blobs.read(sha)
    if hashlib.sha256(data).hexdigest() != sha:
        raise _altered(blobs, sha)
    return data


def check_blob(blobs: BlobStore, sha: str) -> None:
    """Refuse a present blob that no longer matches its name, before a
    command appends anything that relies on it (a proto's source code);
    read in chunks, never whole."""
    if not blobs.check(sha):
        raise _altered(blobs, sha)


def _altered(blobs: BlobStore, sha: str) -> StoreError:
    return StoreError(
        f"blob {sha[:12]} ({blobs.path(sha)}) does not match its hash, so it is refused",
        "run `ledger verify` to see what was altered",
    )


def blob_reader(blobs: BlobStore) -> Callable[[str], bytes]:
    """`read_blob` for code that takes a reader: a run's files (its source
    code above all, which a run executes) are only ever written from bytes
    that still prove themselves."""
    return lambda sha: read_blob(blobs, sha)
