"""`ledger run --background` returns at once and the run goes on, recorded;
`ledger watch` follows its output from the log and ends with it; `ledger
stop` stops it (SIGTERM, SIGKILL after the timeout) and it reads
`terminated`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, assert_output, with_scripts
from tests.e2e.test_lifecycle import gone

TICKER = """\
import time
n = 600
for i in range(n):
    print(i, flush=True)
    time.sleep(0.1)
"""

STUBBORN = """\
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    fails = "print('before')\nraise SystemExit(3)\n"
    return with_scripts(tmp_path, {"sleep.py": TICKER, "stubborn.py": STUBBORN, "fails.py": fails})


def status(ledger: Ledger, run_id: str) -> str:
    rows = json.loads(ledger("sql", "-f", "json", f"SELECT status, exit_status FROM runs WHERE id = '{run_id}'").out)
    return rows[0]["status"]


def wait_for_output(ledger: Ledger, text: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while text not in ledger("cat", "--output", "1").out:
        assert time.monotonic() < deadline, f"no {text!r} in the run's output"
        time.sleep(0.1)


def watching(ledger: Ledger, *args: str) -> subprocess.Popen:
    """`ledger watch ARGS` as from a terminal, where Ctrl-C is not ignored."""
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    return subprocess.Popen([sys.executable, "-m", "ledger", "watch", *args], cwd=ledger.cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip


def test_guild_run_in_background_then_stop(ledger: Ledger) -> None:
    """Guild's "Run in background" doc test, with `guild` renamed (ledger
    prints the pid where Guild names a pidfile)."""
    started = time.monotonic()
    assert_output(
        """
        sleep.py started in background as ... (pid ...)
        To follow its output: ledger watch ...
        """,
        ledger("run", "sleep.py", "--background", "-y").out,
    )
    assert time.monotonic() - started < 5, "--background waited for the run"
    wait_for_output(ledger, "1\n")
    assert_output("Stopping ... (pid ...)", ledger("stop", "-y").out)
    assert ledger("cat", "--output").out.startswith("0\n1\n")


WORKERS = """\
import multiprocessing, os, time

def work():
    time.sleep(60)

if __name__ == "__main__":
    workers = [multiprocessing.Process(target=work) for _ in range(3)]
    for w in workers:
        w.start()
    print(os.getpid(), flush=True)
    for w in workers:
        print(w.pid, flush=True)
    for w in workers:
        w.join()
"""


def test_guild_stop_ends_every_process_of_the_run(tmp_path: Path) -> None:
    """Guild's "Stopping Runs" doc test, with `guild` renamed: a run in the
    background and the processes its script started all end."""
    ledger = with_scripts(tmp_path, {"test.py": WORKERS})
    assert_output("test.py started in background as ... (pid ...)\n...",
                  ledger("run", "test.py", "-l", "run-stop-test", "--background", "-y").out)  # fmt: skip
    deadline = time.monotonic() + 20
    while len(pids := [int(s) for s in ledger("cat", "--output", "-Fl", "run-stop-test").out.split()]) < 4:
        assert time.monotonic() < deadline, pids
        time.sleep(0.2)
    for pid in pids:
        os.kill(pid, 0)  # alive: ProcessLookupError otherwise
    assert_output("Stopping ... (pid ...)", ledger("stop", "-Fl", "run-stop-test", "-y").out)
    assert all(gone(pid) for pid in pids)
    assert ledger("runs", "-s").out.split() == ["[1]", "test.py", "terminated", "run-stop-test"]


def test_stop_of_a_run_in_another_terminal_ends_the_processes_its_script_started(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"test.py": WORKERS})
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    foreground = subprocess.Popen([sys.executable, "-m", "ledger", "run", "test.py", "-y"], cwd=ledger.cwd, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    pids = [int(foreground.stdout.readline()) for _ in range(4)]
    deadline = time.monotonic() + 20
    while len(ledger("cat", "--output", "1").out.split()) < 4:  # recorded, with the run's start
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert_output("Stopping ... (pid ...)", ledger("stop", "1", "-y").out)
    assert foreground.wait(timeout=30) == 143  # ended by SIGTERM, as `ledger run` reports it
    assert all(gone(pid) for pid in pids)
    assert ledger("runs", "-s").out.split() == ["[1]", "test.py", "terminated"]


def test_background_run_is_watched_then_stopped_and_recorded_terminated(ledger: Ledger) -> None:
    out = ledger("run", "sleep.py", "-b", "-y").out
    run_id = out.split(" as ")[1].split()[0]
    owner = int(out.split("(pid ")[1].split(")")[0])
    assert status(ledger, run_id) == "running"  # right away: the run is recorded before the command returns

    watch = watching(ledger)  # no RUN: the newest running run
    assert watch.stdout.readline() == "0\n"  # from the start of its output, as recorded
    assert watch.stdout.readline() == "1\n"

    asked = ledger("stop", input="y\n")
    assert "You are about to stop the following runs:" in asked.out and run_id[:8] in asked.out
    assert f"Stopping {run_id} (pid {owner})" in asked.out

    rest, err = watch.communicate(timeout=30)
    assert watch.returncode == 1  # the run was terminated
    assert f"Watching run {run_id}" in err and f"Run {run_id} stopped with a status of 'terminated'" in err
    assert status(ledger, run_id) == "terminated"
    assert ledger("cat", "--output", "1").out.startswith("0\n1\n2\n")
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # the owner ends once it has recorded the end
            os.kill(owner, 0)
            time.sleep(0.1)

    refused = ledger.fails("stop", run_id[:8], "-y")
    assert "is terminated, not running" in refused.err
    assert ledger("stop", "-y").out == "Nothing to stop.\n"
    ledger("verify")


def test_ctrl_c_stops_watching_and_the_run_goes_on(ledger: Ledger) -> None:
    ledger("run", "sleep.py", "-b", "-y")
    run_id = ledger("select", "1").out.strip()
    watch = watching(ledger, run_id[:8])
    try:
        assert watch.stdout.readline() == "0\n"
        watch.send_signal(signal.SIGINT)
        _, err = watch.communicate(timeout=30)
        assert watch.returncode == 130
        assert f"Stopped watching {run_id} (the run goes on)" in err and "Traceback" not in err
        assert status(ledger, run_id) == "running"
    finally:
        ledger("stop", run_id[:8], "-y")


def test_stop_kills_a_run_that_ignores_sigterm_after_the_timeout(ledger: Ledger) -> None:
    ledger("run", "stubborn.py", "-b", "-y")
    wait_for_output(ledger, "ready")
    run_id = ledger("select", "1").out.strip()
    begun = time.monotonic()
    stopped = ledger("stop", "1", "-t", "0.5", "-y")
    assert f"Run {run_id} did not stop within 0.5 s: killing it" in stopped.out
    assert time.monotonic() - begun < 10
    assert status(ledger, run_id) == "terminated"
    events = json.loads(ledger("sql", "-f", "json", f"SELECT data FROM events WHERE run = '{run_id}'"
                                                    " AND type = 'RunStopped'").out)  # fmt: skip
    assert len(events) == 1


def test_watch_of_a_finished_run_prints_its_output_and_exits_with_its_status(ledger: Ledger) -> None:
    ledger("run", "fails.py", "-y", check=False)
    watched = ledger("watch", "1", check=False)
    assert watched.out == "before\n"
    assert watched.code == 1 and "stopped with a status of 'error'" in watched.err
    ledger("run", "sleep.py", "n=2", "-y")
    assert ledger("watch", "1").out == "0\n1\n"
    ledger.fails("watch")  # nothing running
    ledger.fails("stop", "1", "-y")  # finished
    ledger.fails("stop", "-t", "-1", "-y")


def test_guild_batch_terminate(tmp_path: Path) -> None:
    """Guild's "Batch Terminate Behavior" doc test, with `guild` renamed:
    stopping a batch stops its running trial, and the trials it did not
    start are left staged. Then stopping a trial alone lets its batch go on."""
    sleep = "import time\nseconds = 1\nprint('sleeping', seconds, flush=True)\ntime.sleep(seconds)\n"
    ledger = with_scripts(tmp_path, {"sleep.py": sleep})
    assert_output("sleep.py+ started in background as ... (pid ...)\n...",
                  ledger("run", "sleep.py", "seconds=[99,99]", "--background", "--yes").out)  # fmt: skip
    wait_for_output(ledger, "sleeping")
    assert_output(
        """
        [1:...]  sleep.py   ...  running  seconds=99
        [2:...]  sleep.py+  ...  running
        """,
        ledger("runs").out,
    )
    assert_output("Stopping ... (pid ...)", ledger("stop", "2", "-y").out)
    assert_output(
        """
        [1:...]  sleep.py   ...  staged      seconds=99
        [2:...]  sleep.py   ...  terminated  seconds=99
        [3:...]  sleep.py+  ...  terminated
        """,
        ledger("runs").out,
    )

    ledger("run", "sleep.py", "seconds=[99,0]", "--background", "--yes")
    wait_for_output(ledger, "sleeping 99")
    trial = ledger("select", "1").out.strip()
    ledger("stop", "1", "-y")
    deadline = time.monotonic() + 20
    while "sleeping 0" not in ledger("cat", "--output", "1").out:  # the next trial runs
        assert time.monotonic() < deadline, ledger("runs").out
        time.sleep(0.2)
    assert status(ledger, trial) == "terminated"


def test_a_background_run_that_cannot_start_says_so(ledger: Ledger) -> None:
    run_id = "a" * 32
    ledger("runs")
    (ledger.home / "runs").mkdir(exist_ok=True)
    (ledger.home / "runs" / run_id).write_text("in the way of the run's directory")
    refused = ledger.fails("run", "sleep.py", "--run-id", run_id, "-b", "-y")
    assert f"run {run_id[:8]} did not start in the background" in refused.err


def test_watching_a_batch_follows_its_trials_in_turn(ledger: Ledger) -> None:
    out = ledger("run", "sleep.py", "n=[2,3]", "-b", "-y").out
    batch = out.split(" as ")[1].split()[0]
    watched = ledger("watch", batch[:8])
    assert watched.out == "0\n1\n0\n1\n2\n"
    assert f"Run {batch} stopped with a status of 'completed'" in watched.err
    started = json.loads(ledger("sql", "-f", "json", f"SELECT data FROM events WHERE run = '{batch}'"
                                                     " AND type = 'RunStarted'").out)  # fmt: skip
    assert started[0]["data"]["argv"][1:] == ["run", "sleep.py", "n=[2,3]", "-b", "-y"]  # as typed
