"""A batch's next trials, their processes started while the trial before them runs.

For batches whose trials are known in advance (a grid, random search):
the next trials' specs, run ids included, are made early, so their
processes can start with each trial's exact command line and environment
(see executor/standby.py). An optimizer's next trial depends on the results of
the ones before, so it starts when they end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError
from ledger.executor import plan
from ledger.executor.plan import RunSpec
from ledger.executor.run import child_env, op_env
from ledger.executor.standby import Standby
from ledger.home import Home

# How many trials ahead are started: while one trial runs, the next two
# start on whatever core is free (Python's start-up takes longer than
# ledger's own work for a trial, so one ahead leaves a core idle).
DEPTH = 2


class Ahead:
    def __init__(self, make_spec: Callable[[int, dict[str, Any]], RunSpec], fixed: list[dict[str, Any]]) -> None:
        self._make_spec = make_spec
        self._fixed = fixed
        self._started: dict[int, tuple[RunSpec, Standby | None]] = {}

    def take(self, index: int) -> tuple[RunSpec | None, Standby | None]:
        """The spec and waiting process started for trial `index`, if any."""
        for earlier in [i for i in self._started if i < index]:
            self._abandon(earlier)
        return self._started.pop(index, (None, None))

    def start_next(self, home: Home, index: int) -> Callable[[], None] | None:
        """What starts the trials after `index`, to be called once trial `index` runs."""
        following = [i for i in range(index + 1, min(index + 1 + DEPTH, len(self._fixed))) if i not in self._started]
        if not following:
            return None

        def start() -> None:
            for i in following:
                spec = self._make_spec(i, self._fixed[i])
                try:
                    standby = start_standby(home, spec)
                except (LedgerError, OSError):
                    standby = None  # started when its turn comes, which says why it cannot be
                self._started[i] = (spec, standby)

        return start

    def close(self) -> None:
        """Kill the processes started for trials that will not run."""
        for index in list(self._started):
            self._abandon(index)

    def _abandon(self, index: int) -> None:
        _, standby = self._started.pop(index)
        if standby is not None:
            standby.abandon()


def start_standby(home: Home, spec: RunSpec) -> Standby | None:
    """The process of a run not started yet, waiting for its flags."""
    run_dir = home.run_dir(spec.run_id)
    argv = plan.command(spec.opdef, spec.flag_values, flags_fd=0)  # the standby puts its own pipe's number
    env = child_env(home, spec.run_id, run_dir, op_env(spec.opdef))
    return Standby.start(spec.run_id, argv, env, Path(run_dir))
