"""The runs table pages server-side: totals, page counts, sorts and filters
over a home of a few thousand runs. How a page's time holds at 100,000 runs
is measured in bench/bench_view.py."""

from __future__ import annotations

import pytest

from ledger.home import Home
from tests.view.conftest import client_for
from tests.view.histories import many_runs

RUNS = 3_000
PAGE = 50


@pytest.fixture(scope="module")
def big_home(tmp_path_factory) -> Home:
    home = Home(tmp_path_factory.mktemp("paging") / "home")
    many_runs(home, RUNS)
    return home


def test_pages_cover_every_run_once(big_home):
    client = client_for(big_home)
    first = client.get("/api/runs").json()
    assert first["total"] == RUNS and first["pages"] == RUNS // PAGE and len(first["runs"]) == PAGE
    assert first["runs"][0]["index"] == 1 and first["runs"][0]["metrics"]["loss"] > 0
    last = client.get("/api/runs", params={"page": RUNS // PAGE}).json()
    assert [r["index"] for r in last["runs"]] == list(range(RUNS - PAGE + 1, RUNS + 1))


def test_sorts_and_filters_apply_before_paging(big_home):
    client = client_for(big_home)
    by_lr = client.get("/api/runs", params={"page": 20, "sort": "flag:lr", "desc": 1}).json()
    lrs = [float(r["flags"]["lr"]) for r in by_lr["runs"]]  # flags come as the text the table shows
    assert lrs == sorted(lrs, reverse=True) and by_lr["runs"][0]["index"] > 1
    top = client.get("/api/runs", params={"sort": "flag:lr", "desc": 1}).json()["runs"][0]["flags"]["lr"]
    assert float(top) == max(round(0.001 * (1 + i % 100), 4) for i in range(RUNS))
    errors = client.get("/api/runs", params={"status": "error"}).json()
    assert errors["total"] == RUNS // 50 and {r["status"] for r in errors["runs"]} == {"error"}
    by_loss = client.get("/api/runs", params={"sort": "metric:loss"}).json()["runs"]
    losses = [r["metrics"]["loss"] for r in by_loss]
    assert losses == sorted(losses)
    for url in ("/runs", "/runs?page=40", "/runs?sort=duration&desc=1", "/runs?label=lr%3D0.05", "/runs?fragment=1"):
        got = client.get(url)
        assert got.status_code == 200 and 'data-run="' in got.text, url
