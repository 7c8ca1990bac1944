"""`ledger rebuild` only adds: no byte a run or a user produced is destroyed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import Ledger


def _run_dir(ledger: Ledger) -> Path:
    return Path(ledger("select", "--path").out.strip())


def test_an_artifact_too_big_to_store_is_kept(ledger: Ledger) -> None:
    # sparse: 70 MB on paper, nothing on disk
    (ledger.cwd / "big.py").write_text("with open('model.bin', 'wb') as f:\n    f.truncate(70 << 20)\n")
    ledger("run", "big.py", "-y")
    model = _run_dir(ledger) / "model.bin"
    assert model.stat().st_size == 70 << 20
    out = ledger("rebuild").out
    assert model.stat().st_size == 70 << 20
    assert "kept model.bin: recorded, too big to store in the log" in out
    assert "1 file not in the log kept" in out
    check = ledger("rebuild", "--check")
    assert check.out.startswith("kept model.bin") or "kept model.bin" in check.out


def test_a_file_written_after_the_run_ended_is_kept(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    notes = _run_dir(ledger) / "notes" / "later.txt"
    notes.parent.mkdir()
    notes.write_text("written by hand, after the run\n")
    assert "kept notes/later.txt: not in the log" in ledger("rebuild").out
    assert notes.read_text() == "written by hand, after the run\n"
    assert ledger("rebuild", "--check").out.strip().endswith("ok: run directories and index.duckdb match the log, 1 file not in the log kept")


def test_a_changed_file_is_moved_to_lost_and_found_then_restored(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("label", "1", "from-the-log")
    label = _run_dir(ledger) / ".ledger" / "attrs" / "label"
    logged = label.read_bytes()
    label.write_text("edited by hand\n")
    assert ledger("rebuild", "--check", check=False).code == 1
    out = ledger("rebuild").out
    assert "differs .ledger/attrs/label: moved to " in out
    assert label.read_bytes() == logged
    (kept,) = (ledger.home / "lost+found").rglob("label")
    assert kept.read_text() == "edited by hand\n" and _run_dir(ledger).name in kept.parts
    assert ledger("rebuild", "--check").code == 0


def test_a_running_run_is_left_alone(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "sleeper.py").write_text("import os, time\nprint('ready', os.getpid(), flush=True)\ntime.sleep(60)\n")
    ledger = Ledger(tmp_path / "home", project)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledger", "run", "sleeper.py", "-y"],
        cwd=project, env={**os.environ, "LEDGER_HOME": str(ledger.home)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("ready"), line + proc.stderr.read()
        script_pid = int(line.split()[1])
        run_dir = _run_dir(ledger)
        deadline = time.monotonic() + 15  # the run records its output within about a second
        while b"ready" not in (run_dir / ".ledger" / "output").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.1)
        scratch = run_dir / "checkpoint.tmp"
        scratch.write_text("the run is writing this")
        before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
        out = ledger("rebuild").out
        assert f"{run_dir.name[:8]}: running, left alone" in out
        assert {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before
        os.kill(script_pid, 0)  # still alive
        assert proc.poll() is None
        assert "1 running run left alone" in ledger("rebuild", "--check").out
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_an_altered_blob_refuses_rebuild_and_force_never_writes_it(ledger: Ledger) -> None:
    (ledger.cwd / "writes.py").write_text("open('model.txt', 'w').write('weights')\n")
    ledger("run", "writes.py", "-y")
    model = _run_dir(ledger) / "model.txt"
    sha = hashlib.sha256(b"weights").hexdigest()
    blob = ledger.home / "objects" / sha[:2] / sha[2:]
    blob.chmod(0o644)
    blob.write_bytes(b"forged!")
    model.unlink()
    err = ledger.fails("rebuild").err
    assert "rebuild refused" in err and sha in err and "--force" in err
    assert not model.exists()
    result = ledger("rebuild", "--force")
    assert f"cannot restore model.txt: blob {sha[:12]} does not match its hash" in result.out
    assert "does not verify" in result.err
    assert not model.exists()  # the forged bytes went nowhere
    assert not list(model.parent.glob(".rebuild-*"))


def test_force_never_folds_an_altered_blob_into_the_index(ledger: Ledger) -> None:
    """The index's output tails and scalars are read from blobs: with
    --force, a blob that fails its hash is treated as lost, not served."""
    (ledger.cwd / "train.py").write_text("v = 0.0\nprint(f'loss: {v}')\nprint('said', v)\n")

    def run_blobs(value: str) -> dict[str, Path]:
        ledger("run", "train.py", f"v={value}", "-y")
        events = [json.loads(line) for line in ledger("log", "--json").out.splitlines()]
        shas = {e["type"]: e["data"]["blob"] for e in events if e["type"] in ("OutputCaptured", "ScalarsLogged")}
        return {kind: ledger.home / "objects" / sha[:2] / sha[2:] for kind, sha in shas.items()}

    def served() -> list[dict]:
        sql = ("SELECT f.value AS v, s.value, o.tail FROM flags f LEFT JOIN scalars s ON s.run = f.run"
               " LEFT JOIN output o ON o.run = f.run WHERE f.name = 'v' ORDER BY v")  # fmt: skip
        return json.loads(ledger("sql", sql, "--format", "json").out)

    forged_from = run_blobs("9.5")
    target = run_blobs("0.5")
    assert set(target) == {"OutputCaptured", "ScalarsLogged"}
    assert [(r["value"], r["tail"]) for r in served()] == [(0.5, "loss: 0.5\nsaid 0.5\n"), (9.5, "loss: 9.5\nsaid 9.5\n")]
    for kind, blob in target.items():  # another run's valid bytes under this run's names
        blob.chmod(0o644)
        blob.write_bytes(forged_from[kind].read_bytes())
    (ledger.home / "index.duckdb").unlink()
    ledger("rebuild", "--force")
    assert [(r["value"], r["tail"]) for r in served()] == [(None, None), (9.5, "loss: 9.5\nsaid 9.5\n")]
