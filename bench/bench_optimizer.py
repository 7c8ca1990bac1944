"""How long `gp` takes to propose one trial after 50 earlier trials.

Target: <= 1 s per proposal on a 3-dimensional space (a sequential batch
pays this before every trial). Run:

    .venv/bin/python bench/bench_optimizer.py [--runs N] [--prior N]

Prints each run's time and the median. The first proposal in a process also
pays for importing skopt/sklearn; that is measured and shown apart.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.executor import optimizers  # noqa: E402
from ledger.executor.values import Range  # noqa: E402

FLAGS = {
    "x": Range(-1.0, 1.0),
    "lr": Range(1e-4, 1e-1, "loguniform"),
    "layers": Range(1, 8),
    "epochs": 10,
}


def objective(trial: dict) -> float:
    return (trial["x"] - 0.3) ** 2 + abs(trial["layers"] - 3) / 10 + trial["lr"]


def prior_trials(n: int, seed: int) -> list[tuple[dict, float]]:
    rng = random.Random(seed)
    trials = []
    for _ in range(n):
        trial = {
            "x": rng.uniform(-1.0, 1.0),
            "lr": 10 ** rng.uniform(-4, -1),
            "layers": rng.randint(1, 8),
            "epochs": 10,
        }
        trials.append((trial, objective(trial)))
    return trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--prior", type=int, default=50)
    parser.add_argument("--acq-func", default="gp_hedge")
    args = parser.parse_args()

    spec = optimizers.get("gp")
    opt_flags = optimizers.resolve_flags(spec, {"acq-func": args.acq_func})
    prior = prior_trials(args.prior, seed=0)

    started = time.perf_counter()
    optimizers.propose(spec, opt_flags, FLAGS, prior, 0, args.prior)
    first = time.perf_counter() - started
    print(f"first proposal (includes importing skopt): {first:.3f} s")

    times = []
    for run in range(args.runs):
        started = time.perf_counter()
        trial, message = optimizers.propose(spec, opt_flags, FLAGS, prior, run + 1, args.prior)
        times.append(time.perf_counter() - started)
        print(f"run {run + 1}: {times[-1]:.3f} s  ({message}; x={trial['x']:.3f})")
    median = statistics.median(times)
    verdict = "OK" if median <= 1.0 else "OVER TARGET"
    print(
        f"gp propose, {args.prior} prior trials, {len(FLAGS) - 1} dims, acq-func={args.acq_func}: "
        f"median {median:.3f} s over {args.runs} runs (target <= 1 s: {verdict})"
    )


if __name__ == "__main__":
    main()
