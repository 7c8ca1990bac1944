"""An interpreter started ahead for a batch's next trial.

Starting Python takes longer than running a small trial. While one trial
runs, its batch starts the next trial's process already, with that
trial's exact command line, environment and run directory, on a core the
running trial leaves idle. The process waits in op_main for its flags
pipe; once the trial's source code is in place, ledger sends the flags and
the script begins. `ps` shows the trial's command line throughout.

A standby not used (the batch stopped, or a trial failed with
--fail-on-trial-error) is killed before its script could begin, and the
run directory made for it, still empty, is removed.
"""

from __future__ import annotations

import marshal
import os
import subprocess
from pathlib import Path

from ledger.executor import launch
from ledger.executor.op_main import __file__ as OP_MAIN


class Standby:
    def __init__(self, run_id: str, argv: list[str], env: dict[str, str], cwd: Path,
                 proc: subprocess.Popen, flags: launch.FlagsPipe) -> None:  # fmt: skip
        self.run_id = run_id
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.proc = proc
        self._flags = flags

    @classmethod
    def start(cls, run_id: str, argv: list[str], env: dict[str, str], cwd: Path) -> Standby | None:
        """The process of `argv` waiting for its flags, or None where it
        cannot wait (a command that is not a Python `main`)."""
        if argv[2:3] != [OP_MAIN]:
            return None
        made = not cwd.exists()
        cwd.mkdir(parents=True, exist_ok=True)
        flags = launch.FlagsPipe(b"")
        if argv[3:4] == ["--flags-fd"]:
            argv = [*argv[:4], str(flags.fd), *argv[5:]]
        else:  # flags as arguments: the pipe then only says when to begin
            argv = [*argv[:3], "--flags-fd", str(flags.fd), *argv[3:]]
        try:
            proc = launch.start(argv, cwd, env, flags=flags, send=False)
        except BaseException:
            flags.close()
            if made:
                _remove_if_empty(cwd)
            raise
        return cls(run_id, argv, env, cwd, proc, flags)

    def begin(self, payload: bytes | None) -> subprocess.Popen:
        """Send the flags (None: the script's own values); its script runs."""
        self._flags.data = payload if payload is not None else marshal.dumps((None, None))
        self._flags.send()
        return self.proc

    def abandon(self) -> None:
        """Kill the waiting process; remove its run directory if still empty."""
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        self._flags.close()
        _remove_if_empty(self.cwd)


def _remove_if_empty(folder: Path) -> None:
    try:
        os.rmdir(folder)
    except OSError:
        pass  # not empty (or gone): nothing in it is ours to remove
