"""A spare interpreter, started before its run was planned, must run the
script exactly as a fresh `python -u op_main.py ...` would; when it does
not fit, or died waiting, the run starts its own process instead."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from ledger.executor import launch, spare
from ledger.executor.process import Process

PROBE = """\
import json, os, sys
x = 1
print(json.dumps({
    "cwd": os.getcwd(), "path": sys.path, "argv": sys.argv, "name": __name__,
    "file": __file__, "x": x, "run_id": os.environ.get("RUN_ID"), "stdin": sys.stdin.read(),
    "unbuffered": os.environ.get("PYTHONUNBUFFERED"), "hash": hash("ledger"),
    "spare": "--wait" in sys.orig_argv,
}))
"""


class Sink:
    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def __call__(self, line: bytes, ms: int, stream: int) -> None:
        self.lines.append(line)


@pytest.fixture(autouse=True)
def no_spare_left():
    yield
    spare.keep_ready(False)
    assert children_waiting() == []


def children_waiting() -> list[int]:
    """Our child processes that are spares still waiting for a run."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"--wait" in cmdline and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(int(entry))
    return found


def run_probe(run_dir: Path, env_extra: dict[str, str] | None = None, argv_args=("probe.py", "a1")) -> dict:
    env = {**os.environ, "RUN_ID": "r1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(run_dir), **(env_extra or {})}
    argv = [*spare.op_main_argv(), *argv_args]
    proc = launch.start(argv, run_dir, env)
    sink = Sink()
    outcome = launch.capture(proc, sink, tee=False)
    assert outcome.exit_status == 0, b"".join(sink.lines)
    return json.loads(b"".join(sink.lines))


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    (tmp_path / "probe.py").write_text(PROBE)
    return tmp_path


def test_a_spare_runs_the_script_as_a_fresh_process_would(run_dir: Path) -> None:
    fresh = run_probe(run_dir)
    spare.prestart()
    warm = run_probe(run_dir)
    assert (fresh.pop("spare"), warm.pop("spare")) == (False, True)
    fresh_hash, warm_hash = fresh.pop("hash"), warm.pop("hash")
    assert warm == fresh
    assert warm["cwd"] == str(run_dir) and warm["path"][:2] == [str(run_dir)] * 2
    assert warm["argv"] == ["probe.py", "a1"] and warm["name"] == "__main__" and warm["stdin"] == ""
    # string hashing is randomised per process, as in any fresh interpreter
    assert isinstance(fresh_hash, int) and isinstance(warm_hash, int)


def test_a_spare_gets_the_compiled_script_on_its_stdin(run_dir: Path) -> None:
    from ledger.executor.op_main import compiled

    code = compiled(str(run_dir), "probe.py", {"x": 5})
    spare.prestart()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = launch.start([*spare.op_main_argv(), "--stdin", "probe.py"], run_dir, env, stdin=code)
    sink = Sink()
    launch.capture(proc, sink, tee=False)
    out = json.loads(b"".join(sink.lines))
    assert (out["x"], out["spare"], out["stdin"]) == (5, True, "")


def test_a_spare_started_with_other_python_settings_is_not_used(run_dir: Path) -> None:
    spare.prestart()
    out = run_probe(run_dir, {"PYTHONHASHSEED": "123"})
    assert out["spare"] is False
    assert out["hash"] == run_probe(run_dir, {"PYTHONHASHSEED": "123"})["hash"]  # the seed took effect


def test_a_spare_that_died_waiting_is_replaced_by_a_fresh_start(run_dir: Path) -> None:
    spare.prestart()
    for pid in children_waiting():
        os.kill(pid, 9)
    deadline = time.monotonic() + 10
    while children_waiting() and time.monotonic() < deadline:  # until it is a zombie
        time.sleep(0.01)
    out = run_probe(run_dir)
    assert out["spare"] is False and out["argv"] == ["probe.py", "a1"]


def test_a_batch_keeps_one_spare_ready_and_none_after(run_dir: Path) -> None:
    spare.keep_ready(True)
    outs = [run_probe(run_dir) for _ in range(3)]
    assert [o["spare"] for o in outs] == [True, True, True]
    assert len(children_waiting()) == 1
    spare.keep_ready(False)
    assert children_waiting() == []


def test_a_failed_ledger_run_leaves_no_spare(tmp_path: Path, monkeypatch) -> None:
    from ledger.cli.app import main

    monkeypatch.setenv("LEDGER_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert main(["run", "missing.py", "-y"]) != 0
    assert children_waiting() == []


def test_a_waiting_spare_exits_quietly_when_ledger_has_nothing_for_it() -> None:
    proc = Process([*spare.op_main_argv(), "--wait", str(os.getpid())], dict(os.environ))
    proc.stdin.close()
    assert proc.wait() == 0
    assert (proc.stdout.read(), proc.stderr.read()) == (b"", b"")
    proc.close()


def test_process_reports_status_signals_and_missing_programs(tmp_path: Path) -> None:
    p = Process([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"], dict(os.environ), piped=(1,))
    assert p.read_all(timeout=30) == b"out\n" and p.wait() == 3
    p.close()
    p = Process([sys.executable, "-c", "import time; time.sleep(30)"], dict(os.environ), piped=(1,))
    assert p.read_all(timeout=0.2) is None  # killed at the deadline
    assert p.wait() == -9
    p.close()
    p = Process(["sh", "-c", "echo found"], dict(os.environ), piped=(1,), search=True)
    assert p.read_all(timeout=30) == b"found\n" and p.wait() == 0
    p.close()
    with pytest.raises(OSError):
        Process([str(tmp_path / "no-such-program")], dict(os.environ))
