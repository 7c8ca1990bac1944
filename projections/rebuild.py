"""Rebuilding every run directory from the log, and checking one against it."""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from pathlib import Path

from ledger.events import from_dict
from ledger.home import Home
from ledger.projections import rundir


def run_streams(home: Home) -> dict[str, list]:
    """Every run's events, in log order, grouped by run; purged runs left out."""
    streams: dict[str, list] = {}
    for raw in home.store.read_raw():
        streams.setdefault(raw["run"], []).append(raw)
    return {
        run: [from_dict(r) for r in raws]
        for run, raws in streams.items()
        if not any(r["type"] == "RunPurged" for r in raws) and raws[0]["type"] == "RunCreated"
    }


def rebuild_run_dirs(home: Home, root: Path | None = None) -> int:
    """Recreate the run directories under `root` (default: the home's runs/)."""
    root = root or home.runs_dir
    n = 0
    for run, events in run_streams(home).items():
        target = root / run
        if target.exists():
            shutil.rmtree(target)
        rundir.materialise(target, events, home.blobs.read)
        n += 1
    return n


def check_run_dirs(home: Home) -> list[str]:
    """Differences between the run directories and a rebuild, one line each."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ledger-check-") as tmp:
        fresh = Path(tmp)
        rebuild_run_dirs(home, fresh)
        for run in sorted(os.listdir(fresh)):
            problems += _compare(fresh / run, home.run_dir(run), run)
    return problems


def _compare(expected: Path, actual: Path, run: str) -> list[str]:
    if not actual.exists():
        return [f"{run[:8]}: run directory missing"]
    out = []
    cmp = filecmp.dircmp(expected, actual)
    stack = [(cmp, "")]
    while stack:
        c, prefix = stack.pop()
        out += [f"{run[:8]}: missing {prefix}{n}" for n in c.left_only]
        out += [f"{run[:8]}: not in the log {prefix}{n}" for n in c.right_only]
        out += [f"{run[:8]}: differs {prefix}{n}" for n in c.diff_files]
        stack += [(sub, f"{prefix}{name}/") for name, sub in c.subdirs.items()]
    return out
