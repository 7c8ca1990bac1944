"""Ctrl-C and SIGTERM while ledger itself works (between a batch's trials,
while it plans or records): both become `Interrupted`, a KeyboardInterrupt
that says which signal came, so a batch ends `terminated` either way; and
while it records how a batch ended, further signals wait.

While a run's process runs, `launch.capture` handles both signals itself
(it passes them on to the process)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


def signum_of(e: KeyboardInterrupt) -> int:
    """The signal behind a KeyboardInterrupt: Python's own is Ctrl-C's."""
    return e.signum if isinstance(e, Interrupted) else signal.SIGINT


def exit_code(e: KeyboardInterrupt) -> int:
    return 128 + signum_of(e)


def _raise(signum: int, _frame) -> None:
    raise Interrupted(signum)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises `Interrupted` in this block, as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends (main thread only): what
    it appends to record a batch's end is not cut short by a second Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    handlers = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            handlers[signum] = signal.signal(signum, lambda s, _f: caught.append(s))
    try:
        yield
    finally:
        for signum, old in handlers.items():
            signal.signal(signum, old)
        if caught:
            raise Interrupted(caught[0])
