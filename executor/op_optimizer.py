"""An operation of the project used as an optimizer (`-o tune`, or
`optimizer: tune` in guild.yml), as Guild allows.

The batch run (`train+tune`) is a run of that operation: its process runs
with the optimizer's flags (declared in guild.yml, then -Fo), in a batch run
directory of its own, and decides the trials itself. It finds the
operation to search in `LEDGER_BATCH_OP` (of the project in
`LEDGER_BATCH_PROJECT`), that operation's flags (values and search spaces,
as a user writes them) as JSON in `LEDGER_BATCH_FLAGS`,
and its own run id in `LEDGER_BATCH_RUN`: a `ledger run` it starts with that
variable set is recorded as one of its trials (see `trial_parent`).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from ledger.errors import LedgerError, ProjectError
from ledger.events import NewEvent, TrialSpawned
from ledger.executor import optimizer_specs
from ledger.executor.batch_spec import GRID, BatchSpec
from ledger.executor.flags import parse_assignments, resolve
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag, run_events
from ledger.executor.render import events_text
from ledger.executor.run import Prepared, describe, execute, exit_code, new_run_id, resolve_opdef
from ledger.executor.startcheck import check_prepared
from ledger.executor.values import format_space, format_value, is_space
from ledger.home import Home

BATCH_RUN_ENV = "LEDGER_BATCH_RUN"


def optimizer_op(home: Home, prepared: Prepared, name: str | None) -> tuple[OpDef, dict[str, Any]] | None:
    """The project operation optimizer `name` stands for, and the flags the
    searched operation declares for it; None for a built-in optimizer."""
    if name is None or name == GRID:
        return None
    declared = prepared.spec.opdef.optimizers.get(name, {})
    algorithm = declared.get("algorithm") or name
    try:
        optimizer_specs.get(algorithm)
        return None  # a built-in optimizer keeps its name even if an operation shares it
    except LedgerError:
        pass
    try:
        opdef = resolve_opdef(home, prepared.spec.project, algorithm)
    except ProjectError:
        return None  # neither: the built-in lookup names the choices
    if opdef.steps is not None:
        raise ProjectError(f"operation '{algorithm}' runs steps; a pipeline cannot be an optimizer")
    return opdef, dict(declared.get("flags") or {})


class OpOptimizerPlan:
    """A batch whose optimizer is an operation: one run of that operation."""

    def __init__(self, prepared: Prepared, optimizer: OpDef, declared: dict[str, Any], opts: Any) -> None:
        given = {**{k: _as_arg(v) for k, v in declared.items()}, **parse_assignments(opts.opt_flags)}
        resolved = resolve(optimizer, given)
        base = prepared.spec
        batch = BatchSpec(
            flags=base.flags,
            optimizer=optimizer.name,
            opt_flags={n: v for n, (v, _) in resolved.items()},
            opt_flags_given=parse_assignments(opts.opt_flags),
            trials=opts.trials,
            keep_batch=True,
        )
        searched = {n: format_space(f.value) if is_space(f.value) else f.value for n, f in sorted(base.flags.items())}
        env = {
            "LEDGER_BATCH_OP": base.op,
            "LEDGER_BATCH_PROJECT": base.project,
            "LEDGER_BATCH_FLAGS": json.dumps(searched),
        }
        run_id = new_run_id()
        env[BATCH_RUN_ENV] = run_id
        spec = replace(
            base,
            run_id=run_id,
            op=f"{base.op}+{optimizer.name}",
            opdef=optimizer.replace(env={**optimizer.env, **env}),
            kind="batch",
            flags={n: Flag(v, origin) for n, (v, origin) in resolved.items()},
            label=optimizer_specs.label(batch.opt_flags),
            params={**_params(batch), **{k: v for k, v in base.params.items() if k in ("stage", "label")}},
        )
        self.prepared = replace(prepared, spec=spec, resolutions=())
        check_prepared(self.prepared)  # the optimizer's program, before anything is appended
        self.warnings = prepared.warnings

    def describe(self) -> str:
        return describe(self.prepared.spec)

    def render_events(self) -> str:
        return events_text(run_events(self.prepared.spec))

    def trials_table(self) -> str:
        raise LedgerError("an operation used as an optimizer decides its trials as it runs; they cannot be listed")

    def execute(self, home: Home) -> int:
        return exit_code(execute(home, self.prepared))

    def execute_as_step(self, home: Home, spawned: Any) -> tuple[str | None, int]:
        parent = spawned(self.prepared.spec.run_id)
        prepared = replace(self.prepared, spec=replace(self.prepared.spec, batch=parent.run))
        return prepared.spec.run_id, exit_code(execute(home, prepared, extra=(parent,)))


def trial_parent(home: Home) -> str | None:
    """The batch a `ledger run` started by an optimizer operation belongs
    to: the run named by LEDGER_BATCH_RUN, when it is a running batch."""
    run_id = os.environ.get(BATCH_RUN_ENV)
    if not run_id:
        return None
    events = home.store.stream(run_id)
    if not events or getattr(events[0].data, "kind", None) != "batch":
        return None
    return run_id


def spawned_in(home: Home, batch: str, trial: str, flags: dict[str, Any]) -> NewEvent:
    """The TrialSpawned that makes `trial` the next trial of `batch`."""
    index = sum(isinstance(e.data, TrialSpawned) for e in home.store.stream(batch))
    return NewEvent(batch, TrialSpawned(trial=trial, index=index, flags=flags))


def _params(batch: BatchSpec) -> dict[str, Any]:
    params = batch.params()
    params["batch"]["optimizer_op"] = True  # its trials are the optimizer's to decide: nothing to replay
    return params


def _as_arg(value: Any) -> str:
    """A flag value declared in guild.yml, as the user would type it."""
    return value if isinstance(value, str) else format_value(value)
