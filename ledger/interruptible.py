"""Ctrl-C that reaches work done outside Python.

A DuckDB statement runs in C with the interpreter's lock released; Python
runs its SIGINT handler only when the main thread next executes bytecode,
and DuckDB notices a pending signal only at some points of some statements.
A long `ledger sql` could ignore Ctrl-C until it finished. The work runs in
a worker thread instead, the main thread waits where a signal always
reaches it, and a Ctrl-C asks the work to stop (`interrupt`) before
KeyboardInterrupt goes on as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

# how long to wait for the work to stop once asked; a daemon thread never
# keeps the process from exiting, so this only bounds a clean stop
STOP_WAIT = 5.0


class _Outcome(Generic[T]):
    def __init__(self) -> None:
        self.value: T | None = None
        self.error: BaseException | None = None
        # waited on instead of Thread.join: a KeyboardInterrupt landing
        # mid-join can leave the thread reported as ended while it runs
        self.done = threading.Event()


def interruptible(work: Callable[[], T], interrupt: Callable[[], object]) -> T:
    """`work()`, stopped by `interrupt()` on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return work()  # signals reach only the main thread: nothing to wait for
    outcome: _Outcome[T] = _Outcome()

    def run() -> None:
        try:
            outcome.value = work()
        except BaseException as e:  # handed over to the caller's thread
            outcome.error = e
        finally:
            outcome.done.set()

    worker = threading.Thread(target=run, name="interruptible", daemon=True)
    worker.start()
    try:
        while not outcome.done.wait(0.25):
            pass
    except KeyboardInterrupt:
        interrupt()
        outcome.done.wait(STOP_WAIT)
        raise
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]
