"""End-to-end fixtures: the real `ledger` command on a temporary home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.err + self.out


class Ledger:
    """Runs `ledger ...` in `cwd` with LEDGER_HOME set, like a user would."""

    def __init__(self, home: Path, cwd: Path) -> None:
        self.home = home
        self.cwd = cwd

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, cwd: Path | None = None, merged: bool = False
    ) -> Result:
        """`merged` sends stderr into stdout, in the order written, as a
        terminal shows them (INFO lines between a batch's trial outputs)."""
        env = {**os.environ, "LEDGER_HOME": str(self.home), "COLUMNS": "200"}
        proc = subprocess.run(
            [sys.executable, "-m", "ledger", *args],
            cwd=cwd or self.cwd,
            env=env,
            input=input,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            text=True,
            timeout=300,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr or "")
        if check and proc.returncode != 0:
            raise AssertionError(f"ledger {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
        return result

    def fails(self, *args: str, cwd: Path | None = None) -> Result:
        """A command that must fail the way bad input fails: one line, no
        traceback, non-zero exit, and nothing appended to the log."""
        before = self.log_bytes()
        result = self(*args, check=False, cwd=cwd)
        assert result.code != 0, f"ledger {' '.join(args)} should have failed:\n{result.out}"
        assert "Traceback" not in result.err, result.err
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line, got:\n{result.err}"
        assert self.log_bytes() == before, "a failed command appended to the log"
        return result

    def log_bytes(self) -> bytes:
        events = self.home / "events"
        if not events.exists():
            return b""
        return b"".join(p.read_bytes() for p in sorted(events.glob("*.jsonl")))


def matches(expected: str, actual: str) -> bool:
    """Guild's doctest comparison, line by line: `...` in `expected` stands
    for any text within the line, and runs of blanks compare equal (Guild's
    tests normalise whitespace, so its reference pads columns loosely)."""
    import doctest

    want, got = expected.strip().splitlines(), actual.strip().splitlines()
    if len(want) != len(got):
        return False
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    return all(checker.check_output(w + "\n", g + "\n", flags) for w, g in zip(want, got))


def assert_output(expected: str, actual: str) -> None:
    assert matches(expected, actual), f"expected:\n{expected.strip()}\n\ngot:\n{actual.strip()}"


def with_scripts(tmp_path: Path, scripts: dict[str, str]) -> Ledger:
    """`ledger` on a fresh home, in a project of the given files (name -> text)."""
    project = tmp_path / "proj"
    project.mkdir()
    for name, text in scripts.items():
        (project / name).write_text(text)
    return Ledger(tmp_path / "home", project)


def fill_disk(mount: Path) -> None:
    """Write zeros to a file on the filesystem at `mount` until it is full."""
    with open(mount / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass


def copy_example(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(EXAMPLES / name, target)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_example("optimizers", tmp_path)


@pytest.fixture
def ledger(tmp_path: Path, project: Path) -> Ledger:
    return Ledger(tmp_path / "home", project)
