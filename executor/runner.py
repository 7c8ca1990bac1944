"""From a `ledger run` request to a plan that can be shown, printed or run.

A request is a plain run, a batch (a flag given several values, or an
optimizer) or a run from a proto; each is planned before anything is
written, so bad input fails with nothing appended.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ledger.errors import LedgerError
from ledger.events import NewEvent
from ledger.executor import batch_files, run_annotations
from ledger.executor.batch import BatchPlan
from ledger.executor.batch_spec import default_optimizer
from ledger.executor.flags import resolve
from ledger.executor.op_optimizer import OpOptimizerPlan, optimizer_op, spawned_in, trial_parent
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag, run_events
from ledger.executor.render import events_text
from ledger.executor.replay import prepare_from_proto
from ledger.executor.run import Prepared, RunRequest, describe, execute, exit_code, prepare, resolve_opdef
from ledger.executor.startcheck import check_prepared
from ledger.executor.steps import NeededPlan, PipelinePlan, needed_run, plan_pipeline
from ledger.executor.values import Range, is_space
from ledger.home import Home
from ledger.projections.refs import is_full_id


@dataclass
class Options:
    """What `ledger run` was asked, as given on its command line."""

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
    keep_run: bool = False
    save_trials: str | None = None
    optimize: bool = False
    needed: bool = False
    tags: list[str] = field(default_factory=list)
    comment: str | None = None
    batch_label: str | None = None
    batch_tags: list[str] = field(default_factory=list)
    batch_comment: str | None = None
    force_flags: bool = False
    run_id: str | None = None  # the id of the run started (a batch's own run), chosen beforehand

    def split_op(self) -> tuple[str | None, list[str]]:
        """The operation (the first argument without `=` or a leading `@`) and the flags."""
        if self.args and "=" not in self.args[0] and not self.args[0].startswith("@"):
            return self.args[0], self.args[1:]
        return None, list(self.args)


class SinglePlan:
    """One run; a trial of `trial_of` when an optimizer operation started it."""

    def __init__(self, prepared: Prepared, trial_of: str | None = None) -> None:
        self.prepared = prepared
        self.warnings = prepared.warnings
        self.trial_of = trial_of

    def describe(self) -> str:
        return describe(self.prepared.spec)

    def render_events(self) -> str:
        return events_text(run_events(self.prepared.spec))

    def trials_table(self) -> Iterator[str]:
        raise LedgerError("--print-trials needs a batch: give a flag several values, e.g. x=[1,2]")

    def execute(self, home: Home) -> int:
        if self.trial_of is None:
            return exit_code(execute(home, self.prepared))
        spec = replace(self.prepared.spec, batch=self.trial_of)
        spawned = spawned_in(home, self.trial_of, spec.run_id, spec.flag_values)
        return exit_code(execute(home, replace(self.prepared, spec=spec), extra=(spawned,)))

    def execute_as_step(self, home: Home, spawned: Callable[[str], NewEvent]) -> tuple[str | None, int]:
        """Run as a step of a pipeline; `spawned(run_id)` announces it there."""
        parent = spawned(self.prepared.spec.run_id)
        prepared = replace(self.prepared, spec=replace(self.prepared.spec, batch=parent.run))
        return prepared.spec.run_id, exit_code(execute(home, prepared, extra=(parent,)))


Plan = SinglePlan | BatchPlan | PipelinePlan | NeededPlan | OpOptimizerPlan


def plan_request(home: Home, opts: Options) -> Plan:
    plan = annotated(planned(home, opts), opts)
    return with_run_id(home, plan, opts.run_id) if opts.run_id is not None else plan


def with_run_id(home: Home, plan: Plan, run_id: str) -> Plan:
    """`plan` starting its run (a batch's own run) as `run_id`, as Guild's
    --run-id does for tools that choose the id before the run exists."""
    if not is_full_id(run_id):
        raise LedgerError(f"--run-id {run_id!r} is not a run id: give 32 lowercase hex digits (a uuid4's hex)")
    if home.store.stream(run_id):
        raise LedgerError(f"run {run_id[:8]} exists already; give --run-id an id no run has")
    if isinstance(plan, SinglePlan):
        plan.prepared = replace(plan.prepared, spec=replace(plan.prepared.spec, run_id=run_id))
    elif isinstance(plan, BatchPlan):
        plan.batch_spec = replace(plan.batch_spec, run_id=run_id)
    else:
        raise LedgerError("--run-id names a run or a batch's own run; this operation starts neither itself")
    return plan


def annotated(plan: Plan, opts: Options) -> Plan:
    """`plan` with the tags, comment and batch label given on the command line."""
    run = run_annotations.of_run(opts)
    if isinstance(plan, BatchPlan):
        plan.base = replace(plan.base, spec=run.apply(plan.base.spec))  # each trial's
        plan.batch_spec = run_annotations.batch_spec(plan.batch_spec, opts)
    elif isinstance(plan, OpOptimizerPlan):  # its trials are runs the optimizer starts
        plan.prepared = replace(plan.prepared, spec=run_annotations.batch_spec(plan.prepared.spec, opts))
    elif isinstance(plan, (SinglePlan, PipelinePlan)):
        plan.prepared = replace(plan.prepared, spec=run.apply(plan.prepared.spec))
    return plan


def flags_of(plan: Plan) -> dict[str, Flag]:
    """The flags a plan runs with: a run's, or a batch's trials' with their lists and ranges."""
    if isinstance(plan, BatchPlan):
        return plan.base.spec.flags
    if isinstance(plan, (SinglePlan, PipelinePlan)):
        return plan.prepared.spec.flags
    raise LedgerError("there are no flags to edit here: --edit-flags edits a run's or a batch's trials' flags")


def planned(home: Home, opts: Options) -> Plan:
    if opts.workers < 1:
        raise LedgerError("--workers must be 1 or more")
    op, flag_args = opts.split_op()
    if opts.proto:
        prepared, batch_params = prepare_from_proto(home, opts, op, flag_args)
        if prepared.spec.opdef.steps is None:  # a pipeline's steps are checked as each is planned
            check_prepared(prepared)
        home.ensure_writable()
        if prepared.spec.opdef.steps is not None:  # a pipeline: its steps run again with its flags
            return plan_pipeline(home, opts, step_planner(home, opts), prepared)
        if batch_params is not None:
            if batch_params.get("optimizer_op"):
                raise LedgerError(
                    "this batch's optimizer is an operation, which chose its trials as it ran: nothing to replay;"
                    " run the operation again with -o"
                )
            return BatchPlan.from_proto(prepared, batch_params, opts)
        return single_or_batch(home, prepared, opts)
    files, flag_args = batch_files.split_args(flag_args)
    opdef = resolve_opdef(home, opts.project_dir, op)
    if opdef.steps is not None:
        home.ensure_writable()
        return plan_pipeline(home, opts, step_planner(home, opts), opdef=opdef, flag_args=flag_args)
    req = RunRequest(
        op=op,
        args=flag_args,
        project_dir=opts.project_dir,
        label=opts.label,
        stage=opts.stage,
        random_seed=opts.random_seed,
        keep_run=opts.keep_run,
        force_flags=opts.force_flags,
    )
    home.ensure_writable()
    file_trials = tuple(typed_trials(opdef, batch_files.load_all(files, opts.project_dir))) if files else None
    prepared = prepare(home, req, opdef)
    check_prepared(prepared)
    if opts.needed:
        done = needed_run(home, prepared)
        if done is not None:
            return done
    return single_or_batch(home, prepared, opts, file_trials)


def step_planner(home: Home, opts: Options) -> Callable[[list[str], bool], Plan]:
    """How a pipeline plans each step: a request of its own, in the same
    project, staging its trials when the pipeline's are staged."""

    def plan_step(args: list[str], needed: bool) -> Plan:
        step = Options(args=args, project_dir=opts.project_dir, stage_trials=opts.stage_trials, needed=needed)
        return plan_request(home, step)

    return plan_step


def typed_trials(opdef: OpDef, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Batch-file trials checked and typed as the operation's flags are."""
    out = []
    for row in rows:
        resolved = resolve(opdef, dict(row))
        out.append({name: resolved[name][0] for name in row})
    return out


def single_or_batch(home: Home, prepared: Prepared, opts: Options,
                    file_trials: tuple | None = None) -> SinglePlan | BatchPlan | OpOptimizerPlan:  # fmt: skip
    """A batch when a flag has several values (a space), batch files give
    trials, an optimizer is named, or the trials are to be saved; else one run."""
    found = optimizer_op(home, prepared, optimizer_name(prepared, opts))
    if found is not None and file_trials is None and not opts.save_trials:
        return OpOptimizerPlan(prepared, *found, opts)
    batch = opts.optimizer or opts.optimize or file_trials is not None or opts.save_trials
    if batch or any(is_space(f.value) for f in prepared.spec.flags.values()):
        return BatchPlan.create(home, prepared, opts, file_trials)
    return SinglePlan(prepared, trial_of=trial_parent(home))


def optimizer_name(prepared: Prepared, opts: Options) -> str | None:
    """The optimizer asked for: -o, -O's default, or the declared default
    when a flag is given a range."""
    opdef = prepared.spec.opdef
    if opts.optimizer or opts.optimize:
        return opts.optimizer or default_optimizer(opdef)
    if any(isinstance(f.value, Range) for f in prepared.spec.flags.values()):
        return next((n for n, d in opdef.optimizers.items() if d.get("default")), None)
    return None
