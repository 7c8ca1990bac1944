"""Batches: one batch run that spawns trial runs (grids and optimizers).

The batch run (`echo+`, `echo+skopt:gp`, `echo+random`) records what it
searches in its RunCreated params (flag spaces, optimizer, its flags, the
trial count, the seed), so a proto of it replays the same search. Each
trial is a `TrialSpawned` on the batch's stream appended in one transaction
with the trial's own first events; its searched flags have origin `batch`
(grid) or `optimizer`.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger import verified
from ledger.errors import LedgerError
from ledger.events import NewEvent, RunDeleted, RunStarted, RunStopped, TrialSpawned
from ledger.executor import interrupts, launch, optimizer_specs, optimizers, trials
from ledger.executor.batch_files import save
from ledger.executor.batch_spec import GRID, BatchSpec, default_optimizer, make_spec
from ledger.executor.flags import parse_assignments, render_label
from ledger.executor.notices import info
from ledger.executor.plan import Flag, RunSpec, run_events
from ledger.executor.redaction import redact_argv
from ledger.executor.render import events_text
from ledger.executor.run import Prepared, execute, exit_code, new_run_id, store_sources
from ledger.executor.trial_history import earlier_trials
from ledger.executor.trials import format_trial
from ledger.executor.trials_ahead import Ahead
from ledger.executor.values import format_space, format_value, is_space
from ledger.home import Home
from ledger.projections import liveness, rundir

DEFAULT_OPT_TRIALS = 20


def error(message: str) -> None:
    sys.stderr.write(f"ERROR: [ledger] {message}\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    launch.to_terminal(sys.stderr, f"WARNING: [ledger] {message}\n")


class BatchPlan:
    """A batch ready to show, print or run."""

    def __init__(self, base: Prepared, spec: BatchSpec) -> None:
        # the operation's run spec, with spaces for the searched flags
        self.base = base if base.spec.flags == spec.flags else replace(base, spec=replace(base.spec, flags=spec.flags))
        self.batch = spec
        self.warnings = base.warnings
        self.seed = base.spec.random_seed
        self.batch_spec = self._batch_run_spec()
        self.save_to: str | None = None  # --save-trials: write the trials there, run nothing
        self._spawned: set[int] = set()  # indexes of the trials started (or staged)
        self.staged_run: str | None = None  # --start: the batch run was staged as this, and is started now

    @classmethod
    def create(cls, home: Home, prepared: Prepared, opts: Any, file_trials: tuple | None = None) -> BatchPlan:
        """The batch `opts` (runner.Options) asks for over the prepared run;
        `file_trials` are the trials of batch files (@trials.csv)."""
        optimizer = opts.optimizer
        if opts.optimize and optimizer is None:
            optimizer = default_optimizer(prepared.spec.opdef)
        spec = make_spec(
            prepared.spec.opdef,
            prepared.spec.flags,
            optimizer,
            parse_assignments(opts.opt_flags),
            opts.trials if opts.trials is not None else prepared.spec.opdef.default_max_trials,
            keep_batch=opts.keep_batch,
            workers=opts.workers,
            fail_on_trial_error=opts.fail_on_trial_error,
            stage_trials=opts.stage_trials,
            file_trials=file_trials,
        )
        plan = cls(prepared, spec)
        plan.save_to = opts.save_trials
        return plan

    @classmethod
    def from_proto(cls, prepared: Prepared, given: dict[str, Any], opts: Any) -> BatchPlan:
        """A batch proto replayed: its optimizer, optimizer flags, trial count
        and --keep-batch (`given`, its params), each overridable by `opts`."""
        spec = make_spec(
            prepared.spec.opdef,
            prepared.spec.flags,
            opts.optimizer or given.get("optimizer"),
            {**given.get("opt_flags", {}), **parse_assignments(opts.opt_flags)},
            opts.trials if opts.trials is not None else given.get("trials"),
            keep_batch=opts.keep_batch or bool(given.get("keep_batch")),
            workers=opts.workers,
            fail_on_trial_error=opts.fail_on_trial_error,
            stage_trials=opts.stage_trials,
            file_trials=tuple(given["file_trials"]) if given.get("file_trials") is not None else None,
        )
        return cls(prepared, spec)

    # -- what the batch is --------------------------------------------------

    @property
    def suffix(self) -> str:
        return GRID if self.batch.optimizer == GRID else optimizer_specs.get(self.batch.optimizer).op_suffix

    def _batch_run_spec(self) -> RunSpec:
        base = self.base.spec
        opt = self.batch.opt_flags
        given = self.batch.opt_flags_given
        params = {**self.batch.params(), **{k: v for k, v in base.params.items() if k in ("stage", "label")}}
        # as Guild: -l labels the trials; the batch's own label is --batch-label, else its optimizer flags
        label = optimizer_specs.label(opt) if opt else ""
        return replace(
            base,
            run_id=new_run_id(),
            op=base.op + self.suffix,
            kind="batch",
            flags={n: Flag(v, "user" if n in given else "default") for n, v in opt.items()},
            label=label or "",  # the trials' template stays, for protos of this batch
            params=params,
        )

    def grid_trials(self) -> list[dict[str, Any]]:
        flags = {n: f.value for n, f in self.base.spec.flags.items()}
        if self.batch.file_trials is not None:
            # each file trial's values win; the other flags' lists expand within it
            out = [t for row in self.batch.file_trials for t in trials.grid({**flags, **row}, seed=self.seed)]
            return trials.sample(out, self.batch.trials, self.seed) if self.batch.trials else out
        if self.batch.optimizer == GRID:
            return trials.grid_trials(flags, self.batch.trials, self.seed)
        if self.batch.optimizer == "random":
            return trials.random_trials(flags, self.batch.trials or DEFAULT_OPT_TRIALS, self.seed)
        raise LedgerError(
            f"{self.batch.optimizer} proposes each trial from the ones before, so its trials cannot be listed"
            " in advance; --print-trials and --stage-trials work for grids and -o random"
        )

    def describe(self) -> str:
        b = self.batch
        if b.optimizer == GRID:
            self.grid_trials()  # a grid too large is refused before asking to run it
        lines = [f"You are about to run {self.batch_spec.op}"]
        for name, f in sorted(self.base.spec.flags.items()):
            shown = format_space(f.value) if is_space(f.value) else format_value(f.value)
            lines.append(f"  {name}: {shown}")
        if b.optimizer != GRID:
            lines.append(f"Optimizer {b.optimizer}, {b.trials or DEFAULT_OPT_TRIALS} trial(s)")
            lines += [f"  {n}: {format_value(v)}" for n, v in sorted(b.opt_flags.items())]
        return "\n".join(lines)

    def trials_table(self) -> Iterator[str]:
        """--print-trials, a line at a time: a whole grid of any size streams."""
        if self.batch.optimizer == GRID and not self.batch.trials and self.batch.file_trials is None:
            return trials.grid_table({n: f.value for n, f in self.base.spec.flags.items()}, seed=self.seed)
        return iter(trials.print_table(self.grid_trials()).splitlines())

    def render_events(self) -> str:
        return events_text(run_events(self.batch_spec))

    # -- running it ---------------------------------------------------------------

    def execute(self, home: Home) -> int:
        b = self.batch
        if self.save_to:
            print(f"Saving trials to {self.save_to}")
            save(Path(self.base.spec.project, self.save_to), self.grid_trials())
            return 0
        fixed = self.grid_trials() if b.optimizer in (GRID, "random") or b.stage_trials else None
        self._start_batch(home)
        if self.batch_spec.params.get("stage"):
            return 0
        status, code = "completed", 0
        try:
            with interrupts.sigterm_interrupts():
                if fixed is not None and b.workers > 1 and not b.stage_trials:
                    status, code = self._run_parallel(home, fixed)
                else:
                    status, code = self._run_serial(home, fixed)
        except KeyboardInterrupt as e:
            status, code = "terminated", interrupts.exit_code(e)
        except BaseException:  # whatever stopped it, a batch cut short is never recorded completed
            status, code = "error", 1
            raise
        finally:
            with interrupts.deferred():
                if status == "terminated" and fixed is not None:
                    self._record_pending(home, fixed)
                self._stop_batch(home, status, code)
        return code

    def execute_as_step(self, home: Home, spawned: Callable[[str], NewEvent]) -> tuple[str | None, int]:
        """Run as a step of a pipeline; `spawned(run_id)` announces it there."""
        parent = spawned(self.batch_spec.run_id)
        self.batch_spec = replace(self.batch_spec, batch=parent.run)
        home.store.append([parent])
        return self.batch_spec.run_id, self.execute(home)

    def _record_pending(self, home: Home, fixed: list[dict]) -> None:
        """The trials an interrupted batch did not start are recorded, as
        Guild does, staged: `ledger runs` lists them, all in one append."""
        planned: list[NewEvent] = []
        for index, values in enumerate(fixed):
            if index in self._spawned:
                continue
            spec = self._trial_spec(index, values)
            spec = replace(spec, params={**spec.params, "stage": True})
            planned.append(NewEvent(self.batch_spec.run_id, TrialSpawned(trial=spec.run_id, index=index, flags=values)))
            planned += run_events(spec)
        if not planned:
            return
        appended = home.store.append(planned)
        info(f"{sum(isinstance(e.data, TrialSpawned) for e in planned)} trial(s) not started, recorded as staged")
        by_run: dict[str, list] = {}
        for ev in appended:
            if ev.run != self.batch_spec.run_id:
                by_run.setdefault(ev.run, []).append(ev)
        for run, events in by_run.items():
            rundir.materialise(home.run_dir(run), events, verified.blob_reader(home.blobs))

    def _start_batch(self, home: Home) -> None:
        spec = self.batch_spec
        store_sources(home, spec, self.base.sources)
        planned = run_events(spec) if self.staged_run is None else []
        if not spec.params.get("stage"):  # the batch runs in this very process: started now
            started = RunStarted(argv=redact_argv(sys.argv), pid=os.getpid(), **liveness.started_owner())
            planned.append(NewEvent(spec.run_id, started))
        home.store.append(planned)
        rundir.materialise(home.run_dir(spec.run_id), home.store.stream(spec.run_id), verified.blob_reader(home.blobs))

    def _stop_batch(self, home: Home, status: str, code: int) -> None:
        spec = self.batch_spec
        events = [NewEvent(spec.run_id, RunStopped(status=status, exit_status=code))]  # type: ignore[arg-type]
        # as Guild: a plain grid's batch run is only scaffolding, an
        # optimizer's batch run holds the search and stays
        # a batch that failed stays, as in Guild, so its pending trials keep their batch
        scaffolding = self.batch.optimizer == GRID or self.batch.implied
        if scaffolding and status == "completed" and not self.batch.keep_batch:
            events.append(NewEvent(spec.run_id, RunDeleted()))
        home.store.append(events)
        rundir.materialise(home.run_dir(spec.run_id), home.store.stream(spec.run_id), verified.blob_reader(home.blobs))

    def _trial_spec(self, index: int, values: dict[str, Any]) -> RunSpec:
        base = self.base.spec
        origin = "batch" if self.batch.optimizer == GRID else "optimizer"
        flags = {
            n: Flag(values[n], origin) if is_space(f.value) or (n in values and values[n] != f.value) else f
            for n, f in base.flags.items()
        }
        label = render_label(base.label_template, {n: f.value for n, f in flags.items()})
        given = base.params.get("flags", {})
        params = {"flags": {n: values.get(n, v) for n, v in given.items()}, "trial": index}
        if self.batch.stage_trials:
            params["stage"] = True
        return replace(
            base,
            run_id=new_run_id(),
            flags=flags,
            label=label,
            batch=self.batch_spec.run_id,
            proto=None,
            proto_created=None,
            random_seed=self.seed,  # as Guild: the batch's seed is every trial's
            params=params,
        )

    def _run_trial(self, home: Home, index: int, values: dict[str, Any], tee: bool = True,
                   stage: bool = False, stop: threading.Event | None = None,
                   ahead: Ahead | None = None) -> launch.Outcome | None:  # fmt: skip
        """Run (or stage) one trial; with `stop` (trials side by side), none
        starts once it is set, and the one running stops. With `ahead`, the
        trial may have been started ahead, and the next one is."""
        if stop is not None and stop.is_set():
            return None  # the batch was stopped first: recorded staged with the others not started
        spec, standby = ahead.take(index) if ahead is not None else (None, None)
        spec = spec or self._trial_spec(index, values)
        self._spawned.add(index)
        staged = stage or self.batch.stage_trials
        if staged:
            spec = replace(spec, params={**spec.params, "stage": True})
        verb = "Staging" if staged else "Running"
        info(f"{verb} trial {spec.run_id[:8]}: {self.base.spec.op} ({format_trial(values)})")
        spawned = NewEvent(self.batch_spec.run_id, TrialSpawned(trial=spec.run_id, index=index, flags=values))
        # trials side by side: each terminal line says whose it is
        prefix = f"{spec.run_id[:8]}: ".encode() if self.batch.workers > 1 and not staged else None
        following = ahead.start_next(home, index) if ahead is not None else None
        outcome = execute(home, replace(self.base, spec=spec), tee=tee, extra=(spawned,), prefix=prefix,
                          stop=stop, standby=standby, while_running=following)  # fmt: skip
        if self._failed(outcome):
            error(f"Trial {spec.run_id[:8]} exited with an error ({exit_code(outcome)}) - see log for details")
        return outcome

    def _stop_on_failure(self, home: Home, pending: list[tuple[int, dict[str, Any]]], outcome) -> tuple[str, int]:
        """--fail-on-trial-error: the trials not run yet are staged, to be started as needed."""
        error("Stopping batch because a trial failed (pending trials can be started as needed)")
        for index, values in pending:
            self._run_trial(home, index, values, stage=True)
        return "error", 1

    def _failed(self, outcome: launch.Outcome | None) -> bool:
        return outcome is not None and outcome.status != "completed"

    def _history(self, home: Home) -> list[tuple[dict, float]]:
        """Earlier runs the optimizer may learn from, by its prev-trials flag."""
        mode = self.batch.opt_flags.get("prev-trials", "batch")
        return [] if mode == "batch" else earlier_trials(home, self.base.spec, mode)

    def _run_serial(self, home: Home, fixed: list[dict] | None) -> tuple[str, int]:
        b = self.batch
        total = len(fixed) if fixed is not None else (b.trials or DEFAULT_OPT_TRIALS)
        prior: list[tuple[dict, float]] = self._history(home) if fixed is None else []
        # trials known in advance start ahead: each while the one before runs
        ahead = Ahead(self._trial_spec, fixed) if fixed is not None and not b.stage_trials else None
        try:
            for index in range(total):
                if fixed is not None:
                    values = fixed[index]
                else:
                    values = self._propose(prior, index)
                outcome = self._run_trial(home, index, values, ahead=ahead)
                if outcome is not None and outcome.status == "terminated" and outcome.interrupted:
                    return "terminated", exit_code(outcome)
                if self._failed(outcome):
                    if b.fail_on_trial_error:
                        rest = [(i, fixed[i]) for i in range(index + 1, total)] if fixed is not None else []
                        if ahead is not None:
                            ahead.close()
                        return self._stop_on_failure(home, rest, outcome)
                if fixed is None and outcome is not None:
                    self._learn(prior, values, outcome)
        finally:
            if ahead is not None:
                ahead.close()
        return "completed", 0

    def _propose(self, prior: list[tuple[dict, float]], index: int) -> dict[str, Any]:
        spec = optimizer_specs.get(self.batch.optimizer)
        flags = {n: f.value for n, f in self.base.spec.flags.items()}
        values, message = optimizers.propose(
            spec, self.batch.opt_flags, flags, prior, self.seed, index, max_trials=self.batch.trials
        )
        if not prior and index and message.endswith("(missing previous trials)"):
            message = f"Random start for optimization (cannot find objective '{self.base.spec.opdef.minimize[0]}')"
        if message:
            info(message)
        return values

    def _learn(self, prior: list[tuple[dict, float]], values: dict[str, Any], outcome: launch.Outcome) -> None:
        name, minimize = self.base.spec.opdef.minimize
        if name not in outcome.scalars:
            warn(f"trial logged no '{name}' scalar; the optimizer cannot learn from it")
            return
        value = outcome.scalars[name]
        prior.append((values, value if minimize else -value))

    def _run_parallel(self, home: Home, fixed: list[dict]) -> tuple[str, int]:
        """The trials, up to `workers` at once, each in a worker thread. Ctrl-C
        and SIGTERM reach this (main) thread only: they stop every trial
        running (its process group gets SIGTERM, then SIGKILL, and its worker
        records it terminated) and start no more."""
        b = self.batch
        failed: list[launch.Outcome] = []
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=b.workers)
        try:
            futures = [pool.submit(self._run_trial, home, i, values, stop=stop) for i, values in enumerate(fixed)]
            for fut in futures:
                outcome = fut.result()
                if self._failed(outcome):
                    failed.append(outcome)  # type: ignore[arg-type]
        except BaseException:
            stop.set()
            with interrupts.deferred():  # a second Ctrl-C does not cut the trials' records short
                pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if failed and b.fail_on_trial_error:
            error("Stopping batch because a trial failed (pending trials can be started as needed)")
            return "error", 1
        return "completed", 0
