"""`ledger.log` and `ledger.log_metric`: metrics from a run's own code.

Under `ledger run`, the run's environment names a spool file
(`LEDGER_METRICS_FILE`); points are kept in memory, as columns, with their
own time stamps and written to it, in frames, at least every FLUSH_SECONDS (by a
daemon thread, so a point logged before a long quiet computation is not
held back) and at exit. The recorder tails the file and appends the points
to the log as scalar batches within about a second.

Outside a run the calls do nothing but say so, once, on stderr: a script
that logs metrics runs the same with or without ledger.

Steps: an explicit `step` is used as given (an int). Without one, the
current step is kept, and advances by one when a key already logged at it
comes again: the rule of printed `key: value` lines.

Standard library only: it is imported inside the user's training process.
"""

from __future__ import annotations

import atexit
import marshal
import os
import sys
import threading
import time
from array import array
from collections.abc import Mapping
from typing import Any

SPOOL_ENV = "LEDGER_METRICS_FILE"
FLUSH_SECONDS = 0.5
FLUSH_CALLS = 8192  # write a frame at least this often, whatever the time
COLUMNS = "ledger-columns-1"  # the first item of a frame's body


def _checked_value(key: object, value: object) -> float:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"metric {key!r} must be a number, not {value!r}")
    return float(value)  # type: ignore[arg-type]


def _checked_name(key: object) -> str:
    if type(key) is not str or not key:
        raise TypeError(f"metric names are non-empty strings, not {key!r}")
    return key


def _checked_step(step: object) -> int:
    if type(step) is not int:
        if isinstance(step, (str, bytes, float)) or not hasattr(step, "__index__"):
            raise TypeError(f"step must be an int, not {step!r}")
        step = step.__index__()
    if not -(1 << 63) <= step < 1 << 63:  # type: ignore[operator]
        raise ValueError(f"step {step} does not fit in 64 bits")
    return step  # type: ignore[return-value]


def frame(body: tuple) -> bytes:
    """One frame of the spool: its length (4 bytes, little-endian), then
    `body` marshalled (see _Client._frame_body)."""
    data = marshal.dumps(body)
    return len(data).to_bytes(4, "little") + data


class _Client:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._step = 0
        self._seen: set[str] = set()
        self._flusher = False
        self._warned = False
        self._keys: dict[str, int] = {}  # every key this process logged, numbered
        self._clear()

    def _clear(self) -> None:
        """Points gathered since the last frame, as columns: per point its
        key's number and value; per call its step, time and point count."""
        self._key_index = array("I")
        self._values = array("d")
        self._call_steps = array("q")
        self._call_times = array("q")
        self._call_sizes = array("I")

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        # A training loop calls this per step: the common call (known names,
        # float or int values) takes the fast path of each check, and a bad
        # call fails before anything of it is recorded.
        now = time.time_ns() // 1000
        try:
            column = array("d", list(metrics.values()))
        except TypeError:
            # for the message, and so that no string is read as a number
            column = array("d", [_checked_value(key, value) for key, value in metrics.items()])
        if step is not None:
            step = _checked_step(step)
        with self._lock:
            keys = self._keys
            try:
                numbers = [keys[key] for key in metrics]
            except KeyError:
                names = [_checked_name(key) for key in metrics]
                numbers = [keys.setdefault(key, len(keys)) for key in names]
            if step is None:
                if not self._seen.isdisjoint(metrics):
                    self._step += 1
                    self._seen = set()
                self._seen.update(metrics)
            else:
                self._step = step
                self._seen = set(metrics)
            if self.path is None:
                self._say_not_recorded()
                return
            self._key_index.extend(numbers)
            self._values.extend(column)
            self._call_steps.append(self._step)
            self._call_times.append(now)
            self._call_sizes.append(len(numbers))
            if len(self._call_sizes) >= FLUSH_CALLS:
                self._write()
        if not self._flusher:
            self._start_flusher()

    def flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        """Write the pending points as one frame (the lock is held)."""
        if not self._call_sizes or self.path is None:
            return
        data = frame(self._frame_body())
        self._clear()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _frame_body(self) -> tuple:
        """COLUMNS, this process's keys in number order, then the columns'
        bytes in this machine's order (the spool never leaves it)."""
        columns = (self._key_index, self._values, self._call_steps, self._call_times, self._call_sizes)
        return (COLUMNS, tuple(self._keys), *(c.tobytes() for c in columns))

    def _start_flusher(self) -> None:
        self._flusher = True
        atexit.register(self.flush)
        threading.Thread(target=self._flush_every, name="ledger-metrics", daemon=True).start()

    def _flush_every(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            try:
                self.flush()
            except OSError:
                return  # the spool is gone (ledger stopped): the points cannot be recorded

    def _say_not_recorded(self) -> None:
        if not self._warned:
            self._warned = True
            print(
                "ledger: not running under `ledger run`: metrics passed to ledger.log are not recorded",
                file=sys.stderr,
            )

    def _after_fork(self) -> None:
        """In a forked child: its parent writes the points logged before the
        fork; the child's own go to the same spool, through its own flusher."""
        self._lock = threading.Lock()
        self._clear()
        self._fd = None
        self._flusher = False


_client: _Client | None = None


def client() -> _Client:
    global _client
    if _client is None:
        _client = _Client(os.environ.get(SPOOL_ENV) or None)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=lambda: _client._after_fork() if _client else None)
    return _client


def log(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """Record metrics of the current run: `ledger.log({"loss": 0.1, "acc": 0.9}, step=5)`.
    Outside `ledger run` nothing is recorded (said once on stderr)."""
    (_client or client()).log(metrics, step)


def log_metric(key: str, value: float, step: int | None = None) -> None:
    """Record one metric of the current run (MLflow's spelling): `ledger.log_metric("loss", 0.1, step=5)`."""
    (_client or client()).log({key: value}, step)
