"""`ledger lineage RUN` over a 100-deep proto chain in a 100,000-event ledger.

Target (from the issues): <= 0.3 s wall (median, fresh process). The chain's
runs are spread evenly through a generated history of 10,000 runs (see
harness.history), so each step reads a stream from a different part of the
log. RUN is the chain's newest run, by full id. Timed alongside: the same
command on the chain's first run (no protos), i.e. the fixed cost of the
command, so the per-step cost can be read off.

    .venv/bin/python bench/bench_lineage.py [--runs 7] [--history 10000] [--profile]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

TARGET = 0.3
DEPTH = 100


def bench(runs: int, size: int, always_profile: bool) -> None:
    h.compile_packages()
    home, facts = h.history(size, chain=DEPTH + 1)
    env = h.env_for(home)
    print(h.machine_note(), flush=True)
    tip, root = facts["chain_tip"], facts["chain_root"]
    depth = sum(1 for line in h.run([h.LEDGER, "lineage", tip], h.ROOT, env).stdout.decode().splitlines()
                if line.lstrip().startswith("<- proto"))
    cases = {
        "root": lambda: h.wall([h.LEDGER, "lineage", root], h.ROOT, env),
        "tip": lambda: h.wall([h.LEDGER, "lineage", tip], h.ROOT, env),
    }
    h.interleaved(cases, 1)  # warm-up, not counted
    s = h.interleaved(cases, runs)
    ok = h.seconds_line("lineage-100", f"ledger lineage RUN ({depth} protos deep, {facts['events']:,} events)",
                        s["tip"], TARGET)
    per_step = (h.median(s["tip"]) - h.median(s["root"])) / max(depth, 1)
    h.info_line("lineage-fixed", f"ledger lineage on a run without protos {h.median(s['root']):.3f} s;"
                f" each proto step adds {per_step * 1000:.2f} ms")
    if not ok or always_profile:
        print("# profile of `ledger lineage RUN` (cumulative, top entries):", flush=True)
        print(h.profile(["lineage", tip], h.ROOT, env, top=15), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=10_000, help="runs in the home (10 events each)")
    parser.add_argument("--profile", action="store_true", help="profile even when the target is met")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.history, args.profile))


if __name__ == "__main__":
    main()
