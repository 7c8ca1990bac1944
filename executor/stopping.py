"""`ledger stop`: stop running runs from another shell, as Ctrl-C would.

A run is recorded by the ledger process that owns it (ledger.projections.
liveness), which passes SIGTERM on to the run's process and records the
run `terminated` when that process ends. So SIGTERM goes to the owner: to
its whole process group when it leads one, as a terminal's Ctrl-C reaches
a whole job (a run sent to the background has a session of its own; a
shell with job control makes each command line a group), so whatever the
script started stops with it; else to the owner and to each process the
run's process started, not to the other commands of a group it does not
lead. A trial of a batch is stopped through its own process, so its batch
goes on to the next trial, as Guild does.

Whatever has not stopped after the timeout is killed (SIGKILL). If the
owner itself had to be killed, nobody is left to record the end, so the
run's `RunStopped` (terminated) is appended here.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from ledger import verified
from ledger.errors import ConcurrencyError, LedgerError
from ledger.events import NewEvent, RunCreated, RunStarted, RunStopped
from ledger.home import Home
from ledger.projections import rundir
from ledger.projections.liveness import Owner, parent_pid, stream_state

STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
RECORD_SECONDS = 3.0  # after SIGKILL of the run's process: how long its owner gets to record the end
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Target:
    """A running run and the processes that stop it."""

    run_id: str
    owner: Owner
    process: int | None  # the run's own process, when recorded and still the owner's child
    trial: bool

    @property
    def group(self) -> int | None:
        """The owner's process group, when the owner leads one of its own."""
        try:
            return self.owner.pid if os.getpgid(self.owner.pid) == self.owner.pid else None
        except ProcessLookupError:
            return None

    @property
    def shown_pid(self) -> int:
        return self.process if self.trial and self.process else self.owner.pid


def target(home: Home, run_id: str) -> Target:
    """What stops the run; a one-line error when it is not running."""
    events = verified.stream(home.store, run_id)
    status, owner = stream_state(events)
    if status != "running" or owner is None:
        raise LedgerError(f"run {run_id[:8]} is {status}, not running: nothing to stop (see `ledger runs`)")
    started = next((e.data for e in reversed(events) if isinstance(e.data, RunStarted)), None)
    process = started.pid if started is not None and started.pid else None
    if process is not None and parent_pid(process) != owner.pid:
        process = None  # it ended, and the pid may be another process's by now
    created = events[0].data
    trial = isinstance(created, RunCreated) and created.batch is not None and created.kind == "run"
    return Target(run_id, owner, process, trial)


def stop(home: Home, targets: list[Target], timeout: float = STOP_TIMEOUT,
         say: Callable[[str], None] = print) -> None:  # fmt: skip
    """SIGTERM to every target, then wait for each to be recorded stopped;
    kill what is left after `timeout` seconds."""
    for t in targets:
        say(f"Stopping {t.run_id} (pid {t.shown_pid})")
        _signal(t, signal.SIGTERM)
    left = _wait(home, targets, timeout)
    if not left:
        return
    for t in left:
        say(f"Run {t.run_id} did not stop within {timeout:g} s: killing it")
        _signal(t, signal.SIGKILL, owner=False)
    left = _wait(home, left, RECORD_SECONDS)
    for t in left:
        _signal(t, signal.SIGKILL)
        _record_killed(home, t)


def _signal(t: Target, signum: int, owner: bool = True) -> None:
    """`signum` to the run's owner (its group, when it leads one) or, for a
    trial or with `owner` False, to the run's own process, whose owner then
    records how it ended; and to the processes the run's process started,
    as a terminal's Ctrl-C reaches every process of its job."""
    if owner and not t.trial and (group := t.group) is not None:
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            pass  # it ended meanwhile
        return
    started = descendants(t.process) if t.process else []
    first = t.owner.pid if owner and not t.trial else t.process
    for pid in [first, *started] if first else started:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def descendants(pid: int) -> list[int]:
    """The live processes `pid` started, and theirs, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if entry.isdigit() and (parent := parent_pid(int(entry))) is not None:
            children.setdefault(parent, []).append(int(entry))
    out, todo = [], list(children.get(pid, ()))
    while todo:
        child = todo.pop()
        out.append(child)
        todo += children.get(child, ())
    return out


def _wait(home: Home, targets: list[Target], seconds: float) -> list[Target]:
    """The targets still running after up to `seconds`."""
    deadline = time.monotonic() + seconds
    left = list(targets)
    while left:
        left = [t for t in left if stream_state(home.store.stream(t.run_id))[0] == "running"]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    return left


def _record_killed(home: Home, t: Target) -> None:
    """The owner was killed before it recorded the run's end: record it
    here, unless it got there after all (the stream moved on)."""
    for _ in range(50):  # the owner dies at once: its pid stays until its parent reaps it
        if stream_state(home.store.stream(t.run_id))[0] != "running":
            break
        time.sleep(POLL_SECONDS)
    events = home.store.stream(t.run_id)
    last = next((e.data for e in reversed(events) if isinstance(e.data, (RunStarted, RunStopped))), None)
    if isinstance(last, RunStopped):
        return
    stopped = RunStopped(status="terminated", exit_status=-signal.SIGKILL)
    try:
        home.store.append([NewEvent(t.run_id, stopped)], expected_version=len(events))
    except ConcurrencyError:
        return  # the owner recorded the end itself
    run_dir = home.run_dir(t.run_id)
    if os.path.isdir(run_dir):
        rundir.write_meta(run_dir, home.store.stream(t.run_id))
