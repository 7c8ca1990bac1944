"""Metrics at training scale: 1,000,000 points (10 metrics x 100,000 steps).

Side by side in one run, interleaved, medians of BENCH_RUNS (default 3):
- printed `key: value` lines: `ledger run` wall <= 1.3 x the bare script
  with its output redirected to a file;
- the logging API: `ledger run` wall <= 1.3 x the same script with the
  ledger.log calls replaced by `pass` (run bare);
- disk: log + blobs added per point <= 40 bytes (API; printed is shown too,
  its output text included);
- peak RSS of `ledger run` (the recorder) <= 150 MB;
- `ledger sql "select key, max(step), min(value) from scalars group by key"`
  over BENCH_SQL_POINTS points (default 10,000,000 in 100 runs; the issue's
  figure is 100,000,000 in 1,000 runs) <= 2 s once caught up;
- MLflow's log_metric and log_batch for the same points, when a venv with
  mlflow exists at bench/out/mlflow-venv (else skipped), as a ratio.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import interleaved, report  # noqa: E402

PY = sys.executable
LEDGER = [PY, "-m", "ledger"]
STEPS, METRICS = int(os.environ.get("BENCH_STEPS", "100000")), 10  # fewer on a busy machine: say so
POINTS = STEPS * METRICS
RUNS = int(os.environ.get("BENCH_RUNS", "3"))

BODY = """
import math
for step in range({steps}):
    metrics = {{f"m{{k}}": math.sin(step * 0.001 + k) for k in range({metrics})}}
    {line}
"""
PRINTED = BODY.replace("{line}", 'for k, v in metrics.items():\n        print(f"{{k}}: {{v}}")')
API = "import ledger\n" + BODY.replace("{line}", "ledger.log(metrics, step=step)")
PASS = "import ledger\n" + BODY.replace("{line}", "pass")
MLFLOW = """
import math, sys, time, mlflow
from mlflow.entities import Metric
mlflow.set_tracking_uri("file:" + sys.argv[1])
mode = sys.argv[2]
start = time.perf_counter()
with mlflow.start_run():
    client, run_id = mlflow.tracking.MlflowClient(), mlflow.active_run().info.run_id
    batch = []
    for step in range({steps}):
        metrics = {{f"m{{k}}": math.sin(step * 0.001 + k) for k in range({metrics})}}
        if mode == "log_metric":
            for k, v in metrics.items():
                mlflow.log_metric(k, v, step=step)
        else:
            now = int(time.time() * 1000)
            batch += [Metric(k, v, now, step) for k, v in metrics.items()]
            if len(batch) >= 1000:
                client.log_batch(run_id, metrics=batch)
                batch = []
    if batch:
        client.log_batch(run_id, metrics=batch)
print(time.perf_counter() - start)
"""


def script(folder: Path, name: str, body: str, steps: int = STEPS) -> Path:
    path = folder / name
    path.write_text(body.format(steps=steps, metrics=METRICS))
    return path


def run_bare(path: Path, cwd: Path) -> None:
    with open(cwd / "out.txt", "wb") as out:
        subprocess.run([PY, str(path)], cwd=cwd, stdout=out, check=True)


def run_ledger(path: Path, cwd: Path, home: Path) -> None:
    env = {**os.environ, "LEDGER_HOME": str(home)}
    with open(cwd / "ledger-out.txt", "wb") as out:
        subprocess.run([*LEDGER, "run", path.name, "-y"], cwd=cwd, env=env, stdout=out, check=True)


def disk(home: Path) -> int:
    return sum(f.stat().st_size for sub in ("events", "objects") for f in (home / sub).rglob("*") if f.is_file())


def peak_rss_mb(path: Path, cwd: Path, home: Path) -> float:
    """Max RSS of `ledger run` (Linux: of it and the script it waited for)."""
    env = {**os.environ, "LEDGER_HOME": str(home)}
    with open(os.devnull, "wb") as out:
        proc = subprocess.Popen([*LEDGER, "run", path.name, "-y"], cwd=cwd, env=env, stdout=out)
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
    return usage.ru_maxrss / 1024


def bench_runs(work: Path) -> None:
    project = work / "project"
    project.mkdir()
    printed, api, passed = script(project, "printed.py", PRINTED), script(project, "api.py", API), \
        script(project, "passed.py", PASS)  # fmt: skip
    homes = iter(range(1000))

    def fresh() -> Path:
        home = work / f"home{next(homes)}"
        return home

    times = interleaved({
        "bare printed > file": (lambda: run_bare(printed, project), None),
        "ledger run printed": (lambda: run_ledger(printed, project, fresh()), None),
        "bare with pass": (lambda: run_bare(passed, project), None),
        "ledger run with pass": (lambda: run_ledger(passed, project, fresh()), None),
        "ledger run api": (lambda: run_ledger(api, project, fresh()), None),
    }, RUNS)  # fmt: skip
    for name, seconds in times.items():
        print(f"  {name:<28} {seconds:8.2f} s (median of {RUNS})")
    print(f"  ({POINTS:,} points a run)")
    report("printed: ledger run / bare x100", 100 * times["ledger run printed"] / times["bare printed > file"],
           "%", 130, higher_is_better=False)  # fmt: skip
    report("api: ledger run / pass x100", 100 * times["ledger run api"] / times["bare with pass"], "%", 130,
           higher_is_better=False)  # fmt: skip
    # what the calls themselves cost, start-up aside (no target of its own)
    added = (times["ledger run api"] - times["ledger run with pass"]) / POINTS * 1e9
    print(f"  api calls add {added:.0f} ns a point over `ledger run` of the script with pass")
    for name, path in (("api", api), ("printed", printed)):
        home = fresh()
        run_ledger(path, project, home)
        report(f"disk per point, {name} (log + blobs)", disk(home) / POINTS, "bytes", 40, higher_is_better=False)
    for name, path in (("api", api), ("printed", printed)):
        report(f"peak RSS of ledger run, {name}", peak_rss_mb(path, project, fresh()), "MB", 150,
               higher_is_better=False)  # fmt: skip
    bench_mlflow(work, times["ledger run api"])


def bench_mlflow(work: Path, ledger_api: float) -> None:
    python = HERE / "out" / "mlflow-venv" / "bin" / "python"
    if not python.exists():
        print("  MLflow: skipped (no venv with mlflow at bench/out/mlflow-venv)")
        return
    mlflow_script = work / "mlflow_log.py"
    mlflow_script.write_text(MLFLOW.format(steps=STEPS, metrics=METRICS))
    for mode, steps in (("log_batch", STEPS), ("log_metric", STEPS // 100)):
        mlflow_script.write_text(MLFLOW.format(steps=steps, metrics=METRICS))
        store = work / f"mlruns-{mode}"
        start = time.perf_counter()
        # the file store is what `mlflow.start_run()` gives a user with no server; MLflow 3 asks for consent
        env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
        proc = subprocess.run([str(python), str(mlflow_script), str(store), mode], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        if proc.returncode != 0:
            print(f"  MLflow {mode}: failed ({proc.stderr.strip().splitlines()[-1:]})")
            continue
        seconds = (time.perf_counter() - start) * (STEPS / steps)
        note = "" if steps == STEPS else f" (timed on {steps * METRICS:,} points, scaled x{STEPS // steps})"
        print(f"  mlflow {mode:<10} {seconds:8.1f} s for {POINTS:,} points{note}; "
              f"ratio to ledger run api: {seconds / ledger_api:.1f}x")  # fmt: skip


def bench_sql(work: Path) -> None:
    from ledger.events import NewEvent, RunCreated, RunStopped, ScalarsLogged
    from ledger.home import Home
    from ledger.scalar_columns import ScalarColumns

    total = int(os.environ.get("BENCH_SQL_POINTS", "10000000"))
    per_run = 100_000
    runs = total // per_run
    home = Home(work / "sqlhome")
    base = ScalarColumns()
    for i in range(per_run):
        base.add(f"m{i % METRICS}", i // METRICS, 1.0 / (i + 1), 1_700_000_000_000_000 + i * 1000)
    start = time.perf_counter()
    for r in range(runs):
        cols = ScalarColumns()
        cols.keys = dict(base.keys)
        cols.key_index, cols.steps, cols.times = base.key_index, base.steps, base.times
        cols.values = array("d", (v + r for v in base.values))
        keys, blob = cols.encode()
        run = f"{r:032x}"
        home.store.append([NewEvent(run, RunCreated(op="train")),
                           NewEvent(run, ScalarsLogged(home.blobs.put_bytes(blob), per_run, keys, "api")),
                           NewEvent(run, RunStopped(status="completed", exit_status=0))])  # fmt: skip
    print(f"  generated {runs * per_run:,} points in {runs:,} runs in {time.perf_counter() - start:.1f} s")
    env = {**os.environ, "LEDGER_HOME": str(home.path)}
    query = [*LEDGER, "sql", "select key, max(step), min(value) from scalars group by key"]
    start = time.perf_counter()
    subprocess.run(query, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  first query (folds the index): {time.perf_counter() - start:.1f} s")
    seconds = interleaved({"q": (lambda: subprocess.run(query, env=env, check=True, stdout=subprocess.DEVNULL),
                                 None)}, 5)["q"]  # fmt: skip
    report(f"sql group by key over {runs * per_run:,} points, ms", seconds * 1000, "ms", 2000,
           higher_is_better=False)  # fmt: skip


def main() -> None:
    print(f"machine load: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared: figures are noisy)")
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-metrics-"))
    try:
        if "sql" not in sys.argv[1:]:
            bench_runs(work)
        if "runs" not in sys.argv[1:]:
            bench_sql(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
