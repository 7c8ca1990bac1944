"""`ledger run --background`: the run goes on in a process of its own, in a
session of its own, and the command returns at once.

The planned run is handed to a forked copy of this process, which detaches
from the terminal (a new session: no Ctrl-C or hang-up from it reaches the
run) and records the run exactly as a foreground `ledger run` would: its
output still goes to the log and the run directory, which `ledger watch`
follows. The forked process appends the run's first events itself, so the
run is owned by it (see ledger.executor.plan.run_events) and reads running
for as long as it lives, whatever becomes of the command that started it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from ledger.errors import LedgerError
from ledger.executor.batch import BatchPlan
from ledger.executor.op_optimizer import OpOptimizerPlan
from ledger.executor.plan import RunSpec
from ledger.executor.restart import RestartPlan
from ledger.executor.runner import SinglePlan
from ledger.executor.steps import PipelinePlan
from ledger.home import Home

START_SECONDS = 10.0  # at most this long to wait for the run's first events


def planned_spec(plan: Any) -> RunSpec | None:
    """The run a plan starts (a batch's or pipeline's own run); None when
    it starts none (`--needed` found the run done)."""
    if isinstance(plan, BatchPlan):
        return plan.batch_spec
    if isinstance(plan, RestartPlan):
        return plan.spec
    if isinstance(plan, (SinglePlan, PipelinePlan, OpOptimizerPlan)):
        return plan.prepared.spec
    return None


def start_in_background(home: Home, plan: Any, run_id: str) -> int:
    """Fork a detached process that executes `plan`, and return its pid
    once it has recorded run `run_id` as started (or has ended): what
    `ledger runs` or `ledger watch` say right after is then true."""
    before = home.store.version(run_id)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        _wait_for_start(home, run_id, before, pid)
        return pid
    code = 1
    try:
        os.setsid()
        _detach_stdio()
        code = plan.execute(home)
    finally:
        os._exit(code)  # never back into the command that forked it


def _wait_for_start(home: Home, run_id: str, before: int, pid: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while home.store.version(run_id) <= before and time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0) and home.store.version(run_id) <= before:
            # a source file gone, a full disk: what it said went nowhere
            raise LedgerError(f"run {run_id[:8]} did not start in the background; run it without -b to see why")
        time.sleep(0.02)


def _detach_stdio() -> None:
    """Nothing of the terminal, nor of a pipe a caller waits on to close:
    the run's output is recorded, and ledger's own notices have no reader."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
