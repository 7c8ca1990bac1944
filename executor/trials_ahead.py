"""A batch's next trial, its process started while the trial before it runs.

For batches whose trials are known in advance (a grid, random search):
the next trial's spec, its run id included, is made early, so its process
can start with that trial's exact command line and environment (see
executor/standby.py). An optimizer's next trial depends on the results of
the ones before, so it starts when they end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.executor import plan
from ledger.executor.plan import RunSpec
from ledger.executor.run import child_env, op_env
from ledger.executor.standby import Standby
from ledger.home import Home


class Ahead:
    def __init__(self, make_spec: Callable[[int, dict[str, Any]], RunSpec], fixed: list[dict[str, Any]]) -> None:
        self._make_spec = make_spec
        self._fixed = fixed
        self._next: tuple[int, RunSpec, Standby | None] | None = None

    def take(self, index: int) -> tuple[RunSpec | None, Standby | None]:
        """The spec and waiting process started for trial `index`, if any."""
        if self._next is None or self._next[0] != index:
            self.close()
            return None, None
        _, spec, standby = self._next
        self._next = None
        return spec, standby

    def start_next(self, home: Home, index: int) -> Callable[[], None] | None:
        """What starts trial `index + 1`, to be called once trial `index` runs."""
        if index + 1 >= len(self._fixed):
            return None

        def start() -> None:
            self.close()
            spec = self._make_spec(index + 1, self._fixed[index + 1])
            self._next = (index + 1, spec, start_standby(home, spec))

        return start

    def close(self) -> None:
        """Kill a process started for a trial that will not run."""
        if self._next is not None and self._next[2] is not None:
            self._next[2].abandon()
        self._next = None


def start_standby(home: Home, spec: RunSpec) -> Standby | None:
    """The process of a run not started yet, waiting for its flags."""
    run_dir = home.run_dir(spec.run_id)
    argv = plan.command(spec.opdef, spec.flag_values, flags_fd=0)  # the standby puts its own pipe's number
    env = child_env(home, spec.run_id, run_dir, op_env(spec.opdef))
    return Standby.start(spec.run_id, argv, env, Path(run_dir))
