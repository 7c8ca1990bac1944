"""Pipelines: an operation with `steps:` runs other operations, in order.

The pipeline is a run of its own; each step is a normal run (or batch)
whose `batch` link names the pipeline, announced on the pipeline's stream
by a `TrialSpawned`, and linked into the pipeline's directory under the
step's name. A step's flags may refer to the pipeline's (`lr: ${lr}`); a
pipeline flag that is None is not passed, so the step keeps its default.
Steps are checked before anything is written: an unknown operation or a
cycle of pipelines fails with nothing appended. A failed step stops the
pipeline, which then ends in error.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger import verified
from ledger.errors import LedgerError, ProjectError
from ledger.events import NewEvent, RunStarted, RunStopped, TrialSpawned
from ledger.executor.flags import parse_assignments, resolve
from ledger.executor.notices import info
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag, Source, run_events
from ledger.executor.redaction import redact_argv
from ledger.executor.render import events_text
from ledger.executor.run import Prepared, RunRequest, build_spec, describe, resolve_opdef
from ledger.executor.sourcecode import digest
from ledger.executor.values import format_value, is_space
from ledger.home import Home
from ledger.projections import rundir
from ledger.projections.refs import Filters, listing

_REF = re.compile(r"\$\{([^}]+)\}")
# plans a step: (its arguments: OP and NAME=VALUE, whether it is `needed`) -> a plan
StepPlanner = Callable[[list[str], bool], Any]


def plan_pipeline(home: Home, opts: Any, plan_step: StepPlanner, prepared: Prepared | None = None,
                  opdef: OpDef | None = None, flag_args: list[str] | None = None) -> PipelinePlan:  # fmt: skip
    """A pipeline ready to show or run (`opts` is runner.Options). It is
    `prepared` when it replays a proto (its flags and seed), else a run of
    `opdef` with `flag_args`."""
    if prepared is None:
        assert opdef is not None
        args = list(flag_args or ())
        resolved = resolve(opdef, parse_assignments(args))
        flags = {name: Flag(value, origin) for name, (value, origin) in resolved.items()}
        req = RunRequest(op=opdef.name, args=args, project_dir=opts.project_dir, label=opts.label,
                         stage=opts.stage, random_seed=opts.random_seed)  # fmt: skip
        spec = build_spec(opdef, flags, Source(files=(), digest=digest([])), req, project=str(opts.project_dir))
        prepared = Prepared(spec=spec, sources={}, warnings=list(opdef.notes))
    check_steps(home, opts.project_dir, prepared.spec.opdef)
    return PipelinePlan(prepared, plan_step)


def check_steps(home: Home, project_dir: str, opdef, path: tuple[str, ...] = ()) -> None:
    """Every step names an operation that exists; no pipeline runs itself."""
    path = (*path, opdef.name)
    for step in opdef.steps or ():
        if step["run"] in path:
            cycle = " -> ".join((*path[path.index(step["run"]):], step["run"]))
            raise ProjectError(f"steps of operation '{path[0]}' form a cycle ({cycle}); remove one of those steps")
        sub = resolve_opdef(home, project_dir, step["run"])
        if sub.steps is not None:
            check_steps(home, project_dir, sub, path)


def step_args(step: dict, values: dict[str, Any]) -> list[str]:
    """A step's NAME=VALUE arguments, its `${flag}` references filled with
    the pipeline's values; a reference to a None value drops the flag."""
    args = []
    for name, raw in step["flags"].items():
        if isinstance(raw, str):
            refs = _REF.findall(raw)
            if any(values.get(r) is None for r in refs if r in values):
                continue
            text = _REF.sub(lambda m: _text(values[m.group(1)]) if m.group(1) in values else m.group(0), raw)
        else:
            text = format_value(raw)
        args.append(f"{name}={text}")
    return args


class PipelinePlan:
    """A run of an operation with `steps:`."""

    def __init__(self, prepared: Prepared, plan_step: StepPlanner) -> None:
        self.prepared = prepared
        self.plan_step = plan_step
        self.warnings = prepared.warnings

    @property
    def steps(self) -> tuple:
        return self.prepared.spec.opdef.steps or ()

    def describe(self) -> str:
        values = self.prepared.spec.flag_values
        lines = [describe(self.prepared.spec), "Steps:"]
        lines += [f"  {step['name']}: {' '.join([step['run'], *step_args(step, values)])}" for step in self.steps]
        return "\n".join(lines)

    def render_events(self) -> str:
        return events_text(run_events(self.prepared.spec))

    def trials_table(self) -> str:
        raise LedgerError("--print-trials needs a batch: a pipeline runs its steps in turn")

    def execute(self, home: Home, extra: tuple = ()) -> int:
        spec = self.prepared.spec
        spec = replace(spec, params={**spec.params, "steps": [s["name"] for s in self.steps]})
        planned = [*extra, *run_events(spec)]
        if not spec.params.get("stage"):
            planned.append(NewEvent(spec.run_id, RunStarted(argv=redact_argv(sys.argv), pid=os.getpid())))
        events = [e for e in home.store.append(planned) if e.run == spec.run_id]
        run_dir = home.run_dir(spec.run_id)
        rundir.materialise(run_dir, events, verified.blob_reader(home.blobs))
        if spec.params.get("stage"):
            return 0
        status, code = "completed", 0
        try:
            code = self._run_steps(home, spec.run_id, spec.flag_values, run_dir)
            status = "completed" if code == 0 else "error"
        except KeyboardInterrupt:
            status, code = "terminated", 130
        finally:
            home.store.append([NewEvent(spec.run_id, RunStopped(status=status, exit_status=code))])  # type: ignore[arg-type]
            rundir.materialise(run_dir, home.store.stream(spec.run_id), verified.blob_reader(home.blobs))
        return code

    def execute_as_step(self, home: Home, spawned: Callable[[str], NewEvent]) -> tuple[str | None, int]:
        """Run as a step of another pipeline; `spawned(run_id)` announces it there."""
        parent = spawned(self.prepared.spec.run_id)
        self.prepared = replace(self.prepared, spec=replace(self.prepared.spec, batch=parent.run))
        return self.prepared.spec.run_id, self.execute(home, extra=(parent,))

    def _run_steps(self, home: Home, pipeline: str, values: dict[str, Any], run_dir: Path) -> int:
        used: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            args = step_args(step, values)
            info(f"running {step['name']}: {shlex.join([step['run'], *args])}")
            plan = self.plan_step([step["run"], *args], step["needed"])
            for warning in plan.warnings:
                print(warning, file=sys.stderr)

            def spawned(run: str, index: int = index) -> NewEvent:
                return NewEvent(pipeline, TrialSpawned(trial=run, index=index, flags={}))

            step_id, code = plan.execute_as_step(home, spawned)
            if step_id is not None:
                used[step["name"]] = used.get(step["name"], 0) + 1
                n = used[step["name"]]
                link = Path(run_dir, step["name"] if n == 1 else f"{step['name']}_{n}")
                link.symlink_to(Path("..", step_id))
            if code != 0:
                return 1
        return 0


class NeededPlan:
    """`--needed` when a completed run with the same flags exists: nothing to run."""

    warnings: list[str] = []

    def __init__(self, run_id: str, op: str) -> None:
        self.run_id = run_id
        self.op = op

    def describe(self) -> str:
        return f"Run {self.run_id[:8]} of {self.op} has these flags already (--needed): nothing to run"

    def render_events(self) -> str:
        return ""

    def trials_table(self) -> str:
        return ""

    def execute(self, home: Home) -> int:
        info(f"Skipping {self.op}: run {self.run_id[:8]} has the same flags (--needed)")
        return 0

    def execute_as_step(self, home: Home, spawned: Callable[[str], NewEvent]) -> tuple[str | None, int]:
        self.execute(home)
        return self.run_id, 0


def needed_run(home: Home, prepared: Prepared) -> NeededPlan | None:
    """A completed run of the same operation with the same flags, if any."""
    values = prepared.spec.flag_values
    if any(is_space(v) for v in values.values()):
        return None
    for run in listing(home, Filters(ops=(prepared.spec.op,), statuses=("completed",))):
        if dict(run.get("flags") or {}) == values:
            return NeededPlan(run["id"], prepared.spec.op)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)
