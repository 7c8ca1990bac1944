"""`ledger run` keeps pathlib off its import path: importing it (with
urllib.parse, ipaddress, ntpath, fnmatch) costs some 3 ms of every run's
start-up, about a tenth of the whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """\
import sys
from cli.app import main
code = main({argv!r})
print(code, 'pathlib' in sys.modules, file=sys.stderr)
"""


def run_fresh(argv: list[str], project: Path, home: Path) -> str:
    """`main(argv)` in a fresh interpreter: its exit code and whether
    pathlib was imported."""
    env = {**os.environ, "LEDGER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c", CODE.format(argv=argv)], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )
    assert p.stdout == "hello\n", p.stderr
    return p.stderr.strip().splitlines()[-1]


def test_a_run_and_a_run_from_its_proto_by_full_id_do_not_import_pathlib(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    (project / "hello.py").write_text("print('hello')\n")
    assert run_fresh(["run", "hello.py", "-y"], project, home) == "0 False"
    (run_id,) = os.listdir(home / "runs")
    assert run_fresh(["run", "--proto", run_id, "-y"], project, home) == "0 False"
    assert len(os.listdir(home / "runs")) == 2
