"""Run every bench/bench_*.py in turn, then print their result lines again.

`make bench` calls this. Each benchmark prints its own lines as it goes
(PASS/FAIL per target, plus notes); the summary at the end gathers every
line with a PASS or FAIL verdict. Benchmarks are measurements: this exits 0
even when targets are missed, and goes on when one benchmark breaks.

    .venv/bin/python bench/run_all.py [NAME ...]   # e.g. `run listing` for bench_run.py, bench_listing.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = str(HERE.parent / ".venv" / "bin" / "python")
VERDICT = re.compile(r"\b(PASS|FAIL)\b")


def main(argv: list[str]) -> int:
    benches = sorted(HERE.glob("bench_*.py"))
    if argv:
        benches = [b for b in benches if b.stem.removeprefix("bench_") in argv or b.stem in argv]
    results: list[str] = []
    for bench in benches:
        print(f"== {bench.name}", flush=True)
        start = time.perf_counter()
        proc = subprocess.Popen([PY, str(bench)], cwd=HERE.parent, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if VERDICT.search(line):
                results.append(line.rstrip())
        code = proc.wait()
        note = f" (exited {code})" if code else ""
        print(f"== {bench.name} took {time.perf_counter() - start:.0f} s{note}", flush=True)
        if code:
            results.append(f"{bench.name}: exited {code}, see its output above")
    print("\n== summary")
    for line in results:
        print(line)
    failed = sum(1 for line in results if "FAIL" in line)
    print(f"== {len(results)} result line(s), {failed} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
