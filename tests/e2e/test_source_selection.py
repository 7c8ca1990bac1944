"""Source selection that explains itself: what the limits leave out is
named with how to take it, `sourcecode: root` is applied, special files
are passed over without being opened, and script names may hold spaces."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A project folder without a project file."""
    folder = tmp_path / "bare"
    folder.mkdir()
    return folder


def test_150_files(ledger: Ledger, bare: Path) -> None:
    for i in range(150):
        (bare / f"m{i:03}.py").write_text(f"X = {i}\n")
    (bare / "a_main.py").write_text("import m000\nprint('main ran', m000.X)\n")
    run = ledger("run", "a_main.py", "-y", cwd=bare)
    assert "main ran 0" in run.out
    warning = [line for line in run.err.splitlines() if "more than 100 source files" in line]
    assert len(warning) == 1, run.err
    assert "skipped 51 (m099.py, m100.py" in warning[0] and "and 46 more" in warning[0]
    assert "`sourcecode:` rules" in warning[0]
    assert len(ledger("ls", "--sourcecode").out.splitlines()) == 101  # the folder's line, then 100 files
    (bare / "z_main.py").write_text("print('never')\n")
    err = ledger.fails("run", "z_main.py", "-y", cwd=bare).err
    assert "main module 'z_main.py' (z_main.py) was not copied to the run" in err
    assert "only the first 100 source files are copied" in err and "sourcecode:" in err
    (bare / "guild.yml").write_text("z:\n  main: z_main\n  sourcecode: ['*.py']\n")
    assert "never" in ledger("run", "z", "-y", cwd=bare).out


def test_a_2_mib_file(ledger: Ledger, bare: Path) -> None:
    (bare / "weights.py").write_text("W = 1\n" + "#" * (2 * 1024 * 1024) + "\n")
    (bare / "train.py").write_text("import weights\nprint('w', weights.W)\n")
    run = ledger("run", "train.py", "-y", cwd=bare, check=False)
    assert "WARNING: skipped source file weights.py: it is over 1 MiB" in run.err
    assert "{include: weights.py}" in run.err
    (bare / "guild.yml").write_text("train:\n  main: train\n  sourcecode: [{include: weights.py}]\n")
    assert "w 1" in ledger("run", "train", "-y", cwd=bare).out
    (bare / "guild.yml").unlink()
    (bare / "huge_main.py").write_text("print('x')\n" + "#" * (2 * 1024 * 1024) + "\n")
    err = ledger.fails("run", "huge_main.py", "-y", cwd=bare).err
    assert "(huge_main.py) was not copied to the run because it is over 1 MiB" in err


def test_sourcecode_root(ledger: Ledger, bare: Path) -> None:
    (bare / "src").mkdir()
    (bare / "src" / "train.py").write_text("import helper\nlr = 0.1\nprint('lr', lr, helper.X)\n")
    (bare / "src" / "helper.py").write_text("X = 7\n")
    (bare / "notes.txt").write_text("not source\n")
    (bare / "guild.yml").write_text("train:\n  main: train\n  flags-import: all\n  sourcecode:\n    root: src\n")
    assert "lr 0.5 7" in ledger("run", "train", "lr=0.5", "-y", cwd=bare).out
    assert ledger("ls", "--sourcecode").out.split()[1:] == ["helper.py", "train.py"]
    (bare / "guild.yml").write_text("train:\n  main: train\n  sourcecode:\n    root: nowhere\n")
    assert "sourcecode root 'nowhere' is not a folder" in ledger.fails("run", "train", "-y", cwd=bare).err


def test_a_script_name_with_a_space(ledger: Ledger, bare: Path) -> None:
    (bare / "sp ace.py").write_text("x = 1\nprint('x is', x)\n")
    assert "x is 3" in ledger("run", "sp ace.py", "x=3", "-y", cwd=bare).out
    assert "sp ace.py" in ledger("runs", "-s").out
    assert "x is 4" in ledger("run", "--proto", "1", "x=4", "-y", cwd=bare).out
    (bare / "sub dir").mkdir()
    (bare / "sub dir" / "my train.py").write_text("print('sub ran')\n")
    assert "sub ran" in ledger("run", "sub dir/my train.py", "-y", cwd=bare).out


def test_a_fifo_and_a_socket_in_the_project_do_not_hang_the_run(ledger: Ledger, bare: Path) -> None:
    (bare / "train.py").write_text("print('ran')\n")
    os.mkfifo(bare / "pipe.py")
    os.mkfifo(bare / "pipe")
    (bare / "data").mkdir()
    os.mkfifo(bare / "data" / "queue")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(bare / "sock"))
        assert "ran" in ledger("run", "train.py", "-y", cwd=bare).out
    finally:
        server.close()
    assert ledger("ls", "--sourcecode").out.split()[1:] == ["train.py"]
    assert "script pipe.py not found" in ledger.fails("run", "pipe.py", "-y", cwd=bare).err
    (bare / "guild.yml").write_text("p:\n  main: pipe\n")
    err = ledger.fails("run", "p", "-y", cwd=bare).err
    assert "main module 'pipe' (pipe.py) was not copied to the run because it is not a regular file" in err
