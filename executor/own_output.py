"""ledger's own stdout and stderr while runs are live.

Either may be a pipe whose reader is gone: `| tee log` ended by the same
Ctrl-C that stops the run, `| head` that has read enough. Writing there
must not cut short what ledger records about how its runs end, so from the
first broken pipe that stream goes to /dev/null: the runs go on (or end,
for a Ctrl-C) and are recorded, and ledger exits without a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def to_devnull(stream: Any) -> None:
    """Point the file descriptor under `stream` at /dev/null, so what it
    still holds and all it gets from now on are dropped without an error."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class _Forgiving:
    """A text stream (sys.stdout, sys.stderr) whose writes never raise
    BrokenPipeError: the reader going away sends the stream to /dev/null."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._lost()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._lost()

    def _lost(self) -> None:
        to_devnull(self._stream)
        try:
            self._stream.flush()  # what the failed write left buffered, to /dev/null
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def broken_pipes_ignored() -> Iterator[None]:
    """In this block, a write to sys.stdout or sys.stderr whose reader is
    gone is dropped instead of raising (the terminal output of
    `launch.capture` is treated alike, see `launch.to_terminal`)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Forgiving(out), _Forgiving(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
