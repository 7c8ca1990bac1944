"""Scalar batches under audit: an old home answers the same SQL, verify
finds one altered value, and the views users read show each metric."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib

from ledger.events import NewEvent, RunCreated, RunStopped, ScalarLogged, ScalarsLogged
from ledger.home import Home
from ledger.projections.sql import sql
from ledger.scalar_columns import ScalarColumns
from ledger.verify import verify

POINTS = [("loss", step, 1.0 / (step + 1)) for step in range(50)] + [("acc", step, step / 50) for step in range(50)]
QUERIES = [
    "SELECT run, key, step, value FROM scalars ORDER BY run, key, step",
    "SELECT key, max(step), min(value), count(*) FROM scalars GROUP BY key ORDER BY key",
]


def _old_home(path) -> Home:
    """A home written before batches: one ScalarLogged event a point."""
    home = Home(path)
    home.store.append([NewEvent("r1", RunCreated(op="t"))] + [NewEvent("r1", ScalarLogged(k, v, s)) for k, s, v in POINTS])
    home.store.append([NewEvent("r1", RunStopped(status="completed", exit_status=0))])
    return home


def _new_home(path) -> tuple[Home, str]:
    home = Home(path)
    cols = ScalarColumns()
    for k, s, v in POINTS:
        cols.add(k, s, v, 1_700_000_000_000_000 + s)
    keys, blob = cols.encode()
    sha = home.blobs.put_bytes(blob)
    home.store.append([NewEvent("r1", RunCreated(op="t")), NewEvent("r1", ScalarsLogged(sha, len(cols), keys))])
    home.store.append([NewEvent("r1", RunStopped(status="completed", exit_status=0))])
    return home, sha


def test_a_home_of_per_point_events_answers_the_same_sql(tmp_path):
    old, (new, _) = _old_home(tmp_path / "old"), _new_home(tmp_path / "new")
    for q in QUERIES:
        assert sql(q, old).fetchall() == sql(q, new).fetchall()
    # and both shapes in one run fold into one table
    both = _old_home(tmp_path / "both")
    cols = ScalarColumns()
    cols.add("loss", 99, 0.001, 0)
    keys, blob = cols.encode()
    both.store.append([NewEvent("r1", ScalarsLogged(both.blobs.put_bytes(blob), 1, keys))])
    assert sql("SELECT count(*), max(step) FROM scalars WHERE key = 'loss'", both).fetchall() == [(51, 99)]


def test_verify_finds_one_altered_value_inside_a_batch(tmp_path):
    home, sha = _new_home(tmp_path / "home")
    assert verify(home).ok
    path = home.blobs.path(sha)
    raw = bytearray(zlib.decompress(open(path, "rb").read()))
    values_at = 12 + 4 * len(POINTS) + 8 * len(POINTS)
    raw[values_at + 8 * 7] ^= 0x01  # one bit of the eighth value
    os.chmod(path, 0o644)
    with open(path, "wb") as fh:
        fh.write(zlib.compress(bytes(raw)))
    report = verify(home)
    assert not report.ok and report.bad_blob == sha


def test_runs_info_diff_compare_and_json_show_each_metric(tmp_path):
    home = Home(tmp_path / "home")
    for run, scale in (("a" * 32, 1.0), ("b" * 32, 2.0)):
        cols = ScalarColumns()
        for step, v in enumerate([3.0, 1.0, 2.0]):
            cols.add("loss", step, v * scale, step)
        keys, blob = cols.encode()
        home.store.append([NewEvent(run, RunCreated(op="t")),
                           NewEvent(run, ScalarsLogged(home.blobs.put_bytes(blob), 3, keys)),
                           NewEvent(run, RunStopped(status="completed", exit_status=0))])  # fmt: skip
    env = {**os.environ, "LEDGER_HOME": str(home.path)}

    def ledger(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "ledger", *args], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert "loss: 2.0 (step 2; min 1.0, max 3.0)" in ledger("runs", "info", "aaaa")
    assert "metric loss: 2.0 (step 2; min 1.0, max 3.0) -> 4.0 (step 2; min 2.0, max 6.0)" in ledger(
        "diff", "aaaa", "bbbb"
    )
    header, *rows = ledger("compare", "--csv").splitlines()
    assert header.endswith("loss,min loss,max loss")
    assert sorted(r.split(",")[-3:] for r in rows) == [["2.0", "1.0", "3.0"], ["4.0", "2.0", "6.0"]]
    listed = json.loads(ledger("runs", "--json"))
    assert sorted(r["scalars"]["loss"] for r in listed) == [2.0, 4.0]
