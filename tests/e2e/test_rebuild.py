"""Projections can be thrown away: the log rebuilds them, file for file."""

from __future__ import annotations

import os
import shutil

from tests.e2e.conftest import Ledger


def tree(root) -> dict[str, bytes]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = open(full, "rb").read()
    return out


def test_rebuild_recreates_run_directories_and_the_index(ledger: Ledger) -> None:
    (ledger.cwd / "writes.py").write_text("import os\nos.makedirs('out', exist_ok=True)\n"
                                          "open('out/model.txt', 'w').write('weights')\nprint('loss: 0.25')\n")
    ledger("run", "writes.py", "-y")
    ledger("run", "echo", "x=[1,2]", "--keep-batch", "-y")
    ledger("label", "1", "keep-me")
    runs_before = ledger("runs", "-a").out
    sql_before = ledger("sql", "SELECT run, key, value FROM scalars ORDER BY run, key").out
    before = tree(ledger.home / "runs")

    shutil.rmtree(ledger.home / "runs")
    (ledger.home / "index.duckdb").unlink()
    out = ledger("rebuild").out
    assert out.startswith("rebuilt 4 run directories")

    after = tree(ledger.home / "runs")
    assert after == before  # file for file, byte for byte, artifacts included
    assert any(path.endswith(os.path.join("out", "model.txt")) for path in after)
    assert ledger("runs", "-a").out == runs_before
    assert ledger("sql", "SELECT run, key, value FROM scalars ORDER BY run, key").out == sql_before
    assert ledger("rebuild", "--check").out.strip() == "ok: run directories and index.duckdb match the log"


def test_rebuild_check_names_a_changed_file(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    run_dir = ledger("select", "--path").out.strip()
    with open(os.path.join(run_dir, ".ledger", "attrs", "label"), "w") as fh:
        fh.write("edited\n")
    result = ledger("rebuild", "--check", check=False)
    assert result.code == 1
    assert "differs .ledger/attrs/label" in result.out
