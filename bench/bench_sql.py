"""Benchmarks of the DuckDB projection and the SQL layer.

    .venv/bin/python bench/bench_sql.py generate   # ~1.1M events into bench/out/home-1m (once)
    .venv/bin/python bench/bench_sql.py run        # the four figures of the issue

History is generated through the store's public API (one transaction per
run, like the executor writes it): 10,000 runs, each with a label, three
flags, source code, 100 scalars, one output chunk and a stop. The targets:
count(*) over 1M scalars <= 0.5 s wall once caught up; `compare --csv` over
10,000 runs <= 1 s; full rebuild from 1M events <= 15 s; catching up 1,000
new events <= 0.3 s. "Wall" includes a fresh interpreter, as a user's
command would.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.events import (  # noqa: E402
    FlagSet,
    LabelSet,
    NewEvent,
    OutputCaptured,
    RunCreated,
    RunStarted,
    RunStopped,
    ScalarLogged,
    SourcecodeCopied,
    SourceFile,
)
from ledger.home import Home  # noqa: E402

OUT = ROOT / "bench" / "out"
BIG = OUT / "home-1m"
RUNS = 10_000
SCALARS_PER_RUN = 100


def run_events(i: int, blob: str) -> list[NewEvent]:
    rid = f"{i:08x}" + "0" * 24
    opdef = {"name": "train", "flags": {"lr": {"default": 0.1}}, "objective": {"minimize": "loss"}}
    events = [
        NewEvent(rid, RunCreated(op="train", opdef=opdef, pid=1, host="bench", random_seed=i)),
        NewEvent(rid, LabelSet(label=f"lr={i % 7} batch={i % 3}")),
        NewEvent(rid, FlagSet(name="lr", value=0.001 * (i % 7 + 1), origin="user")),
        NewEvent(rid, FlagSet(name="batch", value=2 ** (i % 3), origin="default")),
        NewEvent(rid, FlagSet(name="opt", value="adam" if i % 2 else "sgd", origin="default")),
        NewEvent(
            rid,
            SourcecodeCopied(files=(SourceFile("train.py", blob, 10),), digest=f"d{i % 50}"),
        ),
        NewEvent(rid, RunStarted(argv=("python", "train.py"), pid=1)),
    ]
    for step in range(SCALARS_PER_RUN):
        key = ("loss", "acc")[step % 2]
        events.append(NewEvent(rid, ScalarLogged(key=key, value=1.0 / (step + 1 + i % 13), step=step // 2)))
    events.append(NewEvent(rid, OutputCaptured(blob=blob, bytes=10, lines=1)))
    events.append(NewEvent(rid, RunStopped(status="completed", exit_status=0)))
    return events


def generate(home: Home, runs: int = RUNS, first: int = 0) -> None:
    blob = home.blobs.put_bytes(b"print(1)\n")
    store = home.store
    for i in range(first, first + runs):
        store.append(run_events(i, blob))


def wall(argv: list[str], env: dict[str, str], repeat: int = 3) -> float:
    """Median wall time of a fresh interpreter running argv."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def py(code: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {code}"]


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else "run"
    if cmd == "generate":
        if BIG.exists():
            shutil.rmtree(BIG)
        t = time.perf_counter()
        generate(Home(BIG))
        print(f"generated {Home(BIG).store.last_seq} events in {time.perf_counter() - t:.1f} s")
        return
    if not BIG.exists():
        sys.exit("run `bench_sql.py generate` first")
    work = OUT / "home-work"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(BIG, work)
    env = {**os.environ, "LEDGER_HOME": str(work)}
    home = f"Home({str(work)!r})"

    t = time.perf_counter()
    subprocess.run(py(f"from ledger.home import Home; from ledger.projections.index import rebuild_index; "
                      f"print(rebuild_index({home}))"), env=env, check=True)
    print(f"rebuild from {Home(work).store.last_seq} events: {time.perf_counter() - t:.2f} s (target 15)")

    count = wall(py(f"from ledger.home import Home; from ledger.projections.sql import run_sql; "
                    f"print(run_sql({home}, 'SELECT count(*) FROM scalars').fetchall())"), env)
    print(f"SELECT count(*) FROM scalars, caught up: {count:.3f} s (target 0.5)")

    compare = wall(py(f"from ledger.home import Home; from ledger.projections.compare import compare_csv; "
                      f"compare_csv({home}, [], sys.stdout)"), env)
    print(f"compare --csv over {RUNS} runs: {compare:.3f} s (target 1)")

    catchups = []
    for k in range(3):
        generate(Home(work), runs=10, first=RUNS + 10 * k)  # 10 runs x 109 events ~ 1,000
        t = time.perf_counter()
        out = subprocess.run(py(f"from ledger.home import Home; from ledger.projections.index import catch_up; "
                                f"print(catch_up({home}))"), env=env, check=True, capture_output=True, text=True)
        catchups.append((time.perf_counter() - t, out.stdout.strip()))
    best = statistics.median(t for t, _ in catchups)
    print(f"catch up {catchups[0][1]} new events: {best:.3f} s median (target 0.3)")


if __name__ == "__main__":
    main()
