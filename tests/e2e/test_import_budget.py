"""`ledger run` loads no heavy package: a run's start-up is what a user waits
for each time. An offender is reported with the chain of imports that
brought it in (from `python -X importtime`) and the ledger code that asked
for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger

# pydantic proves events for verify; a run only writes them (about 40 ms)
DENY = ("duckdb", "numpy", "skopt", "scipy", "sklearn", "yaml", "pydantic")

# Runs `ledger ARGS`, then writes the modules it loaded and, for each
# denied package, the stack of ledger code that first imported it.
DRIVER = """\
import json, sys, traceback
DENY = {deny!r}
stacks = {{}}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in DENY and name not in stacks:
            stacks[name] = [f"{{f.filename}}:{{f.lineno}} {{f.name}}" for f in traceback.extract_stack()
                            if "ledger" in f.filename and "importlib" not in f.filename]
        return None

sys.meta_path.insert(0, Watch())
sys.argv = ["ledger", *json.loads(sys.argv[1])]
try:
    from ledger.cli.app import main
    main()
except SystemExit:
    pass
finally:
    with open({out!r}, "w") as fh:
        json.dump({{"modules": sorted(sys.modules), "stacks": stacks}}, fh)
"""


def import_chain(importtime: str, name: str) -> list[str]:
    """The modules that imported `name`, outermost first, from `-X importtime`
    output: a module's line follows those of the modules it imported, one
    level deeper."""
    rows = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            field = line.rsplit("|", 1)[1]
            rows.append((len(field) - len(field.lstrip()), field.strip()))
    for i, (depth, module) in enumerate(rows):
        if module == name:
            chain = [module]
            for later_depth, later in rows[i + 1 :]:
                if later_depth < depth:
                    chain.append(later)
                    depth = later_depth
            return chain[::-1]
    return []


def modules_of_run(ledger: Ledger, *args: str) -> tuple[dict, str]:
    out = ledger.home.parent / "modules.json"
    driver = DRIVER.format(out=str(out), deny=DENY)
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", driver, json.dumps(list(args))],
        cwd=ledger.cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text()), proc.stderr


def assert_no_heavy_imports(ledger: Ledger, *args: str) -> None:
    loaded, importtime = modules_of_run(ledger, *args)
    offenders = sorted({m.split(".")[0] for m in loaded["modules"]} & set(DENY))
    reports = [
        f"{name}: imported by {' <- '.join(reversed(import_chain(importtime, name)))}\n    "
        + "\n    ".join(loaded["stacks"].get(name, []))
        for name in offenders
    ]
    assert not offenders, f"ledger {' '.join(args)} imported heavy packages:\n" + "\n".join(reports)


@pytest.mark.parametrize(
    "args",
    [
        ("run", "echo", "x=2", "-y"),
        ("run", "echo.py", "y=3", "-y"),
        ("run", "echo", "x=[1,2]", "-y"),
        ("run", "--proto", "{first}", "-y"),
    ],
    ids=["operation", "script", "grid", "proto"],
)
def test_ledger_run_imports_no_heavy_package(ledger: Ledger, args: tuple[str, ...]) -> None:
    ledger("run", "echo", "-y")  # reads the project file (yaml) once; it is cached from then on
    (first,) = [p.name for p in (ledger.home / "runs").iterdir()]
    assert_no_heavy_imports(ledger, *(a.format(first=first) for a in args))


def test_the_import_chain_names_who_brought_a_module_in() -> None:
    importtime = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:        10 |         10 |       yaml.error",
            "import time:        20 |         30 |     yaml",
            "import time:         5 |          5 |     json",
            "import time:        40 |         75 |   ledger.executor.guildfile",
            "import time:        50 |        125 | ledger.executor.project",
        ]
    )
    assert import_chain(importtime, "yaml") == ["ledger.executor.project", "ledger.executor.guildfile", "yaml"]


def test_a_package_that_imports_yaml_is_caught(tmp_path: Path) -> None:
    (tmp_path / "heavy.py").write_text("import yaml\n")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import heavy"], cwd=tmp_path, capture_output=True, text=True
    )
    assert import_chain(proc.stderr, "yaml") == ["heavy", "yaml"]
