"""`ledger run --proto RUN -y` against `ledger run echo -y`, in a big home.

Target (from the issues): a run from a proto costs <= 1.1x a plain run of
the same operation, in a home that already holds a large history (10,000
runs, 100,000 events) so that reading the whole log, or the index, would
show. RUN is the proto's full id (what scripts pass). Also shown, without
targets: `--proto 1` (a listing index, so it goes through the DuckDB index,
which each new run makes stale), and the plain run in an empty home, to see
whether the history's size slows a plain run at all.

    .venv/bin/python bench/bench_proto.py [--runs 7] [--history 10000] [--profile]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

TARGET = 1.1


def bench(runs: int, size: int, always_profile: bool) -> None:
    h.compile_packages()
    cached, facts = h.history(size)
    work = h.scratch("proto")
    home = h.copy_home(cached, work / "home")
    empty = work / "empty-home"
    project = h.project_copy(work / "echo")
    env, env_empty = h.env_for(home), h.env_for(empty)
    print(h.machine_note(), flush=True)

    h.run([h.LEDGER, "run", "echo", "-y"], project, env)
    proto = h.run([h.LEDGER, "select"], project, env).stdout.decode().strip()
    cases = {
        "plain": lambda: h.wall([h.LEDGER, "run", "echo", "-y"], project, env),
        "proto": lambda: h.wall([h.LEDGER, "run", "--proto", proto, "-y"], project, env),
        "proto-index": lambda: h.wall([h.LEDGER, "run", "--proto", "1", "-y"], project, env),
        "plain-empty": lambda: h.wall([h.LEDGER, "run", "echo", "-y"], project, env_empty),
    }
    h.interleaved(cases, 1)  # warm-up, not counted
    s = h.interleaved(cases, runs)
    ok = h.ratio_line("proto-run", f"ledger run --proto ID -y ({facts['events']:,}-event home)", s["proto"],
                      "ledger run echo -y", s["plain"], TARGET)
    r = h.median(s["proto-index"]) / h.median(s["plain"])
    h.info_line("proto-run-by-index", f"ledger run --proto 1 -y {h.median(s['proto-index']):.3f} s = {r:.2f}x"
                f" the plain run (no target; includes catching the index up)  [{h.spread(s['proto-index'])}]")
    r = h.median(s["plain"]) / h.median(s["plain-empty"])
    h.info_line("run-in-big-home", f"ledger run echo -y {h.median(s['plain']):.3f} s in the big home vs"
                f" {h.median(s['plain-empty']):.3f} s in an empty one = {r:.2f}x (no target)")
    if not ok or always_profile:
        print("# profile of `ledger run --proto ID -y` (cumulative, top entries):", flush=True)
        print(h.profile(["run", "--proto", proto, "-y"], project, env, top=15), flush=True)
        print("# profile of `ledger run echo -y` (cumulative, top entries):", flush=True)
        print(h.profile(["run", "echo", "-y"], project, env, top=15), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=10_000, help="runs in the big home")
    parser.add_argument("--profile", action="store_true", help="profile even when the target is met")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.history, args.profile))


if __name__ == "__main__":
    main()
