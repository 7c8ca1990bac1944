"""The wheel a user installs: one top-level import package, `ledger`, that
works from a folder holding its own queries.py, executor.py and cli.py.

The wheel is built from a copy of the repository and installed, without
dependencies, into a fresh venv. The dependencies (duckdb, typer, numpy...)
come from the test's own environment through a .pth file: a path line in a
.pth file runs no .pth file of that folder, so the development install's
editable finder never loads, and that folder holds no `ledger` package of
its own (checked below). What runs is the wheel's code alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".demo-home", "out"
)
USER_MODULES = ("queries", "executor", "cli", "projections")
pytestmark = pytest.mark.slow

TRAIN = """\
x = 1.0
print(f"loss: {1 / (1 + x)}")
"""

# the view as the wheel installs it: a page from its templates, its own static file and plotly's
VIEW_PAGES = """\
from fastapi.testclient import TestClient
from ledger.home import Home
from ledger.view.app import create_app
client = TestClient(create_app(Home()), base_url="http://127.0.0.1:6006")
page = client.get("/runs")
print(page.status_code, "train.py" in page.text)
print(client.get("/static/view.css").status_code, client.get("/static/plotly.min.js").status_code)
"""


def sh(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(map(str, argv))} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCE)
    start = time.perf_counter()
    sh(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
       "-w", tmp / "dist", source)  # fmt: skip
    print(f"built the wheel in {time.perf_counter() - start:.1f} s")
    (built,) = (tmp / "dist").glob("ledger_ml-*.whl")
    return built


def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["ledger"]
    assert {n.split("/")[0] for n in names} == {"ledger", top_level.split("/")[0]}
    for module in ("ledger/cli/app.py", "ledger/executor/runner.py", "ledger/projections/sql.py"):
        assert module in names
    assert "ledger/queries/lineage.sql" in names
    for page in ("base.html", "runs.html", "run.html", "compare.html", "sql.html"):
        assert f"ledger/view/templates/{page}" in names
    assert {"ledger/view/static/view.css", "ledger/view/static/view.js"} <= set(names)


def test_the_installed_wheel_works_beside_a_users_own_modules(wheel: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    assert not any((Path(p) / "ledger").exists() or (Path(p) / "ledger.py").exists() for p in ours)
    (site / "dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    sh(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    print(f"installed in a fresh venv in {time.perf_counter() - start:.1f} s")

    project = tmp_path / "project"
    project.mkdir()
    for name in USER_MODULES:
        (project / f"{name}.py").write_text(f"raise SystemExit('the user\\'s own {name}.py was imported')\n")
    (project / "train.py").write_text(TRAIN)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(LEDGER_HOME=str(tmp_path / "home"), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")

    def ledger(*args: str) -> str:
        return sh(venv / "bin" / "ledger", *args, cwd=project, env=env)

    from ledger import __version__

    assert ledger("--version") == f"ledger {__version__}\n"
    where = sh(python, "-c", "import ledger.cli.app as m; print(m.__file__)", cwd=project, env=env)
    assert Path(where.strip()).is_relative_to(site)
    assert "loss: 0.333" in ledger("run", "train.py", "x=2", "-y")
    assert ledger("sql", "SELECT op, status FROM runs").split() == ["op", "status", "--------", "---------",
                                                                  "train.py", "completed"]  # fmt: skip
    assert ledger("verify").startswith("ok: ")  # its index check runs in a process of its own
    assert "scalar-summary" in ledger("query", "--list")
    summary = ledger("query", "scalar-summary", "-f", "csv").splitlines()
    assert summary[0].startswith("run,key,count,last") and ",loss,1,0.333" in summary[1]
    assert sh(python, "-m", "ledger", "runs", "-s", cwd=project, env=env).split()[:3] == ["[1]", "train.py", "completed"]
    served = sh(python, "-c", VIEW_PAGES, cwd=project, env=env).split()
    assert served == ["200", "True", "200", "200"], served
    print(f"wheel test in {time.perf_counter() - start:.1f} s after the build")
