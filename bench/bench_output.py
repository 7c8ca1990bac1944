"""A run that prints a lot: `ledger run gen.py` against the bare script
redirected to a file (`python gen.py > out.txt`), for SIZE of output in
80-byte lines, and the same bytes as one line.

Printed: wall time of each (median of --runs, interleaved), the ratio of
`ledger run` to the bare script (target <= 1.3x), the one-line case against
the lines case (target <= 1.5x), the peak RSS of `ledger run` (its own and
its children's, from wait4; target <= 200 MB), and what the store grew by
(log + output blobs, target <= 1.3 x SIZE), with the run directory apart (a
projection: `.ledger/output` is a second copy of the output, as in Guild).
Each ledger run gets a fresh home, deleted afterwards.

gen.py writes its output with `sys.stdout.write`, a line (or an 80-byte
piece of the one line) per call, as scripts print: under `ledger run` its
stdout is unbuffered (live output), so each call is a write to the pipe.
`--block` writes 64 KiB per call instead, which leaves out that cost and
measures ledger's capture alone.

    .venv/bin/python bench/bench_output.py              # 1 GiB
    .venv/bin/python bench/bench_output.py --mib 256 --runs 3
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

GEN = """\
import sys

total = {size}
end = "{end}"
write = sys.stdout.write
if {block}:  # 64 KiB per write: 819 pieces of 80 bytes
    for n in range(0, total // 80, 819):
        write("".join(f"{{i:>12}} " + "x" * 66 + end for i in range(n, min(n + 819, total // 80))))
else:
    for i in range(total // 80):
        write(f"{{i:>12}} " + "x" * 66 + end)  # numbered: no two chunks alike, as real output
sys.stdout.flush()
"""


def measured(argv: list[str], cwd: Path, env: dict[str, str], stdout=subprocess.DEVNULL) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise h.BenchError(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()[-300:]}")
    return elapsed, usage.ru_maxrss * 1024


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024, help="output size in MiB (default 1024)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--block", action="store_true", help="gen.py writes 64 KiB per call")
    args = parser.parse_args()
    size = args.mib << 20
    print(h.machine_note(), flush=True)
    free = shutil.disk_usage(h.OUT.parent).free
    if free < 4 * size:
        raise h.BenchError(f"{free >> 30} GiB free on disk; a {args.mib} MiB run needs about 4x that: use --mib")
    h.compile_packages()
    work = h.scratch("output")
    for name, end in (("lines.py", "\\n"), ("line.py", ".")):
        (work / name).write_text(GEN.format(size=size, end=end, block=args.block))
    stats: dict[str, dict] = {}

    def bare() -> float:
        with open(work / "out.txt", "wb") as out:
            t, _ = measured([h.PY, "lines.py"], work, h.env_for(None), stdout=out)
        assert (work / "out.txt").stat().st_size == size // 80 * 80
        (work / "out.txt").unlink()
        return t

    def ledger(script: str) -> float:
        home = work / "home"
        shutil.rmtree(home, ignore_errors=True)
        t, rss = measured([h.LEDGER, "run", script, "-y"], work, h.env_for(home))
        s = stats.setdefault(script, {"rss": 0})
        s["rss"] = max(s["rss"], rss)
        s["store"] = tree_bytes(home / "events") + tree_bytes(home / "objects")
        s["log"] = tree_bytes(home / "events")
        s["rundir"] = tree_bytes(home / "runs")
        shutil.rmtree(home)
        return t

    samples = h.interleaved(
        {"bare": bare, "lines": lambda: ledger("lines.py"), "line": lambda: ledger("line.py")}, args.runs
    )
    how = "64 KiB writes" if args.block else "a write per line"
    h.ratio_line(f"output {args.mib} MiB in 80-byte lines ({how})", "ledger run", samples["lines"],
                 "python gen.py > out.txt", samples["bare"], 1.3)  # fmt: skip
    h.ratio_line(f"output {args.mib} MiB as one line", "ledger run (one line)", samples["line"],
                 "ledger run (lines)", samples["lines"], 1.5)  # fmt: skip
    for script, label in (("lines.py", "lines"), ("line.py", "one line")):
        s = stats[script]
        rss_ok = s["rss"] <= 200 << 20
        store_ok = s["store"] <= 1.3 * size
        h.info_line(
            f"output {args.mib} MiB ({label})",
            f"peak RSS {s['rss'] / 2**20:.0f} MB (target <= 200 MB) {'PASS' if rss_ok else 'FAIL'}; "
            f"store grew {s['store'] / 2**20:.0f} MiB = {s['store'] / size:.3f}x (log {s['log'] / 2**20:.1f} MiB;"
            f" target <= 1.3x) {'PASS' if store_ok else 'FAIL'}; run directory {s['rundir'] / 2**20:.0f} MiB",
        )


def main() -> None:
    h.main_guard(bench)


if __name__ == "__main__":
    main()
