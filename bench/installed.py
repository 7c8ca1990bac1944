"""ledger installed as a user installs it: from its wheel, not editable.

An editable install puts a finder into every interpreter's start (about
10 ms, in ledger and in each run's process) that an installed copy does
not have; the start-up targets are a user's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.harness import OUT, PY, ROOT


def purelib(python: str) -> str:
    """The site-packages folder of the interpreter `python`."""
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    return subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def installed_ledger() -> str:
    """The `ledger` command of this tree's wheel in bench/out/wheel-venv,
    made anew each time (it is the code as it is now). The dependencies
    are the main venv's, reached by a plain path entry (its .pth files,
    the editable finder among them, are not run)."""
    venv, wheels = OUT / "wheel-venv", OUT / "wheel"
    for folder in (venv, wheels):
        shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([PY, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), "."],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = purelib(python)
    Path(site, "main-venv-deps.pth").write_text(purelib(PY) + "\n")
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, str(wheel)],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run([python, "-m", "compileall", "-q", f"{site}/ledger"], check=True)
    script = venv / "bin" / "ledger"
    script.write_text(f"#!{python}\nfrom ledger.cli.console import entry\n\nentry()\n")
    script.chmod(0o755)
    return str(script)
