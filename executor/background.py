"""`ledger run --background`: the run goes on in a process of its own, in a
session of its own, and the command returns at once.

The command starts `python -m ledger.executor.background REQUEST`, a
detached interpreter (a new session: no Ctrl-C or hang-up from the terminal
reaches the run; its stdin and output are /dev/null) that plans the same
request again and records the run exactly as a foreground `ledger run`
would: its output still goes to the log and the run directory, which
`ledger watch` follows. That process appends the run's first events itself,
so the run is owned by it (see ledger.executor.plan.run_events) and reads
running for as long as it lives, whatever becomes of the command that
started it. It tells the command which run it starts through a pipe, so
the id the command prints is the run's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from ledger.errors import LedgerError
from ledger.executor.batch import BatchPlan
from ledger.executor.op_optimizer import OpOptimizerPlan
from ledger.executor.plan import RunSpec
from ledger.executor.restart import RestartPlan, plan_restart
from ledger.executor.runner import Options, SinglePlan, plan_request
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


def start_in_background(home: Home, opts: Options, again: tuple[str, bool] | None = None) -> tuple[str, int]:
    """Start a detached process that plans `opts` (or, with `again`, starts
    run (id, staged) again) and executes the plan; once it has recorded the
    run as started, the run's id and the process's pid: what `ledger runs`
    or `ledger watch` say right after is then true."""
    request = {"home": str(home.path), "argv": sys.argv, "options": asdict(opts), "again": again}
    reader, writer = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ledger.executor.background", str(writer), json.dumps(request)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(writer,), start_new_session=True,
        )  # fmt: skip
    finally:
        os.close(writer)
    with os.fdopen(reader, encoding="utf-8") as pipe:
        reply = pipe.read()  # until the process has planned the run (or ended)
    if not reply:  # it ended before it planned the run
        raise LedgerError("the run did not start in the background; run it without -b to see why")
    started = json.loads(reply)
    if "error" in started:
        raise LedgerError(f"the run did not start in the background: {started['error']}")
    _wait_for_start(home, started["run_id"], started["version"], proc)
    proc.returncode = 0  # it outlives this command by design: no "still running" ResourceWarning at exit
    return started["run_id"], proc.pid


def _wait_for_start(home: Home, run_id: str, before: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while home.store.version(run_id) <= before and time.monotonic() < deadline:
        if proc.poll() is not None and home.store.version(run_id) <= before:
            # a source file gone, a full disk: what it said went nowhere
            raise LedgerError(f"run {run_id[:8]} did not start in the background; run it without -b to see why")
        time.sleep(0.02)


def main(report_fd: int, request: dict[str, Any]) -> int:
    """The detached process: plan the request, say which run it starts on
    `report_fd`, then run it."""
    sys.argv = request["argv"]  # what a batch's RunStarted records, as in the foreground
    home = Home(request["home"])
    with os.fdopen(report_fd, "w", encoding="utf-8") as report:
        try:
            opts = Options(**request["options"])
            if request["again"] is not None:
                run_id, staged = request["again"]
                plan: Any = plan_restart(home, run_id, opts, staged=staged)
            else:
                plan = plan_request(home, opts)
        except LedgerError as e:
            report.write(json.dumps({"error": str(e)}))
            return e.exit_code
        spec = planned_spec(plan)
        if spec is None:  # done meanwhile (--needed): nothing starts
            report.write(json.dumps({"error": "a run with the same flags completed meanwhile (--needed)"}))
            return 0
        report.write(json.dumps({"run_id": spec.run_id, "version": home.store.version(spec.run_id)}))
    try:
        return plan.execute(home)
    except KeyboardInterrupt:  # `ledger stop` before the run's process started
        return 130


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), json.loads(sys.argv[2])))
