"""`ledger run --start RUN` and `ledger run --restart RUN`: a run started
again in place, as Guild does.

The run keeps its id, directory, source code and flags; flags given on the
command line replace the run's own (a `FlagSet` of origin `user` each,
appended before it starts). Its new start is a new `RunStarted`, its
output is added to what it printed before (the log keeps both), and it
ends with a new `RunStopped`. Nothing the run recorded is overwritten.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ledger import verified
from ledger.errors import LedgerError
from ledger.events import Event, FlagSet, NewEvent, RunCreated
from ledger.executor import manage
from ledger.executor.flags import format_value, parse_assignments
from ledger.executor.plan import RunSpec
from ledger.executor.render import events_text
from ledger.executor.replay import Overrides, read_proto, replay
from ledger.executor.run import context, exit_code, start
from ledger.executor.values import is_space
from ledger.home import Home
from ledger.projections import rundir
from ledger.projections.liveness import stream_status
from ledger.projections.refs import resolve_id


@dataclass
class RestartPlan:
    """A run to start again: `staged` when it was never started."""

    spec: RunSpec
    events: list[Event]
    overrides: list[NewEvent]
    staged: bool
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        verb = "start" if self.staged else "restart"
        lines = [f"You are about to {verb} {self.spec.run_id[:8]} ({self.spec.op})"]
        lines += [f"  {name}: {format_value(f.value)}" for name, f in sorted(self.spec.flags.items())]
        return "\n".join(lines)

    def render_events(self) -> str:
        """What is appended before the run starts: the flags given."""
        return events_text(self.overrides)

    def trials_table(self):
        raise LedgerError("--print-trials needs a batch: give a flag several values, e.g. x=[1,2]")

    def execute(self, home: Home) -> int:
        run_dir = home.run_dir(self.spec.run_id)
        if not os.path.isdir(run_dir):  # a home whose run directories were removed: the log has them
            rundir.materialise(run_dir, self.events, home.blobs.read)
        events = list(self.events)
        if self.overrides:
            events += home.store.append(self.overrides)
        return exit_code(start(home, self.spec, events, file_stats(run_dir), again=True))


def plan_restart(home: Home, ref: str, args: list[str], *, staged: bool) -> RestartPlan:
    """The run `ref` names, ready to start again with the flags `args`
    (NAME=VALUE) over its own; with `staged`, only a staged run is taken."""
    run_id = resolve_id(home, ref)
    events = verified.stream(home.store, run_id)
    short = run_id[:8]
    option = "--start" if staged else "--restart"
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
    if created.kind == "batch" or "steps" in created.params:
        raise LedgerError(f"run {short} is a batch or pipeline, which {option} does not run again;"
                          f" start a new one from it with `ledger run --proto {short}`")  # fmt: skip
    given = parse_assignments(args)
    spec = replay(read_proto(events), Overrides(args=given), run_id, context())
    spaces = [name for name in given if name in spec.flags and is_space(spec.flags[name].value)]
    if spaces:
        raise LedgerError(f"{spaces[0]} is given several values: a run runs again with one value per flag"
                          f" (a batch from it: `ledger run --proto {short} {spaces[0]}=...`)")  # fmt: skip
    overrides = [
        NewEvent(run_id, FlagSet(name=name, value=spec.flags[name].value, origin="user"))
        for name in sorted(given)
        if name in spec.flags
    ]
    return RestartPlan(spec=spec, events=events, overrides=overrides, staged=status == "staged")


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
