"""From a `ledger run` request to a plan that can be shown, printed or run.

A request is a plain run, a batch (a flag given several values, or an
optimizer) or a run from a proto; each is planned before anything is
written, so bad input fails with nothing appended.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ledger.errors import LedgerError
from ledger.executor.batch import BatchPlan
from ledger.executor.plan import run_events
from ledger.executor.render import events_text
from ledger.executor.replay import prepare_from_proto
from ledger.executor.run import Prepared, RunRequest, describe, execute, exit_code, prepare
from ledger.executor.startcheck import check_prepared
from ledger.executor.values import is_space
from ledger.home import Home


@dataclass
class Options:
    args: list[str] = field(default_factory=list)
    project_dir: str = field(default_factory=os.getcwd)
    label: str | None = None
    proto: str | None = None
    force_sourcecode: bool = False
    optimizer: str | None = None
    opt_flags: list[str] = field(default_factory=list)
    trials: int | None = None
    keep_batch: bool = False
    print_trials: bool = False
    stage: bool = False
    stage_trials: bool = False
    random_seed: int | None = None
    workers: int = 1
    fail_on_trial_error: bool = False

    def split_op(self) -> tuple[str | None, list[str]]:
        """The operation (the first argument without `=`) and the flags."""
        if self.args and "=" not in self.args[0]:
            return self.args[0], self.args[1:]
        return None, list(self.args)


class SinglePlan:
    """One run."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.warnings = prepared.warnings

    def describe(self) -> str:
        return describe(self.prepared.spec)

    def render_events(self) -> str:
        return events_text(run_events(self.prepared.spec))

    def trials_table(self) -> str:
        raise LedgerError("--print-trials needs a batch: give a flag several values, e.g. x=[1,2]")

    def execute(self, home: Home) -> int:
        return exit_code(execute(home, self.prepared))


def plan_request(home: Home, opts: Options) -> SinglePlan | BatchPlan:
    if opts.workers < 1:
        raise LedgerError("--workers must be 1 or more")
    op, flag_args = opts.split_op()
    if opts.proto:
        prepared, batch_params = prepare_from_proto(home, opts, op, flag_args)
        check_prepared(prepared)
        home.ensure_writable()
        if batch_params is not None:
            return BatchPlan.from_proto(prepared, batch_params, opts)
        return single_or_batch(home, prepared, opts)
    req = RunRequest(
        op=op,
        args=flag_args,
        project_dir=opts.project_dir,
        label=opts.label,
        stage=opts.stage,
        random_seed=opts.random_seed,
    )
    home.ensure_writable()
    prepared = prepare(home, req)
    check_prepared(prepared)
    return single_or_batch(home, prepared, opts)


def single_or_batch(home: Home, prepared: Prepared, opts: Options) -> SinglePlan | BatchPlan:
    """A batch when a flag has several values (a space) or an optimizer is
    named, else one run."""
    if opts.optimizer or any(is_space(f.value) for f in prepared.spec.flags.values()):
        return BatchPlan.create(home, prepared, opts)
    return SinglePlan(prepared)
