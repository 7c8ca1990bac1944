"""Timing helpers shared by the benchmarks.

A figure is the median of several runs, and when two cases are compared
their runs are interleaved (A B A B ...) so that a slow spell of the
machine (another job, the disk flushing) hits both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(fn: Callable[[], object], runs: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median seconds of `runs` calls; `setup` runs untimed before each."""
    return interleaved({"_": (fn, setup)}, runs)["_"]


def interleaved(
    cases: dict[str, tuple[Callable[[], object], Callable[[], object] | None]], runs: int = 5
) -> dict[str, float]:
    """Median seconds per case, the cases taking turns run after run.
    Each case is (fn, setup or None); setup is not timed."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (fn, setup) in cases.items():
            if setup is not None:
                setup()
            samples[name].append(timed(fn))
    return {name: statistics.median(times) for name, times in samples.items()}


def result_line(name: str, value: float, unit: str, target: float | None = None, higher_is_better: bool = True) -> str:
    """One stable line per figure: name, value, unit, and PASS/FAIL against a target."""
    line = f"{name:<44} {value:>12,.0f} {unit}"
    if target is not None:
        met = value >= target if higher_is_better else value <= target
        sign = ">=" if higher_is_better else "<="
        line += f"   (target {sign} {target:,.0f}: {'PASS' if met else 'FAIL'})"
    return line


def report(name: str, value: float, unit: str, target: float | None = None, higher_is_better: bool = True) -> bool:
    """Print a result line; returns whether the target (if any) was met."""
    print(result_line(name, value, unit, target, higher_is_better), flush=True)
    if target is None:
        return True
    return value >= target if higher_is_better else value <= target
