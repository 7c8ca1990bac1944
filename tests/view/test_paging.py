"""The runs table pages server-side: a page of a home with 100,000 runs is
served in half a second or less, whatever the sort or filter.

Each page's figure is the best of five requests, as timeit reports. The
machine is shared (2 cores, often a dozen busy processes): the wall clock
is held to the target when the machine is not oversubscribed; the CPU time
the page costs (this process, every thread: the app runs in the test
client's threads, DuckDB in its own) is held to it always, since other
jobs do not change the work a page does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ledger.home import Home
from tests.view.conftest import client_for
from tests.view.histories import many_runs

RUNS = 100_000
GENERATOR = "view-hist-100000-v1"  # change the name when many_runs changes: the cached home is made anew
TARGET = 0.5


@pytest.fixture(scope="module")
def big_home(request) -> Home:
    """Made once (about a minute) and kept in pytest's cache folder."""
    import shutil

    from ledger.projections.index import catch_up

    folder = Path(request.config.cache.mkdir(GENERATOR))
    home = Home(folder / "home")
    if not (folder / "complete").exists():
        shutil.rmtree(folder / "home", ignore_errors=True)
        many_runs(home, RUNS)
        catch_up(home)
        (folder / "complete").write_text("ok\n")
    return home


def test_a_page_of_100000_runs_takes_at_most_half_a_second(big_home):
    client = client_for(big_home)
    first = client.get("/api/runs").json()
    assert first["total"] == RUNS and len(first["runs"]) == 50
    assert first["runs"][0]["index"] == 1 and first["runs"][0]["metrics"]["loss"] > 0
    pages = {
        "newest": "/runs",
        "deep page": "/runs?page=1500",
        "sorted by a flag": "/runs?sort=flag:lr&desc=1",
        "sorted by a metric": "/runs?sort=metric:loss",
        "sorted by duration": "/runs?sort=duration&desc=1",
        "errors only": "/runs?status=error",
        "label text": "/runs?label=lr%3D0.05",
        "live refresh": "/runs?fragment=1",
    }
    quiet = os.getloadavg()[0] <= (os.cpu_count() or 1)
    slow = {}
    for name, url in pages.items():
        assert client.get(url).status_code == 200
        walls, cpus = [], []
        for _ in range(5):
            start, cpu = time.perf_counter(), time.process_time()
            got = client.get(url)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            assert got.status_code == 200 and 'data-run="' in got.text
        if min(cpus) > TARGET or (quiet and min(walls) > TARGET):
            slow[name] = f"wall {min(walls):.3f} s, cpu {min(cpus):.3f} s"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    assert not slow, f"pages slower than {TARGET} s (load average {load}): {slow}"
    deep = client.get("/api/runs", params={"page": 1500, "sort": "flag:lr", "desc": 1}).json()
    assert deep["runs"][0]["index"] > 1 and deep["pages"] == RUNS // 50
