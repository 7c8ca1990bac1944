"""A run's process as a user sees it: `ps` names its script, its stdin is
the user's, its main module is found the way the project file says."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import Ledger

# Writes its pid, then waits for the test to look at it with ps.
PROBE = """\
import os, time
x = 1
open("pid", "w").write(str(os.getpid()))
while not os.path.exists("go"):
    time.sleep(0.02)
print("x:", x)
"""


def ps_args(pid: int) -> str:
    return subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()


def watch_runs(ledger: Ledger, *args: str, count: int = 1) -> tuple[list[str], str]:
    """Start `ledger run ARGS` in the background; the `ps` line of each of
    its first `count` runs while it runs; ledger's output."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "run", *args],
        cwd=ledger.cwd, env={**os.environ, "LEDGER_HOME": str(ledger.home)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen = []
    try:
        for _ in range(count):
            pid_file = _wait_for_pid_file(ledger.home / "runs")
            seen.append(ps_args(int(pid_file.read_text())))
            (pid_file.parent / "go").write_text("")
            pid_file.rename(pid_file.with_name("pid.seen"))
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return seen, out


def _wait_for_pid_file(runs: Path) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [p for p in runs.glob("*/pid") if p.read_text().strip()] if runs.exists() else []
        if found:
            return found[0]
        time.sleep(0.02)
    raise AssertionError("no run started")


def test_ps_shows_the_script_of_a_running_run(ledger: Ledger, project: Path) -> None:
    (project / "probe.py").write_text(PROBE)
    (seen,), out = watch_runs(ledger, "probe.py", "x=2", "-y")
    assert "probe.py" in seen and "op_main.py" in seen and "--wait" not in seen, seen
    assert "x: 2" in out


def test_ps_shows_the_script_of_each_trial_of_a_batch(ledger: Ledger, project: Path) -> None:
    (project / "probe.py").write_text(PROBE)
    seen, out = watch_runs(ledger, "probe.py", "x=[1,2,3]", "-y", count=3)
    assert all("probe.py" in line and "--wait" not in line for line in seen), seen
    assert [line for line in out.splitlines() if line.startswith("x:")] == ["x: 1", "x: 2", "x: 3"]


def test_a_script_with_globals_flags_reads_the_users_stdin(ledger: Ledger, project: Path) -> None:
    (project / "ask.py").write_text("x = 1\nname = input()\nprint('hello', name, x)\n")
    result = ledger("run", "ask.py", "x=3", "-y", input="ada\n")
    assert "hello ada 3" in result.out


def test_main_as_a_folder_path_runs_the_package_main(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "src" / "train").mkdir(parents=True)
    (project / "src" / "train" / "__init__.py").write_text("")
    (project / "src" / "train" / "model.py").write_text("NAME = 'net'\n")
    (project / "src" / "train" / "__main__.py").write_text("from . import model\nlr = 0.1\nprint(model.NAME, lr)\n")
    (project / "guild.yml").write_text("train:\n  main: src/train\n  flags-import: all\n")
    ledger = Ledger(tmp_path / "home", project)
    assert "net 0.5" in ledger("run", "train", "lr=0.5", "-y").out


def test_a_package_folder_typed_as_the_operation_runs_its_main(tmp_path: Path) -> None:
    """`ledger run src/train` without a project file, as Guild runs it: the
    package's __main__.py, its flags read from it, its siblings importable."""
    project = tmp_path / "proj"
    (project / "src" / "train").mkdir(parents=True)
    (project / "src" / "train" / "model.py").write_text("NAME = 'net'\n")
    (project / "src" / "train" / "__main__.py").write_text("from . import model\nlr = 0.1\nprint(model.NAME, lr)\n")
    (project / "src" / "empty").mkdir()
    ledger = Ledger(tmp_path / "home", project)
    assert "net 0.5" in ledger("run", "src/train", "lr=0.5", "-y").out
    assert "net 0.7" in ledger("run", "--proto", "1", "lr=0.7", "-y").out
    assert ledger("runs", "-s").out.split()[:3] == ["[1]", "src/train", "completed"]
    assert "src/empty is a folder without __main__.py" in ledger.fails("run", "src/empty", "-y").err


def test_the_default_operation_runs_when_none_is_named(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.py").write_text("print('a')\n")
    (project / "b.py").write_text("x = 1\nprint('b', x)\n")
    (project / "guild.yml").write_text("a:\n  main: a\nb:\n  main: b\n  default: yes\n  flags-import: all\n")
    ledger = Ledger(tmp_path / "home", project)
    assert "b 4" in ledger("run", "x=4", "-y").out
    (project / "guild.yml").write_text("a:\n  main: a\nb:\n  main: b\n")
    assert "defined: a, b" in ledger.fails("run", "-y").err
