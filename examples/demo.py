"""`make demo`: the whole workflow on the example project, on an embedded home.

Runs real `ledger` commands, printing each one first, on a fresh home in
`.demo-home/` (no server, nothing outside the repo): a run, a run derived
from it with an override, a grid batch, an optimizer batch, a proto of that
batch, the lineage of the last trial, a saved query, a run that draws curves
(examples/curves) and a verify. It ends with how to see all of it in a
browser; `--open` starts `ledger view` on the demo home right away.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".demo-home"
LEDGER = [sys.executable, "-m", "ledger"]


def ledger(*args: str, cwd: Path) -> str:
    print(f"\n$ ledger {' '.join(args)}", flush=True)
    env = {**os.environ, "LEDGER_HOME": str(HOME)}
    proc = subprocess.run(
        [*LEDGER, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sys.stdout.write(proc.stdout)
    sys.stdout.flush()
    if proc.returncode != 0:
        raise SystemExit(f"demo: `ledger {' '.join(args)}` exited {proc.returncode}")
    return proc.stdout.strip()


def main() -> None:
    started = time.monotonic()
    shutil.rmtree(HOME, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="ledger-demo-") as tmp:
        project = Path(tmp) / "optimizers"
        shutil.copytree(ROOT / "examples" / "optimizers", project)
        print(f"Example project: examples/optimizers (copied to {project})")
        print(f"LEDGER_HOME={HOME}")

        ledger("run", "echo", "-y", cwd=project)
        first = ledger("select", cwd=project)
        ledger("run", "--proto", first, "x=2", "z=b", "-y", cwd=project)
        ledger("run", "poly", "x=[0.0,0.25,0.5]", "--keep-batch", "-y", cwd=project)
        ledger(
            "run",
            "poly",
            "-o",
            "gp",
            "x=[-1.0:1.0]",
            "--trials",
            "6",
            "-Fo",
            "random-starts=3",
            "--keep-batch",
            "-y",
            cwd=project,
        )
        batch = ledger("select", "-Fo", "poly+skopt:gp", cwd=project)
        ledger("run", "--proto", batch, "-Fo", "kappa=1.5", "--trials", "4", "--keep-batch", "-y", cwd=project)
        ledger("runs", "-s", cwd=project)
        last_trial = ledger("select", "1", cwd=project)
        ledger("lineage", last_trial, cwd=project)
        ledger("query", "flag-origins", "--param", f"run={last_trial}", cwd=project)
        ledger("query", "best-trials", cwd=project)
        curves = Path(tmp) / "curves"
        shutil.copytree(ROOT / "examples" / "curves", curves)
        ledger("run", "train.py", "lr=0.2", "--label", "curves", "-y", cwd=curves)
        ledger("verify", cwd=project)
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s; its history stays in {HOME}")
    print(f'Try: LEDGER_HOME={HOME} .venv/bin/ledger sql "SELECT op, status, label FROM runs"')
    print(f"See it in a browser: LEDGER_HOME={HOME} .venv/bin/ledger view   (then open the URL it prints)")
    if "--open" in sys.argv[1:]:
        # `ledger view` opens a browser itself when the machine has one
        os.environ["LEDGER_HOME"] = str(HOME)
        os.execv(sys.executable, [*LEDGER, "view"])


if __name__ == "__main__":
    main()
