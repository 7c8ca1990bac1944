"""`ledger run --start` runs a staged run; `ledger run --restart` runs a
stopped run again in place: a new start, its output after the old, flags
given on the command line over its own, nothing overwritten."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, with_scripts

COUNT = """\
x = 1
n = 2
for i in range(n):
    print(f"step {i} x={x}")
"""

SLEEPER = """\
print("ready", flush=True)
import time
time.sleep(60)
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return with_scripts(tmp_path, {"count.py": COUNT, "sleeper.py": SLEEPER})


def types_of(ledger: Ledger, run: str) -> list[str]:
    rows = json.loads(ledger("sql", "-f", "json", f"SELECT type FROM events WHERE run = '{run}' ORDER BY seq").out)
    return [r["type"] for r in rows]


def run_status(ledger: Ledger, run_id: str) -> str:
    rows = json.loads(ledger("sql", "-f", "json", f"SELECT status FROM runs WHERE id = '{run_id}'").out)
    return rows[0]["status"]


def test_start_runs_a_staged_run_once(ledger: Ledger) -> None:
    ledger("run", "count.py", "x=3", "--stage", "-y")
    run_id = ledger("select", "1").out.strip()
    assert run_status(ledger, run_id) == "staged"
    assert ledger("cat", "--output", "1").out == ""

    shown = ledger("run", "--start", run_id[:8], "-y")
    assert shown.out == "step 0 x=3\nstep 1 x=3\n"
    assert run_status(ledger, run_id) == "completed"
    assert types_of(ledger, run_id).count("RunStarted") == 1
    assert ledger("select", "1").out.strip() == run_id  # started in place: no new run

    refused = ledger.fails("run", "--start", run_id[:8], "-y")
    assert "not staged" in refused.err and "--restart" in refused.err


def test_restart_runs_again_in_place_and_keeps_the_first_output(ledger: Ledger) -> None:
    ledger("run", "count.py", "-y")
    run_id = ledger("select", "1").out.strip()
    run_dir = Path(ledger("select", "1", "--path").out.strip())

    asked = ledger("run", "--restart", "1", "x=5", input="y\n")
    assert f"You are about to restart {run_id[:8]} (count.py)" in asked.out
    assert "step 0 x=5" in asked.out

    both = "step 0 x=1\nstep 1 x=1\nstep 0 x=5\nstep 1 x=5\n"
    assert ledger("cat", "--output", "1").out == both
    assert (run_dir / ".ledger" / "output").read_text() == both
    assert len((run_dir / ".ledger" / "output.index").read_text().splitlines()) == 4
    assert types_of(ledger, run_id) == [
        "RunCreated", "FlagSet", "FlagSet", "LabelSet", "SourcecodeCopied",
        "RunStarted", "OutputCaptured", "RunStopped",
        "FlagSet", "RunStarted", "OutputCaptured", "RunStopped",
    ]  # fmt: skip
    flags = json.loads(ledger("sql", "-f", "json", f"SELECT name, value, origin FROM flags WHERE run = '{run_id}'"
                                                   " ORDER BY name").out)  # fmt: skip
    assert flags == [{"name": "n", "value": 2, "origin": "default"}, {"name": "x", "value": 5, "origin": "user"}]
    assert (run_dir / ".ledger" / "attrs" / "flags").read_text() == "n: 2\nx: 5\n"

    # without overrides it runs again with the flags it has now; a rebuilt
    # directory equals the one the runs wrote
    ledger("run", "--restart", "1", "-y")
    assert ledger("cat", "--output", "1").out == both + "step 0 x=5\nstep 1 x=5\n"
    assert types_of(ledger, run_id).count("FlagSet") == 3
    before = {p.relative_to(run_dir): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    ledger("rebuild")
    after = {p.relative_to(run_dir): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    assert after == before
    ledger("verify")


def test_restart_and_start_refuse_what_they_cannot_run(ledger: Ledger) -> None:
    ledger("run", "count.py", "-y")
    refused = ledger.fails("run", "--start", "1", "-y")
    assert "is completed, not staged" in refused.err
    ledger.fails("run", "--restart", "1", "nosuch=1", "-y")
    ledger.fails("run", "--restart", "1", "x=[1,2]", "-y")  # several values: a batch, not this run
    ledger.fails("run", "--restart", "9", "-y")
    ledger.fails("run", "--start", "1", "--restart", "1", "-y")
    ledger.fails("run", "count.py", "--stage", "-b", "-y")  # a staged run does not start
    for option in (["-l", "again"], ["-t", "again"], ["-c", "again"]):  # an old run: annotated by its commands
        assert "instead of " + option[0] in ledger.fails("run", "--restart", "1", *option, "-y").err


def test_restart_of_a_running_run_is_refused(ledger: Ledger) -> None:
    started = ledger("run", "sleeper.py", "-b", "-y")
    run_id = started.out.split(" as ")[1].split()[0]
    try:
        deadline = time.monotonic() + 10
        while "RunStarted" not in types_of(ledger, run_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        refused = ledger.fails("run", "--restart", run_id[:8], "-y")
        assert f"run {run_id[:8]} is running" in refused.err and "ledger stop" in refused.err
        ledger.fails("run", "--start", run_id[:8], "-y")
    finally:
        ledger("stop", run_id[:8], "-y")
    assert run_status(ledger, run_id) == "terminated"


def test_guild_restarting_runs(tmp_path: Path, project: Path) -> None:
    """Guild's "Restarting runs" doc test through the command line, with
    `guild` renamed: the run's own flags unless others are given, an
    operation's name for its newest run, --needed, and the source code the
    run has unless --force-sourcecode."""
    ledger = Ledger(tmp_path / "home", project)
    assert ledger("run", "echo.py", "-y").out == "1.0 2 'a'\n"
    assert ledger("run", "echo.py", "x=2.0", "y=3", "z=b", "-y").out == "2.0 3 'b'\n"
    first, second = ledger("select", "2").out.strip(), ledger("select", "1").out.strip()
    assert ledger("run", "--restart", second, "-y").out == "2.0 3 'b'\n"
    assert ledger("run", "--restart", "echo.py", "-y").out == "2.0 3 'b'\n"
    assert ledger("run", "--restart", second, "x=10", "-y").out == "10 3 'b'\n"
    assert ledger("run", "--restart", second, "-y").out == "10 3 'b'\n"
    assert ledger("run", "--restart", "echo.py", "-y").out == "10 3 'b'\n"
    skipped = ledger("run", "--restart", second, "--needed", "-y", merged=True).out
    assert "Skipping echo.py" in skipped and "(--needed)" in skipped
    skipped = ledger("run", "--restart", second, "x=10", "y=3", "z=b", "--needed", "-y", merged=True).out
    assert "Skipping echo.py" in skipped
    assert ledger("run", "--restart", second, "x=100", "y=3", "z=b", "--needed", "-y").out == "100 3 'b'\n"
    assert ledger("run", "--restart", first, "z=d", "--needed", "-y").out == "1.0 2 'd'\n"
    ledger.fails("run", "--restart", first, "echo2.py", "-y")  # an operation is not a flag


def test_guild_restarts_and_source_code(tmp_path: Path) -> None:
    """Guild's "Restarts and Source Code" doc test, with `guild` renamed."""
    ledger = with_scripts(tmp_path, {"hello.py": "print('hello-1')\n"})
    assert ledger("run", "hello.py", "-y").out == "hello-1\n"
    assert ledger("cat", "-p", "hello.py").out == "print('hello-1')\n"
    (ledger.cwd / "hello.py").write_text("print('hello-2')\n")
    assert ledger("run", "hello.py", "-y").out == "hello-2\n"
    assert ledger("cat", "--path", "hello.py").out == "print('hello-2')\n"
    run_id = ledger("select", "2").out.strip()
    assert ledger("run", "--restart", run_id, "-y").out == "hello-1\n"
    assert ledger("run", "--restart", run_id, "--force-sourcecode", "-y").out == "hello-2\n"
    assert ledger("cat", run_id[:8], "-p", "hello.py").out == "print('hello-2')\n"
    assert ledger("cat", "--output", run_id[:8]).out == "hello-1\nhello-1\nhello-2\n"
    ledger("verify")


def test_a_run_restarted_in_the_background_is_running_and_has_not_stopped(ledger: Ledger) -> None:
    ledger("run", "sleeper.py", "-b", "-y")
    run_id = ledger("select", "1").out.strip()
    ledger("stop", "1", "-y")
    assert "stopped: 2" in ledger("runs", "info", "1").out
    restarted = ledger("run", "--restart", "1", "-b", "-y")
    assert f"sleeper.py started in background as {run_id}" in restarted.out
    try:
        assert run_status(ledger, run_id) == "running"
        info = ledger("runs", "info", "1").out.splitlines()
        assert "status: running" in info and "stopped:" in info
    finally:
        ledger("stop", "1", "-y")
    assert types_of(ledger, run_id).count("RunStopped") == 2


def test_two_restarts_at_once_run_it_once(ledger: Ledger) -> None:
    (ledger.cwd / "nap.py").write_text("import time\ntime.sleep(2)\nprint('woke')\n")
    ledger("run", "nap.py", "-y")
    run_id = ledger("select", "1").out.strip()
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    both = [subprocess.Popen([sys.executable, "-m", "ledger", "run", "--restart", run_id, "-y"], cwd=ledger.cwd,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = sorted((p.wait(timeout=60), p.stderr.read()) for p in both)
    assert [code for code, _ in results] == [0, 1], results
    refused = [line for line in results[1][1].splitlines() if line.strip()]
    assert len(refused) == 1 and "Traceback" not in refused[0]
    assert "is running" in refused[0] or "started by another command" in refused[0]
    assert types_of(ledger, run_id).count("RunStarted") == 2
    assert ledger("cat", "--output", "1").out == "woke\nwoke\n"
    ledger("verify")


def test_start_runs_a_staged_batch_as_it_was_staged(ledger: Ledger) -> None:
    staged = ledger("run", "count.py", "x=[7,8]", "--keep-batch", "--stage", "-y").out
    batch = staged.split(" staged as ")[1].split()[0]
    ledger.fails("run", "--start", batch[:8], "x=9", "-y")  # its trials are the ones it was staged with
    shown = ledger("run", "--start", batch[:8], "-y", merged=True).out
    assert "step 0 x=7" in shown and "step 1 x=8" in shown
    assert ledger("runs", "-s").out.split() == [
        "[1]", "count.py", "completed", "n=2", "x=8",
        "[2]", "count.py", "completed", "n=2", "x=7",
        "[3]", "count.py+", "completed",
    ]  # fmt: skip
    assert types_of(ledger, batch) == [
        "RunCreated", "LabelSet", "SourcecodeCopied",
        "RunStarted", "TrialSpawned", "TrialSpawned", "RunStopped",
    ]  # fmt: skip
    assert ledger("lineage", "1").out.splitlines()[1].strip() == f"<- trial of batch {batch[:8]}"
    ledger.fails("run", "--restart", batch[:8], "-y")
