"""A run executes only bytes that prove themselves: source code taken from
a proto's blobs, files a restart restores from blobs and config files read
from a run's blobs are hash-checked first. An altered blob is one line
naming `ledger verify`, with nothing run and nothing appended."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tests.e2e.conftest import ROOT, Ledger, with_scripts

ECHO = 'print("loss: 0.5")\n'
FORGED = b'print("PWNED")\n'


def _blob(ledger: Ledger, data: bytes) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    path = ledger.home / "objects" / sha[:2] / sha[2:]
    assert path.exists()
    return path


def _forge(path: Path) -> None:
    path.chmod(0o644)
    path.write_bytes(FORGED)


def _run_ids(ledger: Ledger) -> list[str]:
    return [row["id"] for row in json.loads(ledger("runs", "--json").out)]


def _refused(ledger: Ledger, *args: str) -> None:
    runs = _run_ids(ledger)
    result = ledger.fails(*args)
    assert "ledger verify" in result.err and "PWNED" not in result.out
    assert _run_ids(ledger) == runs


def test_a_proto_whose_source_blob_was_altered_is_not_run(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"echo.py": ECHO})
    ledger("run", "echo.py", "-y")
    _forge(_blob(ledger, ECHO.encode()))
    _refused(ledger, "run", "--proto", "1", "-y")
    _refused(ledger, "run", "--proto", "1", "--stage", "-y")


def test_a_restart_does_not_restore_an_altered_source_blob(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"echo.py": ECHO})
    ledger("run", "echo.py", "-y")
    run = _run_ids(ledger)[0]
    _forge(_blob(ledger, ECHO.encode()))
    shutil.rmtree(ledger.home / "runs" / run)  # the run directory is restored from the log and its blobs
    _refused(ledger, "run", "--restart", "1", "-y")
    assert not (ledger.home / "runs" / run).exists()  # no half-restored directory is left to run later


def test_a_restart_does_not_restore_an_altered_config_file(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(ROOT / "tests/e2e/guild/projects/configdest", project)
    ledger = Ledger(tmp_path / "home", project)
    ledger("run", "json", "-y")
    run = _run_ids(ledger)[0]
    written = (ledger.home / "runs" / run / "settings.json").read_bytes()
    assert written != (project / "settings.json").read_bytes()  # the run's own copy, with its flags
    _forge(_blob(ledger, written))
    shutil.rmtree(ledger.home / "runs" / run)
    _refused(ledger, "run", "--restart", "1", "-y")


def test_intact_blobs_run_as_before(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"echo.py": ECHO})
    ledger("run", "echo.py", "-y")
    assert "loss: 0.5" in ledger("run", "--proto", "1", "-y").out
    run = _run_ids(ledger)[0]
    shutil.rmtree(ledger.home / "runs" / run)
    assert "loss: 0.5" in ledger("run", "--restart", run[:8], "-y").out
