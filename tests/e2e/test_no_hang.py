"""`ledger run` ends when the run does: a daemon the script leaves holding
its stdout, or a batch of millions of trials, never hang it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.e2e.conftest import Ledger

DAEMON = """\
import os
import time

print("parent", flush=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open("daemon.pid", "w") as fh:
            fh.write(str(os.getpid()))
        print("daemon started", flush=True)
        time.sleep(60)  # keeps the run's stdout open all along
        os._exit(0)
    os._exit(0)
os.wait()
print("parent done", flush=True)
"""


def test_a_daemon_holding_stdout_does_not_hold_the_run(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "daemon.py").write_text(DAEMON)
    ledger = Ledger(tmp_path / "home", project)
    start = time.monotonic()
    result = ledger("run", "daemon.py", "-y")
    elapsed = time.monotonic() - start
    (run_dir,) = (ledger.home / "runs").iterdir()
    daemon = int((run_dir / "daemon.pid").read_text())
    try:
        assert elapsed < 30, elapsed  # the grace period is 3 s; the daemon sleeps 60
        assert "a process it started still holds its output open" in result.err
        assert ledger("runs", "-s").out.split() == ["[1]", "daemon.py", "completed"]
        output = ledger("cat", "--output").out
        assert "parent done" in output and "daemon started" in output
    finally:
        os.kill(daemon, signal.SIGKILL)


HUGE = ["x=range[1:1000]", "y=range[1:1000]", "z=[0,1,2,3,4,5,6,7,8,9]"]  # 10,000,000 trials


def test_a_huge_grid_needs_max_trials(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text("x = 1\ny = 1\nz = 0\nprint(x, y, z)\n")
    ledger = Ledger(tmp_path / "home", project)
    refused = ledger.fails("run", "train.py", *HUGE, "-y")
    assert "10,000,000 trials" in refused.err and "--max-trials" in refused.err
    refused = ledger.fails("run", "train.py", *HUGE)  # refused before asking to run it
    assert "--max-trials" in refused.err
    ran = ledger("run", "train.py", *HUGE, "--max-trials", "2", "-y")
    assert ran.out.count("\n") >= 2
    assert len(ledger("runs", "-s").out.splitlines()) == 2  # the two trials (the batch is deleted)


def test_print_trials_of_a_huge_grid_streams(tmp_path: Path) -> None:
    """The first rows are out at once and memory stays flat: `head` gets
    them and the rest is never computed."""
    import subprocess
    import sys

    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text("x = 1\ny = 1\nz = 0\n")
    env = {**os.environ, "LEDGER_HOME": str(tmp_path / "home")}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "run", "train.py", *HUGE, "--print-trials"],
                            cwd=project, env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        head = [proc.stdout.readline() for _ in range(4)]
        assert time.monotonic() - start < 60
    finally:
        proc.kill()
        proc.wait()
    assert head[0].split() == ["#", "x", "y", "z"]
    assert [line.split() for line in head[1:]] == [["1", "1", "1", "0"], ["2", "1", "1", "1"], ["3", "1", "1", "2"]]
    assert head[0] == "#         x     y     z\n"  # columns as wide as 10000000 and 1000: no pass over the rows
    assert not (tmp_path / "home" / "events").exists() or not any((tmp_path / "home" / "events").glob("*.jsonl"))
