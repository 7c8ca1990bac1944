"""A grid's next trial starts while the one before it runs: its process
waits, with the trial's own command line and run directory, until its
source code is in place and its flags are sent (executor/standby.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.executor.trials_ahead import DEPTH
from tests.e2e.conftest import Ledger
from tests.e2e.test_lifecycle import gone

# Each trial says it is ready, then waits for the test's word (a file).
WAITER = """\
import os
import time
from pathlib import Path

x = 1
lr = 0.5
print('ready', os.getpid(), x, lr, flush=True)
while not Path({go!r}).exists():
    time.sleep(0.01)
"""


def children_of(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def start_grid(tmp_path: Path, script: str, *flags: str) -> tuple[Ledger, subprocess.Popen, Path]:
    project = tmp_path / "proj"
    project.mkdir()
    go = tmp_path / "go"
    (project / "waiter.py").write_text(script.format(go=str(go)))
    ledger = Ledger(tmp_path / "home", project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "run", "waiter.py", *flags, "-y"],
        cwd=project, env={**os.environ, "LEDGER_HOME": str(ledger.home)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return ledger, proc, go


def waiting_processes(owner: int, running: int, count: int, within: float = 10.0) -> list[int]:
    """The children of `owner` but the trial running, once there are `count`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        others = [pid for pid in children_of(owner) if pid != running]
        if len(others) >= count:
            return others
        time.sleep(0.02)
    raise AssertionError("no process was started for the next trials")


def test_the_next_trials_wait_with_their_command_line_in_their_own_run_directory(tmp_path: Path) -> None:
    ledger, proc, go = start_grid(tmp_path, WAITER, "x=[1,2,3,4]", "lr=0.1")
    first = proc.stdout.readline()
    assert first.split()[2:] == ["1", "0.1"], first + proc.stderr.read()
    waiting = {}
    for pid in waiting_processes(proc.pid, int(first.split()[1]), DEPTH):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"waiter.py" in argv  # `ps` names the script from the start
        run_dir = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert run_dir.parent == ledger.home / "runs" and list(run_dir.iterdir()) == []  # its source code comes later
        waiting[pid] = run_dir.name
    go.touch()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    printed = [line.split()[1:] for line in [first, *out.splitlines()] if line.startswith("ready")]
    assert [p[1:] for p in printed] == [[str(x), "0.1"] for x in (1, 2, 3, 4)]
    # each waiting process was the one of trials x=2 and x=3: same process, same run
    assert waiting == {int(pid): ledger("select", "-Fl", f"x={x}").out.strip() for pid, x, _ in printed[1:3]}
    assert ledger("verify").out.startswith("ok:")
    listed = [run["id"] for flag in ("-a", "-d") for run in json.loads(ledger("runs", flag, "--json").out)]
    assert sorted(p.name for p in (ledger.home / "runs").iterdir()) == sorted(listed)  # the batch's too


def test_trials_of_an_argparse_script_get_their_arguments(tmp_path: Path) -> None:
    script = (
        "import argparse\nimport os\nfrom pathlib import Path\n\n"
        "p = argparse.ArgumentParser()\np.add_argument('--x', type=int, default=1)\n"
        "args = p.parse_args()\nprint('ready', os.getpid(), args.x, flush=True)\n"
        "while not Path({go!r}).exists():\n    pass\n"
    )
    ledger, proc, go = start_grid(tmp_path, script, "x=[4,5]")
    go.touch()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert [line.split()[2] for line in out.splitlines() if line.startswith("ready")] == ["4", "5"]


def test_kill_9_of_a_batch_leaves_neither_the_trial_nor_the_next_one(tmp_path: Path) -> None:
    ledger, proc, go = start_grid(tmp_path, WAITER, "x=[1,2,3]")
    line = proc.stdout.readline()
    assert line.startswith("ready"), line + proc.stderr.read()
    running = int(line.split()[1])
    waiting = waiting_processes(proc.pid, running, DEPTH)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    assert all(gone(pid) for pid in [running, *waiting]), "a process of the batch outlived ledger"
