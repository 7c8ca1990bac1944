"""Batches: a 20-trial grid of echo, and --workers 2 against --workers 1.

Targets:
- `ledger run echo x=[1,...,20] -y` (examples/optimizers) <= 1.5x the honest
  floor: a shell loop of the same 20 bare runs,
  `for i in $(seq 20); do python echo.py; done`;
- printed for reference: its wall time, and the per-trial cost over bare
  python, the marginal one, (20-trial grid - 1-trial grid) / 19, so the
  command's fixed start-up is not spread over the trials;
- a 20-trial grid of a script that sleeps 0.2 s runs >= 1.7x faster with
  `--workers 2` than with `--workers 1`.

    .venv/bin/python bench/bench_batch.py [--runs 5] [--profile]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

LOOP_TARGET = 1.5
WORKERS_TARGET = 1.7
TRIALS = 20
GRID = "x=[" + ",".join(str(i) for i in range(1, TRIALS + 1)) + "]"
SLEEPY = "import time\n\nx = 1\n\ntime.sleep(0.2)\nprint(x)\n"


def bench(runs: int, always_profile: bool) -> None:
    h.compile_packages()
    print(h.machine_note(), flush=True)
    work = h.scratch("batch")
    env = h.env_for(work / "home")
    echo = h.project_copy(work / "echo")
    sleepy = work / "sleepy"
    sleepy.mkdir()
    (sleepy / "sleepy.py").write_text(SLEEPY)

    loop = f"for i in $(seq {TRIALS}); do {h.PY} echo.py; done"
    cases = {
        "bare": lambda: h.wall([h.PY, "echo.py"], echo, env),
        "loop": lambda: h.wall(["sh", "-c", loop], echo, env),
        "grid1": lambda: h.wall([h.LEDGER, "run", "echo", "x=[1]", "-y"], echo, env),
        "grid20": lambda: h.wall([h.LEDGER, "run", "echo", GRID, "-y"], echo, env),
    }
    h.interleaved(cases, 1)  # warm-up, not counted
    s = h.interleaved(cases, runs)
    grid_ok = h.ratio_line("batch-grid-20", f"ledger run echo x=[1..{TRIALS}] -y", s["grid20"],
                           f"{TRIALS} x python echo.py (shell loop)", s["loop"], LOOP_TARGET)
    per_trial = [(g20 - g1) / (TRIALS - 1) for g20, g1 in zip(s["grid20"], s["grid1"])]
    over = (h.median(per_trial) - h.median(s["bare"])) * 1000
    h.info_line("batch-per-trial", f"per-trial cost (20-trial - 1-trial grid)/19 {h.median(per_trial):.3f} s,"
                f" {over:.0f} ms over a bare python echo.py ({h.median(s['bare']):.3f} s)")
    h.info_line("batch-grid-1", f"ledger run echo x=[1] -y {h.median(s['grid1']):.3f} s (the batch's fixed cost)")

    grid = ["run", "sleepy.py", GRID, "-y"]
    w = h.interleaved({
        "w1": lambda: h.wall([h.LEDGER, *grid, "--workers", "1"], sleepy, env),
        "w2": lambda: h.wall([h.LEDGER, *grid, "--workers", "2"], sleepy, env),
    }, runs)
    h.speedup_line("batch-workers-2", "--workers 2", w["w2"], "--workers 1", w["w1"], WORKERS_TARGET)
    ideal = TRIALS * 0.2
    h.info_line("batch-sleep-overhead", f"--workers 1 spends {h.median(w['w1']) - ideal:.3f} s beyond the"
                f" {ideal:.1f} s of sleeping ({(h.median(w['w1']) - ideal) / TRIALS * 1000:.0f} ms per trial)")
    if not grid_ok or always_profile:
        print(f"# profile of `ledger run echo {GRID} -y` (cumulative, top entries):", flush=True)
        print(h.profile(["run", "echo", GRID, "-y"], echo, env, top=15), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile even when the targets are met")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.profile))


if __name__ == "__main__":
    main()
