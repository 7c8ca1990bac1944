"""How a run ends when its `ledger run` is stopped: Ctrl-C, SIGTERM, and
`kill -9` of the ledger process itself. The run never stays `running`,
the log verifies, and no child is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.executor.trials_ahead import DEPTH
from tests.e2e.conftest import Ledger

SLEEPER = """\
import os
import time

print("ready", os.getpid(), flush=True)
time.sleep(60)
print("woke up")
"""


def start_sleeper(tmp_path: Path) -> tuple[Ledger, subprocess.Popen, int]:
    """`ledger run sleeper.py`, once its script has printed: the process
    and the pid of the script (the run's child process)."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "sleeper.py").write_text(SLEEPER)
    ledger = Ledger(tmp_path / "home", project)
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "run", "sleeper.py", "-y"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a job started in the background of a
        # non-interactive shell (CI, `make test &`) inherits SIGINT ignored,
        # and then ledger rightly ignores Ctrl-C too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    line = proc.stdout.readline()  # blocks until the script is in its sleep
    assert line.startswith("ready"), line + proc.stderr.read()
    return ledger, proc, int(line.split()[1])


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie child of init is reaped soon; its state says it is dead
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
                return True
        except (FileNotFoundError, ProcessLookupError, IndexError):  # it ended while its stat was read
            return True
        time.sleep(0.02)
    return False


def assert_ended_terminated(ledger: Ledger, child: int) -> None:
    assert ledger("runs", "-s").out.split() == ["[1]", "sleeper.py", "terminated"]
    assert ledger("runs", "-s", "-R").out.strip() == ""
    assert ledger("verify").out.startswith("ok:")
    assert gone(child), f"the run's process {child} outlived its ledger"
    assert "ready" in ledger("cat", "--output").out
    assert "woke up" not in ledger("cat", "--output").out


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_the_run(tmp_path: Path, signum: int, code: int) -> None:
    ledger, proc, child = start_sleeper(tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode in (code, -signum), err
    assert_ended_terminated(ledger, child)
    assert "exit_status: " in ledger("runs", "info").out


def recorded_output(ledger: Ledger, within: float = 5.0) -> str:
    """The run's output in the log, once there is some: a quiet run's
    last line is recorded within a second, not when its next line comes."""
    deadline = time.monotonic() + within
    while True:
        text = ledger("cat", "--output").out
        if text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_kill_9_of_ledger_run(tmp_path: Path) -> None:
    ledger, proc, child = start_sleeper(tmp_path)
    assert ledger("runs", "-s").out.split() == ["[1]", "sleeper.py", "running"]
    assert recorded_output(ledger).startswith("ready")
    proc.kill()
    proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGKILL
    assert_ended_terminated(ledger, child)
    # the run still reads terminated after the index is rebuilt from the log
    (ledger.home / "index.duckdb").unlink()
    assert ledger("runs", "-s").out.split() == ["[1]", "sleeper.py", "terminated"]


SLEEPER_SH = """\
#!/bin/sh
echo "ready|$$|$PWD|$*|${LEDGER_OWNER_PID-no owner variable}"
exec sleep 60
"""


def test_kill_9_of_ledger_run_ends_an_exec_operation(tmp_path: Path) -> None:
    """A command that is not a Python main runs with its arguments, in its
    run directory, without ledger's own variable, and dies with `ledger run`."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "sleeper.sh").write_text(SLEEPER_SH)
    (project / "sleeper.sh").chmod(0o755)
    (project / "guild.yml").write_text('sleep:\n  exec: "./sleeper.sh --n ${n}"\n  flags: {n: 3}\n')
    ledger = Ledger(tmp_path / "home", project)
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "run", "sleep", "n=4", "-y"], cwd=project,
                            env={**os.environ, "LEDGER_HOME": str(ledger.home)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith("ready"), line + proc.stderr.read()
    _, child, cwd, args, owner = line.rstrip("\n").split("|")
    run_id = ledger("select", "1").out.strip()
    assert (cwd, args, owner) == (str(ledger.home / "runs" / run_id), "--n 4", "no owner variable")
    proc.kill()
    proc.communicate(timeout=20)
    assert gone(int(child)), f"the run's process {child} outlived its ledger"
    assert ledger("runs", "-s").out.split() == ["[1]", "sleep", "terminated", "n=4"]


def other_host_listing(ledger: Ledger) -> list[str]:
    """`ledger runs -s` as a machine of another name sees the home (a new
    container mounting the same volume): `unshare -u` gives it its own
    host name. The same injected into the log is tested in tests/projections."""
    script = f"hostname another-host && exec {sys.executable} -m ledger runs -s"
    proc = subprocess.run(["unshare", "-u", "sh", "-c", script], cwd=ledger.cwd, capture_output=True, text=True,
                          env={**os.environ, "LEDGER_HOME": str(ledger.home), "COLUMNS": "200"}, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.skipif(subprocess.run(["unshare", "-u", "true"], capture_output=True).returncode != 0,
                    reason="unshare -u needs CAP_SYS_ADMIN; the host is injected in tests/projections/test_index.py")
def test_another_host_never_reads_running(tmp_path: Path) -> None:
    ledger, proc, child = start_sleeper(tmp_path)
    try:
        assert other_host_listing(ledger) == ["[1]", "sleeper.py", "terminated"]
        assert ledger("runs", "-s").out.split() == ["[1]", "sleeper.py", "running"]
        # output is recorded within about a second: a kill -9 after that keeps it
        deadline = time.monotonic() + 15
        while "ready" not in ledger("cat", "--output").out and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.communicate(timeout=20)
    assert other_host_listing(ledger) == ["[1]", "sleeper.py", "terminated"]
    assert_ended_terminated(ledger, child)


def test_ctrl_c_stops_the_current_trial_and_the_batch(tmp_path: Path) -> None:
    """Both end `terminated`, no later trial starts (they are recorded as
    staged), and the trial's process does not outlive ledger."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "sleeper.py").write_text("import os\nimport time\n\nx = 1\nprint('ready', os.getpid(), flush=True)\n"
                                        "time.sleep(60)\n")
    ledger = Ledger(tmp_path / "home", project)
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "run", "sleeper.py", "x=[1,2,3]", "--keep-batch", "-y"],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith("ready"), line + proc.stderr.read()
    children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    # the trial's process, and beside it the next trials', started ahead
    assert int(line.split()[1]) in children and len(children) <= 1 + DEPTH
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode in (130, -signal.SIGINT)
    assert_batch_terminated_with_the_rest_staged(ledger)
    assert all(gone(pid) for pid in children), "a child of ledger outlived it"


# A trial's script for the piped tests: on Ctrl-C it ends only once the
# test says the reader of ledger's output is gone, so whatever comes after
# (its traceback, ledger's INFO and ERROR lines) meets a dead pipe, every time.
PIPED_SLEEPER = """\
import os
import signal
import time
from pathlib import Path

x = 1


def ctrl_c(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ledger passes the terminal's Ctrl-C on too
    while not Path({reader_gone!r}).exists():
        time.sleep(0.01)
    {ending}


signal.signal(signal.SIGINT, ctrl_c)
print("ready", os.getpid(), flush=True)
time.sleep(60)
"""


@dataclass
class PipedJob:
    """`ledger run ... 2>&1 | tee log` started as a terminal starts a job."""

    ledger: Ledger
    shell: subprocess.Popen
    log: Path
    reader_gone: Path  # PIPED_SLEEPER ends its Ctrl-C once this exists
    ready: list[str]  # the lines saying a trial's script is in its sleep

    def child(self, name: bytes) -> int:
        """The pid of the shell's child running `name` (ledger, tee)."""
        (pid,) = [int(p) for p in Path(f"/proc/{self.shell.pid}/task/{self.shell.pid}/children").read_text().split()
                  if name in Path(f"/proc/{p}/cmdline").read_bytes()]  # fmt: skip
        return pid


def start_grid_through_tee(tmp_path: Path, ending: str = "raise KeyboardInterrupt", workers: int = 1,
                           script: str | None = None) -> PipedJob:  # fmt: skip
    """`ledger run sleeper.py x=[1,2,3] --keep-batch -y --workers N 2>&1 |
    tee log` in a process group of its own, as a terminal runs it; returns
    once each of the N first trials' scripts (PIPED_SLEEPER, or `script`)
    is in its sleep."""
    project = tmp_path / "proj"
    project.mkdir()
    reader_gone = tmp_path / "reader-gone"
    script = script or PIPED_SLEEPER.format(reader_gone=str(reader_gone), ending=ending)
    (project / "sleeper.py").write_text(script)
    ledger = Ledger(tmp_path / "home", project)
    log = tmp_path / "tee.log"
    command = f"{sys.executable} -m ledger run sleeper.py 'x=[1,2,3]' --keep-batch -y --workers {workers} 2>&1"

    def as_a_terminal_job() -> None:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    shell = subprocess.Popen(["sh", "-c", f"{command} | tee {log}"], cwd=project,
                             env={**os.environ, "LEDGER_HOME": str(ledger.home)},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             preexec_fn=as_a_terminal_job)  # fmt: skip
    ready: list[str] = []
    while len(ready) < workers:
        line = shell.stdout.readline()
        assert line, "ledger ended before its trials printed"
        ready += [line] if "ready" in line else []
    return PipedJob(ledger, shell, log, reader_gone, ready)


def assert_batch_terminated_with_the_rest_staged(ledger: Ledger) -> None:
    listing = [line.split() for line in ledger("runs", "-s").out.splitlines()]
    assert listing == [
        ["[1]", "sleeper.py", "staged", "x=3"],
        ["[2]", "sleeper.py", "staged", "x=2"],
        ["[3]", "sleeper.py", "terminated", "x=1"],
        ["[4]", "sleeper.py+", "terminated"],
    ], listing
    assert ledger("verify").out.startswith("ok:")
    # the next trial's process started ahead is gone, and so is the folder made for it
    assert len(list((ledger.home / "runs").iterdir())) == 4


@pytest.mark.parametrize("ending", ["raise KeyboardInterrupt", "os._exit(130)"], ids=["traceback", "silent"])
def test_ctrl_c_with_output_piped_terminates_trial_and_batch_and_records_the_rest(tmp_path: Path, ending: str) -> None:
    """The terminal's Ctrl-C stops ledger, the trial and tee alike; tee
    goes first, so ledger's own lines (and, for `traceback`, the script's)
    meet a broken pipe. It still records every run's end, and exits
    without a traceback of its own."""
    job = start_grid_through_tee(tmp_path, ending)
    ledger_pid, tee = job.child(b"ledger"), job.child(b"tee")
    os.killpg(job.shell.pid, signal.SIGINT)
    assert gone(tee)
    job.reader_gone.touch()
    rest = job.shell.communicate(timeout=60)[0]
    assert gone(ledger_pid, within=60)  # the shell may end before ledger, as a terminal's prompt may come back
    assert_batch_terminated_with_the_rest_staged(job.ledger)
    shown = rest + job.log.read_text()
    assert "op_main.py" not in shown and "ledger/" not in shown, shown


def test_sigterm_with_output_piped_terminates_trial_and_batch_and_records_the_rest(tmp_path: Path) -> None:
    job = start_grid_through_tee(tmp_path)
    ledger_pid = job.child(b"ledger")
    os.kill(ledger_pid, signal.SIGTERM)
    job.shell.communicate(timeout=60)
    assert gone(ledger_pid, within=60)
    assert_batch_terminated_with_the_rest_staged(job.ledger)


# A trial for --workers 2: the trial x=2 ignores SIGTERM, so only SIGKILL
# stops it; each starts a process of its own, as a data loader starts workers.
WORKER_SLEEPER = """\
import os
import signal
import subprocess
import time

x = 1
if x == 2:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
helper = subprocess.Popen(["sleep", "60"])
print("ready", os.getpid(), helper.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_a_batch_with_two_workers_stops_both_running_trials(tmp_path: Path, how: str) -> None:
    """The terminal's Ctrl-C (to the whole job) or SIGTERM to ledger: both
    trials running stop, and what they started with them (SIGTERM to each
    trial's process group, SIGKILL after the grace period to the one that
    ignores it); each is recorded terminated, the batch too, and the trial
    not started is recorded staged."""
    job = start_grid_through_tee(tmp_path, workers=2, script=WORKER_SLEEPER)
    processes = [int(pid) for line in job.ready for pid in line.split("ready", 1)[1].split()]
    assert len(processes) == 4
    ledger_pid = job.child(b"ledger")
    began = time.monotonic()
    if how == "ctrl-c":
        os.killpg(job.shell.pid, signal.SIGINT)
    else:
        os.kill(ledger_pid, signal.SIGTERM)
    job.shell.communicate(timeout=60)
    assert gone(ledger_pid, within=60)
    took = time.monotonic() - began
    assert all(gone(pid) for pid in processes), "a trial's process outlived its batch"
    rows = [line.split() for line in job.ledger("runs", "-s").out.splitlines()]
    assert sorted(row[1:] for row in rows) == [
        ["sleeper.py", "staged", "x=3"],
        ["sleeper.py", "terminated", "x=1"],
        ["sleeper.py", "terminated", "x=2"],
        ["sleeper.py+", "terminated"],
    ], rows
    info = {row[-1]: job.ledger("runs", "info", row[0].strip("[]")).out for row in rows if row[2] == "terminated"}
    assert "exit_status: -15" in info["x=1"] and "exit_status: -9" in info["x=2"], info
    assert 5 <= took < 30  # the one that ignores SIGTERM gets the whole grace period
    assert job.ledger("verify").out.startswith("ok:")


def test_a_running_run_cannot_be_deleted_nor_purged(tmp_path: Path) -> None:
    ledger, proc, child = start_sleeper(tmp_path)
    try:
        assert recorded_output(ledger).startswith("ready")  # the run appends nothing more while it sleeps
        refused = ledger.fails("delete", "1", "-y")
        assert "is running: stop it first" in refused.err
        # a run deleted while running, as ledger allowed before it refused to
        from ledger.events import NewEvent, RunDeleted
        from ledger.home import Home

        home = Home(ledger.home)
        (run,) = {e.run for e in home.store.read()}
        home.store.append([NewEvent(run, RunDeleted())])
        refused = ledger.fails("purge", run[:8], "-y")
        assert "is running: stop it first" in refused.err
        assert (ledger.home / "runs" / run).is_dir()
    finally:
        proc.kill()
        proc.communicate(timeout=20)
    assert gone(child)
    ledger("purge", run[:8], "-y")  # once its owner is gone, it is terminated: purged as any other
    assert not (ledger.home / "runs" / run).exists()


@pytest.mark.parametrize("delay", [0.1, 0.25, 0.5])
def test_ctrl_c_while_ledger_loads_shows_none_of_its_frames(tmp_path: Path, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "runs", "-s"], cwd=tmp_path, text=True,
                            env={**os.environ, "LEDGER_HOME": str(tmp_path / "home")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert "ledger/" not in err, err


def test_ctrl_c_stops_a_long_sql_statement(tmp_path: Path) -> None:
    # DuckDB notices a pending Ctrl-C only at some points of a statement;
    # this cross join ran to its end (minutes) before ledger waited for it
    statement = "SELECT count(*) FROM range(100000000000) t(a), range(10) u(b)"
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "sql", statement], cwd=tmp_path, text=True,
                            env={**os.environ, "LEDGER_HOME": str(tmp_path / "home")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(os.listdir(f"/proc/{proc.pid}/task")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # DuckDB's threads run once ledger is loaded and has connected
    time.sleep(1)  # inside the statement
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err, out) == (130, "Interrupted.\n", "")
