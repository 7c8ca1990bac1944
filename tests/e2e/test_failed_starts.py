"""A run whose process cannot start is bad input: refused in one line
before anything is appended, not recorded as a run that errored."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger


def no_runs(ledger: Ledger) -> bool:
    runs = ledger.home / "runs"
    return not runs.exists() or not list(runs.iterdir())


def test_a_missing_exec_program(ledger: Ledger, project: Path) -> None:
    (project / "guild.yml").write_text('a:\n  exec: "no-such-program-4242 --x 1"\n')
    assert "cannot find program 'no-such-program-4242' on PATH" in ledger.fails("run", "a", "-y").err
    assert "cannot find program" in ledger.fails("run", "a", "--stage", "-y").err
    assert no_runs(ledger)


def test_a_file_that_is_not_a_program(ledger: Ledger, project: Path) -> None:
    assert "/etc/passwd is not executable" in ledger.fails("run", "/etc/passwd", "-y").err
    (project / "notes.sh").write_text("echo hi\n")
    assert "notes.sh is not executable" in ledger.fails("run", "notes.sh", "-y").err
    (project / "noshebang.sh").write_text("echo hi\n")
    (project / "noshebang.sh").chmod(0o755)
    assert "#!" in ledger.fails("run", "noshebang.sh", "-y").err
    (project / "guild.yml").write_text('a:\n  exec: "./missing.sh"\n')
    assert "not in the run's source code" in ledger.fails("run", "a", "-y").err
    assert no_runs(ledger)


def test_a_program_that_can_start_still_runs(ledger: Ledger, project: Path) -> None:
    (project / "hello.sh").write_text('#!/bin/sh\necho "hello $*"\n')
    (project / "hello.sh").chmod(0o755)
    (project / "guild.yml").write_text('a:\n  exec: "./hello.sh ${flag_args}"\n  flags: {n: 3}\n')
    assert "hello --n 3" in ledger("run", "a", "-y").out
    assert "hello" in ledger("run", "hello.sh", "-y").out
    assert "hello --n 4" in ledger("run", "--proto", "2", "n=4", "-y").out


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("payload", [os.urandom(450_000).hex(), os.urandom(250_000).hex()])
def test_a_disk_full_during_start_appends_nothing(tmp_path: Path, project: Path, payload: str) -> None:
    """The home on a 1 MiB tmpfs and a big source file: the disk fills up
    while the file is stored as a blob, or while it is copied into the run
    directory, before the run's first event could be appended."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        ledger = Ledger(mnt / "home", project)
        ledger("run", "echo", "-y")
        (project / "data.txt").write_text(payload)
        (project / "guild.yml").write_text("echo:\n  main: echo\n  sourcecode: ['*.py', data.txt]\n")
        before = ledger.log_bytes()
        result = ledger("run", "echo", "-y", check=False)
        assert result.code != 0 and "Traceback" not in result.err and "No space left" in result.err
        assert len([line for line in result.err.splitlines() if line.strip()]) == 1, result.err
        assert ledger.log_bytes() == before
        assert len(list((ledger.home / "runs").iterdir())) == 1
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
