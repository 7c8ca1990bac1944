"""The command line's own cost, with Typer on every command.

Target (issue 10): `ledger runs -s` with 100,000 runs <= 0.3 s wall (median,
fresh process, index already caught up). `ledger --help` is timed beside it
(every command's module imported to list them), and `python -c pass` as the
floor every command pays.

With `--baseline DIR`, DIR (a source tree of another commit, for example
`git worktree add /tmp/before COMMIT`) is timed in the same interleaved
runs, through the same console script and dependencies with DIR first on
PYTHONPATH, so before/after figures come from one bench run.

    .venv/bin/python bench/bench_cli.py [--runs 7] [--history 100000] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

TARGET = 0.3
COMMANDS = {"runs -s": ["runs", "-s"], "--help": ["--help"]}


def bench(runs: int, history: int, baseline: Path | None) -> None:
    h.compile_packages()
    if baseline:
        h.run([h.PY, "-m", "compileall", "-q", str(baseline)], h.ROOT, h.env_for(None))
    home = h.history(history)[0]
    print(h.machine_note(), flush=True)
    trees = {"now": h.env_for(home)}
    if baseline:
        trees["before"] = h.env_for(home, PYTHONPATH=str(baseline.resolve()))
    cases = {"python -c pass": lambda: h.wall([h.PY, "-c", "pass"], h.ROOT, trees["now"])}
    for tree, env in trees.items():
        for name, args in COMMANDS.items():
            cases[f"{name} ({tree})"] = lambda a=args, e=env: h.wall([h.LEDGER, *a], h.ROOT, e)
    h.interleaved(cases, 1)  # warm-up: page cache, any catch-up of the index
    s = h.interleaved(cases, runs)
    h.seconds_line(f"cli-runs-{history // 1000}k", f"ledger runs -s with {history:,} runs", s["runs -s (now)"], TARGET)
    h.info_line("cli-help", f"ledger --help {h.median(s['--help (now)']):.3f} s  [{h.spread(s['--help (now)'])}]")
    h.info_line("cli-floor", f"python -c pass {h.median(s['python -c pass']):.3f} s")
    if baseline:
        for name in COMMANDS:
            after, before = s[f"{name} (now)"], s[f"{name} (before)"]
            h.info_line(
                f"cli-before-after {name}",
                f"before {h.median(before):.3f} s, now {h.median(after):.3f} s "
                f"= {h.median(after) / h.median(before):.2f}x  [{h.spread(after)}]",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=100_000, help="runs in the generated home")
    parser.add_argument("--baseline", type=Path, help="a source tree to time beside this one")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.history, args.baseline))


if __name__ == "__main__":
    main()
