"""Listings and SQL in several processes while trials append events: no
lock error reaches anyone, and each sees a consistent prefix of the log."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ledger.events import NewEvent, RunCreated
from ledger.home import Home
from ledger.projections.index import catch_up, connect

ROOT = Path(__file__).resolve().parents[2]

APPENDER = """
import sys, time
from ledger.events import NewEvent, ScalarLogged
from ledger.home import Home
home = Home(sys.argv[1])
for i in range(150):
    home.store.append([NewEvent("run-1", ScalarLogged("loss", float(i), i)) for _ in range(3)])
    time.sleep(0.004)
"""

READER = """
import sys, time
from pathlib import Path
from ledger.home import Home
from ledger.projections.index_listing import list_runs
from ledger.projections.sql import run_sql
home, done = Home(sys.argv[1]), Path(sys.argv[2])
check = '''SELECT max(seq), count(*), (SELECT count(*) FROM scalars),
                  (SELECT count(*) FROM events WHERE type = 'ScalarLogged') FROM events'''
rounds, seen = 0, 0
while not done.exists() or rounds < 3:
    last, n, scalars, scalar_events = run_sql(home, check).fetchall()[0]
    assert last == n, f"events are not a prefix: max seq {last}, {n} rows"
    assert scalars == scalar_events, f"scalars {scalars} != scalar events {scalar_events}"
    assert last >= seen, "went back in time"
    seen = last
    rel = run_sql(home, "SELECT count(*) FROM runs")
    time.sleep(0.01)  # hold the index open a moment: writers must not wait for us
    assert rel.fetchall() == [(1,)]
    assert [r["id"] for r in list_runs(home)] == ["run-1"]
    rounds += 1
print(rounds, seen)
"""


def test_readers_and_appenders_at_once(tmp_path):
    home = Home(tmp_path / "home")
    home.store.append([NewEvent("run-1", RunCreated(op="train"))])
    catch_up(home)
    done = tmp_path / "done"
    env = {"PYTHONPATH": str(ROOT)}
    py = [sys.executable, "-c"]
    appender = subprocess.Popen([*py, textwrap.dedent(APPENDER), str(home.path)], env=env)
    readers = [
        subprocess.Popen([*py, textwrap.dedent(READER), str(home.path), str(done)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(2)
    ]
    assert appender.wait(timeout=60) == 0
    done.touch()
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        assert "lock" not in err.lower() and not err.strip()
        rounds, _ = map(int, out.split())
        assert rounds >= 3
    con = connect(home)
    try:
        assert con.execute("SELECT count(*) FROM scalars").fetchone()[0] == 450
    finally:
        con.close()
