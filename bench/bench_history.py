"""Whole-history operations at two sizes: time linear in events, memory bounded.

Targets (issue "Integrity"), on generated homes of 10,000 and 100,000 runs
(harness.history: 100k and 1M events):
- the index rebuilt from the log, and `ledger rebuild` (verify, index and
  every run directory), at the big size take <= 10.5x their time at the
  small one, and peak RSS <= 500 MB at both;
- `ledger verify` of the big log takes <= 1.2x what it took before it also
  compared the index with a fold of the log: the walk of the chain and the
  blobs alone (ledger.verify.verify, what the command ran then; a tree of
  that time cannot read today's events), measured in the same run.

Each figure is the median of `--runs` fresh processes; peak RSS is the
process's own high-water mark (wait4's ru_maxrss). `ledger rebuild` runs on
the generated home with its run directories removed before each run,
so every run writes them all (the generated home's run directories are
all restorable from its log).

    .venv/bin/python bench/bench_history.py [--runs 3] [--small 10000] [--big 100000] [--big-runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

GROWTH_TARGET = 10.5
RSS_TARGET_MB = 500.0
VERIFY_TARGET = 1.2

WALK_ONLY = "from ledger.home import Home; from ledger.verify import verify; assert verify(Home()).ok"
INDEX_REBUILD = (
    "from ledger.home import Home; from ledger.projections.index import rebuild_index; rebuild_index(Home())"
)


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise h.BenchError(f"{' '.join(argv)} exited {proc.returncode}: {err.decode(errors='replace')[-300:]}")
    return elapsed, usage.ru_maxrss / 1024


def bench(runs: int, small: int, big: int, big_runs: int) -> None:
    print(h.machine_note(), flush=True)
    homes = {}
    for size in (small, big):
        home, facts = h.history(size)
        homes[size] = (home, facts["events"])

    figures: dict[str, dict[int, list[tuple[float, float]]]] = {"index": {}, "rebuild": {}}
    for size, (home, _) in homes.items():
        env = h.env_for(home)
        for name in figures:
            figures[name][size] = []
        for _ in range(runs if size == small else big_runs):
            figures["index"][size].append(measured([h.PY, "-c", INDEX_REBUILD], env))
            shutil.rmtree(home / "runs", ignore_errors=True)
            shutil.rmtree(home / "lost+found", ignore_errors=True)
            figures["rebuild"][size].append(measured([h.LEDGER, "rebuild"], env))

    for name, label in (("index", "index rebuilt from the log"), ("rebuild", "ledger rebuild")):
        s = [t for t, _ in figures[name][small]]
        b = [t for t, _ in figures[name][big]]
        h.ratio_line(f"history-{name}-growth", f"{label} at {homes[big][1]:,} events", b,
                     f"at {homes[small][1]:,}", s, GROWTH_TARGET)  # fmt: skip
        for size in (small, big):
            rss = max(r for _, r in figures[name][size])
            ok = rss <= RSS_TARGET_MB
            print(f"history-{name}-rss-{size // 1000}k: {label} peak RSS {rss:.0f} MB at {homes[size][1]:,} events"
                  f" (target <= {RSS_TARGET_MB:g} MB) {'PASS' if ok else 'FAIL'}", flush=True)  # fmt: skip

    home, events = homes[big]
    env = h.env_for(home)
    samples = h.interleaved({
        "walk": lambda: measured([h.PY, "-c", WALK_ONLY], env)[0],
        "verify": lambda: measured([h.LEDGER, "verify"], env)[0],
    }, big_runs)  # fmt: skip
    h.ratio_line("history-verify-vs-walk", f"ledger verify of {events:,} events", samples["verify"],
                 "the walk of chain and blobs alone", samples["walk"], VERIFY_TARGET)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--big-runs", type=int, default=3, help="runs at the big size (each writes all its run dirs)")
    args = parser.parse_args()
    h.compile_packages()
    bench(args.runs, args.small, args.big, args.big_runs)


if __name__ == "__main__":
    h.main_guard(main)
