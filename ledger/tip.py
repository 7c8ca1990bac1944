"""`events/TIP`: the (seq, hash) of the last event appended, kept outside
the segments. A log cut back or rewritten no longer reaches it, which the
segments alone could not show."""

from __future__ import annotations

import os
from pathlib import Path


def read(path: Path) -> tuple[int, str] | None:
    try:
        with open(path, "rb") as fh:
            seq, digest = fh.read(200).split()
        return int(seq), digest.decode()
    except (OSError, ValueError):
        return None


def write(path: Path, seq: int, digest: str) -> None:
    # fixed width, written in place after the segment's fsync: it is never
    # ahead of what is durable, and one small write is not torn
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, f"{seq:020d} {digest}\n".encode(), 0)
    finally:
        os.close(fd)
