"""A full disk with an index behind the log: every command answers or
fails in one true line, and none leaves scratch files in the home."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, fill_disk


@pytest.fixture
def full_home(ledger: Ledger, tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        ledger("run", "echo", "-y")
        ledger("run", "echo", "x=2", "-y")
        ledger("runs")
        shutil.copytree(ledger.home, mount / "home")
        ledger.home = mount / "home"
        ledger("label", "1", "x", "-y")  # the index is now behind the log
        fill_disk(mount)
        yield ledger
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _leftovers(home: Path) -> list[str]:
    return [p.name for p in home.iterdir() if p.name.startswith(".index-slice-") or ".duckdb." in p.name]


def test_reads_answer_and_nothing_is_left_behind(full_home: Ledger) -> None:
    ledger = full_home
    assert ledger("runs").out.count("echo") == 2
    assert ledger("sql", "SELECT count(*) AS n FROM runs").out.split()[-1] == "2"
    assert "LabelSet" in ledger("log").out
    verify = ledger("verify", check=False)
    assert verify.code == 1 and "the log verifies" in verify.err and "no space left" in verify.err
    assert "delete" not in verify.err
    rebuild = ledger("rebuild", check=False)
    assert rebuild.code == 1 and "no space left" in rebuild.err and "rebuild-" not in rebuild.err
    assert "Traceback" not in rebuild.err + verify.err
    ledger("label", "1", "y", "-y", check=False)
    assert _leftovers(ledger.home) == []
