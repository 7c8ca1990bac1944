"""`ledger view`'s runs table over a home of 100,000 runs.

Target (the view's issue): every page of the table is served in <= 0.5 s,
whatever the sort or filter: the table pages in SQL, never in Python. Each
page is requested through the app in this process (FastAPI's test client),
so the figure is the server's time for one page, without a browser. A page
of `/api/tip` (the view's cheapest request) is timed beside it as the floor.

The home is generated once through the store's API (tests/view/histories.py)
and cached under bench/out/view-hist-RUNS.

    .venv/bin/python bench/bench_view.py [--runs 7] [--history 100000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness as h  # noqa: E402

TARGET = 0.5
GENERATOR = "v1"  # change when tests/view/histories.many_runs changes: the cached home is made anew
PAGES = {
    "newest": "/runs",
    "deep page": "/runs?page=1500",
    "sorted by a flag": "/runs?sort=flag:lr&desc=1",
    "sorted by a metric": "/runs?sort=metric:loss",
    "sorted by duration": "/runs?sort=duration&desc=1",
    "errors only": "/runs?status=error",
    "label text": "/runs?label=lr%3D0.05",
    "live refresh": "/runs?fragment=1",
}


def big_home(runs: int):
    from ledger.home import Home
    from ledger.projections.index import catch_up
    from tests.view.histories import many_runs

    folder = h.OUT / f"view-hist-{runs}-{GENERATOR}"
    home = Home(folder / "home")
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"# generating {runs:,} runs in {folder} (cached for next time) ...", flush=True)
        many_runs(home, runs)
        catch_up(home)
        (folder / "complete").write_text("ok\n")
    return home


def bench(runs: int, history: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from ledger.view.app import create_app

    home = big_home(history)
    print(h.machine_note(), flush=True)
    client = TestClient(create_app(home), base_url="http://127.0.0.1:6006")

    def timed(url: str) -> float:
        start = time.perf_counter()
        got = client.get(url)
        took = time.perf_counter() - start
        if got.status_code != 200:
            raise h.BenchError(f"{url} answered {got.status_code}")
        return took

    cases = {"floor /api/tip": lambda: timed("/api/tip")}
    cases.update({name: (lambda u=url: timed(u)) for name, url in PAGES.items()})
    h.interleaved(cases, 1)  # warm-up: page cache, DuckDB's first plans
    samples = h.interleaved(cases, runs)
    h.info_line("view-floor", f"/api/tip {h.median(samples['floor /api/tip']):.3f} s")
    for name in PAGES:
        label = f"view-{name.replace(' ', '-')}"
        h.seconds_line(label, f"runs page ({name}) of {history:,} runs", samples[name], TARGET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--history", type=int, default=100_000)
    args = parser.parse_args()
    h.main_guard(lambda: bench(args.runs, args.history))


if __name__ == "__main__":
    main()
