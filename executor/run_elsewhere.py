"""`ledger run --run-dir DIR`: the operation run in DIR, outside the log.

As in Guild, such a run is not part of the history: a run directory under
the home is a projection of the log, so a run in a folder of the user's
cannot be one. Nothing is appended and nothing under the home changes;
DIR gets the source files and the run's output stays on the terminal.
`ledger runs`, `select` and SQL never show it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ledger import verified
from ledger.errors import LedgerError
from ledger.executor import launch, plan, requires
from ledger.executor.config_writes import config_resolutions
from ledger.executor.run import Prepared, cache_dir, child_env, exit_code, flags_payload, op_env
from ledger.home import Home


def run_in(home: Home, prepared: Prepared, run_dir: str) -> int:
    """Run the prepared operation with `run_dir` as its directory; its exit code."""
    spec = prepared.spec
    target = Path(run_dir).absolute()
    if target.exists() and not target.is_dir():
        raise LedgerError(f"--run-dir {run_dir} is a file; give a folder (it is created if missing)")
    target.mkdir(parents=True, exist_ok=True)
    sys.stderr.write(f"Run directory is '{target}' (not recorded: `ledger runs` and SQL will not show this run)\n")
    for f in spec.source.files:
        dest = target / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = prepared.sources.get(f.path)
        dest.write_bytes(data if data is not None else verified.read_blob(home.blobs, f.sha256))
        dest.chmod(f.mode)
    resolutions = (*prepared.resolutions, *config_resolutions(home, spec, prepared.sources, store=False))
    if resolutions:
        requires.materialise(target, resolutions)
    values = spec.flag_values
    payload = flags_payload(spec.opdef, values, target, cache_dir(home))
    pipe = launch.FlagsPipe(payload) if payload is not None else None
    argv = plan.command(spec.opdef, values, flags_fd=pipe.fd if pipe else None)
    env = child_env(home, spec.run_id, target, op_env(spec.opdef))
    del env["LEDGER_METRICS_FILE"]  # `ledger.log` calls do nothing outside a recorded run
    proc = launch.start(argv, target, env, flags=pipe)
    return exit_code(launch.capture(proc, lambda data, ms, stream: None))
