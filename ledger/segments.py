"""The log's segment files: `events/00000001.jsonl`, ... in order, each of
one canonical JSON event per line, named by number."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from ledger.errors import CorruptLogError
from ledger.limits import is_digits


def path_of(root: Path, seg: int) -> Path:
    return root / f"{seg:08d}.jsonl"


def numbers(root: Path) -> list[int]:
    """The numbers of the segments under `root`, in order."""
    if not root.is_dir():
        return []
    return sorted(int(p.stem) for p in root.glob("*.jsonl") if is_digits(p.stem))


def create(root: Path, seg: int) -> None:
    """An empty segment, durable as a directory entry before anything is
    appended to it."""
    fd = os.open(path_of(root, seg), os.O_WRONLY | os.O_CREAT, 0o644)
    os.close(fd)
    dfd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def scan(root: Path, seg: int, offset: int) -> Iterator[tuple[int, int, int, dict]]:
    """(segment, offset, length, event) for every event of every committed
    transaction from (seg, offset) on: a transaction whose last event is not
    on disk is not yielded."""
    for s in [n for n in numbers(root) if n >= seg]:
        pending: list[tuple[int, int, int, dict]] = []
        with open(path_of(root, s), "rb") as fh:
            fh.seek(offset if s == seg else 0)
            pos = fh.tell()
            for line in fh:
                if not line.endswith(b"\n"):
                    break
                try:
                    raw = json.loads(line)
                    done = raw["seq"] == raw["tx"] + raw["txn"] - 1
                except (ValueError, KeyError, TypeError):
                    name = path_of(root, s).name
                    raise CorruptLogError(
                        f"the log segment {name} has a damaged line at byte {pos}", "run `ledger verify` to locate it"
                    ) from None
                pending.append((s, pos, len(line), raw))
                pos += len(line)
                if done:
                    yield from pending
                    pending = []
