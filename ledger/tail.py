"""The end of the newest segment: where its last committed transaction ends,
and what to do with whatever follows it.

After a crash the bytes past the last committed transaction are either a
torn write of ours (whole sealed lines of the unfinished transaction that
continue the chain, then the start of a sealed line or the zeros a power cut
leaves) or anything else: a stray line, NULs in the middle of a line, CRLF,
an empty line, lines persisted out of order, an edited event. Either way
those bytes are never deleted and never block reads: they are moved, byte
for byte, to `<segment>.quarantine-<offset>` beside the segment, one line on
stderr says which kind they are, and the log goes on from the committed
prefix.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from ledger.errors import CorruptLogError, StoreError

QUARANTINE = ".quarantine-"
_LINE_START = b'{"cause":'  # canonical JSON sorts keys: every sealed line starts so
CheckLine = Callable[[bytes], dict[str, Any]]


def lines_backward(fh: IO[bytes], end: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) of the bytes before `end`, last line first; the first
    one yielded is what follows the last newline, when it is not empty."""
    buf, lo, stop = b"", end, 0
    chunk = 1 << 16
    while True:
        cut = buf.rfind(b"\n", 0, stop - 1) if stop > 1 else -1
        if cut >= 0:
            yield lo + cut + 1, buf[cut + 1 : stop]
            stop = cut + 1
            continue
        if lo == 0:
            if stop:
                yield 0, buf[:stop]
            return
        new_lo = max(0, lo - chunk)
        fh.seek(new_lo)
        buf = fh.read(lo - new_lo) + buf[:stop]
        stop, lo = len(buf), new_lo
        chunk = min(chunk * 4, 1 << 24)


def last_commit(path: Path, size: int, check_line: CheckLine) -> tuple[int, dict | None]:
    """End offset of the last committed transaction in the segment and its
    last event: the last whole transaction whose lines are all as sealed and
    chained to each other, and which follows the sealed line before it (a
    copy of an event pasted at the end does not)."""
    with open(path, "rb") as fh:
        lines = lines_backward(fh, size)
        seen: list[tuple[int, bytes, dict | None]] = []  # last line first

        def at(i: int) -> tuple[int, bytes, dict | None] | None:
            while len(seen) <= i:
                nxt = next(lines, None)
                if nxt is None:
                    return None
                seen.append((nxt[0], nxt[1], _sealed(nxt[1], check_line)))
            return seen[i]

        i = 0
        while (entry := at(i)) is not None:
            offset, line, raw = entry
            if raw is not None and raw["seq"] == raw["tx"] + raw["txn"] - 1 and _whole_tx(at, i, raw):
                return offset + len(line), raw
            i += 1
        return 0, None


def _whole_tx(at, i: int, last: dict) -> bool:
    """Are the lines before line `i` the rest of `last`'s transaction, in
    order and chained, with nothing but the event before it before them?"""
    prev = last
    for k in range(1, last["txn"]):
        entry = at(i + k)
        raw = entry[2] if entry else None
        if raw is None or raw["seq"] != prev["seq"] - 1 or raw["hash"] != prev["prev"] or raw["tx"] != last["tx"]:
            return False
        prev = raw
    before = at(i + last["txn"])
    if before is None or before[2] is None:
        return before is None or last["tx"] > 1  # the segment's start, or damage verify will name
    return before[2]["seq"] == last["tx"] - 1


def _sealed(line: bytes, check_line: CheckLine) -> dict | None:
    if not line.endswith(b"\n"):
        return None
    try:
        raw = check_line(line)
        raw["seq"], raw["tx"], raw["txn"], raw["prev"]  # noqa: B018 - an event line has them all
    except (CorruptLogError, KeyError, TypeError):
        return None
    if not all(isinstance(raw[k], int) for k in ("seq", "tx", "txn")):
        return None
    return raw


def is_torn_write(rest: bytes, last: dict | None, check_line: CheckLine) -> bool:
    """Can `rest` (the bytes after the last commit) be our own unfinished
    append: sealed lines of one transaction continuing the chain, then the
    start of a line or the zeros some filesystems leave after a power cut?"""
    *whole, partial = rest.split(b"\n")
    seq, prev, tx = (last["seq"], last["hash"], None) if last else (None, None, None)
    for line in whole:
        raw = _sealed(line + b"\n", check_line)
        if raw is None or raw["seq"] == raw["tx"] + raw["txn"] - 1:
            return False
        if seq is not None and (raw["seq"] != seq + 1 or raw["prev"] != prev):
            return False
        if raw["tx"] != (tx if tx is not None else raw["seq"]):
            return False
        seq, prev, tx = raw["seq"], raw["hash"], raw["tx"]
    head = partial.rstrip(b"\0")
    return not head or head.startswith(_LINE_START) or _LINE_START.startswith(head)


def quarantine(path: Path, end: int, size: int, *, torn: bool = False) -> Path:
    """Move bytes [end, size) of the segment to a quarantine file beside it,
    durably, then cut them off the segment; the quarantine file's path.
    `torn`: they are an append of ours that a crash cut short; kept too, as
    they may hold the last output of a run that was killed with it."""
    target = path.with_name(f"{path.name}{QUARANTINE}{end}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{QUARANTINE}{end}.{n}")
    try:
        with open(path, "rb") as src, open(target, "xb") as out:
            src.seek(end)
            left = size - end
            while left:
                chunk = src.read(min(left, 1 << 24))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(path.parent)
        os.truncate(path, end)
    except OSError as e:
        try:
            target.unlink(missing_ok=True)
        except OSError:
            pass
        name = path.name
        raise StoreError(
            f"{name} has {size - end} bytes after its last committed event that cannot be set aside"
            f" ({e.strerror})",
            "free some space and try again",
        ) from None
    what = "of an append a crash cut short" if torn else "after the last committed event"
    sys.stderr.write(
        f"ledger: warning: {size - end} bytes {what} of {path.name} were moved to {target.name};"
        " `ledger verify` lists them\n"
    )
    return target


def quarantined(root: Path) -> list[str]:
    """Quarantine files of the log folder, sorted."""
    try:
        return sorted(p.name for p in root.iterdir() if QUARANTINE in p.name)
    except FileNotFoundError:
        return []


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
