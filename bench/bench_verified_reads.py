"""What proving one run's lines and blobs adds to `select --attr` and `cat --output`.

Target (issue "Integrity"): the verified reads add <= 10 ms to
`ledger select --attr flags RUN` and `ledger cat --output RUN` of one run,
in a 100,000-event home (harness.history(10_000)). Measured in one process,
as the difference between the verified read (ledger.executor.runinfo, what
the commands call) and the same read without proof (the store's stream and
the blob store's bytes, what they called before): medians of interleaved
runs, so a slow spell of the shared machine hits both alike. A fresh
process's wall time of each command is printed alongside, for scale.

    .venv/bin/python bench/bench_verified_reads.py [--runs 15] [--history 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

TARGET_MS = 10.0


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(runs: int, size: int) -> None:
    from ledger.events import OutputCaptured
    from ledger.executor import runinfo
    from ledger.home import Home
    from ledger.projections import rundir

    home_path, facts = h.history(size)
    print(h.machine_note(), flush=True)
    run = facts["plain_run"]

    def plain_attr() -> None:
        rundir.attrs(home.store.stream(run))["flags"]

    def plain_output() -> None:
        chunks = [e.data for e in home.store.stream(run) if isinstance(e.data, OutputCaptured)]
        b"".join(home.blobs.read(c.blob) for c in chunks)

    home = Home(home_path)
    assert runinfo.read_output(home, run), "the bench's run has no output"
    cases = {
        "attr": lambda: _seconds(plain_attr),
        "attr verified": lambda: _seconds(lambda: runinfo.attr_text(home, run, "flags")),
        "output": lambda: _seconds(plain_output),
        "output verified": lambda: _seconds(lambda: runinfo.read_output(home, run)),
    }
    h.interleaved(cases, 3)  # warm-up: page cache, cached stream index
    s = h.interleaved(cases, runs)
    for name, command in (("attr", "select --attr flags"), ("output", "cat --output")):
        added = (h.median(s[f"{name} verified"]) - h.median(s[name])) * 1000
        verdict = "PASS" if added <= TARGET_MS else "FAIL"
        print(
            f"verified-{name}: ledger {command} of one run ({facts['events']:,} events) proves its lines and blobs"
            f" in +{added:.2f} ms ({h.median(s[name]) * 1000:.2f} -> {h.median(s[f'{name} verified']) * 1000:.2f} ms,"
            f" {h.spread(s[f'{name} verified'])}) (target <= {TARGET_MS:.0f} ms) {verdict}",
            flush=True,
        )
    env = h.env_for(home_path)
    walls = h.interleaved(
        {
            "select": lambda: h.wall([h.LEDGER, "select", "--attr", "flags", run], h.ROOT, env),
            "cat": lambda: h.wall([h.LEDGER, "cat", "--output", run], h.ROOT, env),
        },
        5,
    )
    h.info_line(
        "verified-wall",
        f"fresh process: select --attr {h.median(walls['select']):.3f} s, cat --output {h.median(walls['cat']):.3f} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--history", type=int, default=10_000, help="runs in the home (10 events each)")
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.history))


if __name__ == "__main__":
    main()
