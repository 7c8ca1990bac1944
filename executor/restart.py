"""`ledger run --start RUN` and `ledger run --restart RUN`: a run started
again in place, as Guild does.

The run keeps its id, directory, source code and flags; flags given on the
command line replace the run's own (a `FlagSet` of origin `user` each,
appended before it starts). Its new start is a new `RunStarted`, its
output is added to what it printed before (the log keeps both), and it
ends with a new `RunStopped`. Nothing the run recorded is overwritten.
With --force-sourcecode the project's files replace the run's source code
(a new `SourcecodeCopied`); otherwise it runs the code it has.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ledger import verified
from ledger.errors import LedgerError, RunRefError
from ledger.events import Event, FlagSet, NewEvent, RunCreated, SourcecodeCopied
from ledger.executor import manage, requires
from ledger.executor.batch import BatchPlan
from ledger.executor.config_writes import config_resolutions
from ledger.executor.flags import format_value, parse_assignments
from ledger.executor.plan import RunSpec, Source
from ledger.executor.render import events_text
from ledger.executor.replay import Overrides, read_proto, replay
from ledger.executor.run import (
    Prepared,
    context,
    copy_sources,
    exit_code,
    start,
    started_elsewhere,
    store_sources,
)
from ledger.executor.source_files import project_source
from ledger.executor.steps import NeededPlan
from ledger.executor.values import is_space
from ledger.home import Home
from ledger.projections import rundir
from ledger.projections.liveness import stream_status
from ledger.projections.refs import Filters, listing, resolve_id

if TYPE_CHECKING:
    from ledger.executor.runner import Options


@dataclass
class RestartPlan:
    """A run to start again: `staged` when it was never started."""

    spec: RunSpec
    overrides: list[NewEvent]
    staged: bool
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, bytes] | None = None  # --force-sourcecode: the project's files, as read

    def describe(self) -> str:
        verb = "start" if self.staged else "restart"
        lines = [f"You are about to {verb} {self.spec.run_id[:8]} ({self.spec.op})"]
        lines += [f"  {name}: {format_value(f.value)}" for name, f in sorted(self.spec.flags.items())]
        return "\n".join(lines)

    def render_events(self) -> str:
        """What is appended before the run starts: the flags given."""
        if not self.overrides:
            return f"nothing: {self.spec.run_id[:8]} starts again with its recorded flags and source"
        return events_text(self.overrides)

    def trials_table(self):
        raise LedgerError("--print-trials needs a batch: give a flag several values, e.g. x=[1,2]")

    def execute(self, home: Home) -> int:
        # read again: the user may have tagged it, or started it elsewhere, while asked
        events = verified.stream(home.store, self.spec.run_id)
        if stream_status(events) == "running":
            raise started_elsewhere(self.spec.run_id)
        run_dir = home.run_dir(self.spec.run_id)
        if not os.path.isdir(run_dir):  # a home whose run directories were removed: the log has them
            try:
                rundir.materialise(run_dir, events, verified.blob_reader(home.blobs))
            except LedgerError:
                # an altered blob: no half-made directory that a later restart would take as whole
                shutil.rmtree(run_dir, ignore_errors=True)
                raise
        overrides = list(self.overrides)
        if self.sources is not None:
            store_sources(home, self.spec, self.sources)
            copy_sources(home, run_dir, self.spec, self.sources)
            src = self.spec.source
            overrides.append(NewEvent(self.spec.run_id, SourcecodeCopied(files=src.files, digest=src.digest)))
        # new flags or source: the config files the flags go to are written again, and recorded so
        configs = config_resolutions(home, self.spec, self.sources or {}) if overrides else []
        if configs:
            requires.materialise(run_dir, tuple(configs))
            overrides += [config.event(self.spec.run_id) for config in configs]
        if overrides:
            events += home.store.append(overrides, expected_version=len(events))
        return exit_code(start(home, self.spec, events, file_stats(run_dir), again=True))


def plan_restart(home: Home, ref: str, opts: Options, *,
                 staged: bool) -> RestartPlan | NeededPlan | BatchPlan:  # fmt: skip
    """The run `ref` names, ready to start again with the flags of `opts`
    over its own; with `staged`, only a staged run is taken. With --needed,
    a run whose flags would not change is not run again."""
    option = "--start" if staged else "--restart"
    op, args = opts.split_op()
    if op is not None:
        raise LedgerError(f"{option} runs the run's own operation: give flags only (NAME=VALUE), not {op!r}")
    annotations = [name for name, given in (("-l", opts.label), ("-t", opts.tags), ("-c", opts.comment)) if given]
    if annotations:
        raise LedgerError(f"{option} runs an existing run again: annotate it with `ledger label`/`tag`/`comment`"
                          f" instead of {', '.join(annotations)}")  # fmt: skip
    run_id = run_named(home, ref)
    events = verified.stream(home.store, run_id)
    short = run_id[:8]
    now = manage.state(home, run_id, events)
    if now != "live":
        raise LedgerError(f"run {short} is {now}; restore it first (`ledger restore {short}`)"
                          if now == "deleted" else f"run {short} was purged and cannot run again")  # fmt: skip
    status = stream_status(events)
    if status == "running":
        raise LedgerError(f"run {short} is running; stop it first (`ledger stop {short}`) or follow it"
                          f" (`ledger watch {short}`)")  # fmt: skip
    if staged and status != "staged":
        raise LedgerError(f"run {short} is {status}, not staged: --start starts a staged run;"
                          f" use --restart {short} to run it again")  # fmt: skip
    created = events[0].data
    assert isinstance(created, RunCreated)  # verified.stream and stream_status saw to it
    given = parse_assignments(args)
    if created.kind == "batch" and status == "staged" and "batch" in created.params and not given:
        return staged_batch(events, opts)
    if created.kind == "batch" or "steps" in created.params:
        what = "a staged batch takes no flags" if status == "staged" and given else \
            f"a batch or pipeline does not run again with {option}"  # fmt: skip
        raise LedgerError(f"run {short}: {what}; start a new one from it with `ledger run --proto {short}`")
    proto = read_proto(events)
    spec = replay(proto, Overrides(args=given), run_id, context())
    spaces = [name for name in given if name in spec.flags and is_space(spec.flags[name].value)]
    if spaces:
        raise LedgerError(f"{spaces[0]} is given several values: a run runs again with one value per flag"
                          f" (a batch from it: `ledger run --proto {short} {spaces[0]}=...`)")  # fmt: skip
    overrides = [
        NewEvent(run_id, FlagSet(name=name, value=spec.flags[name].value, origin="user"))
        for name in sorted(given)
        if name in spec.flags
    ]
    if opts.needed and all(n in proto.flags and proto.flags[n].value == spec.flags[n].value for n in given):
        return NeededPlan(run_id, spec.op)
    plan = RestartPlan(spec=spec, overrides=overrides, staged=status == "staged")
    if opts.force_sourcecode:
        source, plan.sources, plan.warnings = project_source(home, opts.project_dir, spec.opdef)
        plan.spec = replace(spec, source=source)
    return plan


def staged_batch(events: list[Event], opts: Options) -> BatchPlan:
    """A staged batch, to run as it was staged: its own run starts (a new
    `RunStarted` on the run staged) and its trials are made as they run."""
    created = events[0].data
    assert isinstance(created, RunCreated)
    run_id = events[0].run
    copied = next(e.data for e in reversed(events) if isinstance(e.data, SourcecodeCopied))
    spec = replay(read_proto(events), Overrides(), run_id, context())
    source = Source(files=copied.files, digest=copied.digest, origin=copied.origin, from_run=copied.from_run)
    spec = replace(spec, proto=created.proto, proto_created=None, source=source)
    plan = BatchPlan.from_proto(Prepared(spec=spec, sources={}), created.params["batch"], opts)
    plan.batch_spec = replace(plan.batch_spec, run_id=run_id)
    plan.staged_run = run_id
    return plan


def run_named(home: Home, ref: str) -> str:
    """The run `ref` names; as Guild allows, an operation's name names its newest run."""
    try:
        return resolve_id(home, ref)
    except RunRefError:
        newest = listing(home, Filters(ops=(ref,)), limit=1, flags=False)
        if not newest:
            raise
        return newest[0]["id"]


def file_stats(run_dir: str | os.PathLike[str]) -> dict[str, tuple[int, int]]:
    """Size and mtime of each file the run directory holds now: what the
    run writes from here on is recorded as its artifacts, what it had is not
    recorded again."""
    root = Path(run_dir)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if d != rundir.META]
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode):
                out[Path(dirpath, name).relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out
