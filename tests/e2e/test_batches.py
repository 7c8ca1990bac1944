"""Batches through the CLI: grids, sampling, random search, optimizers,
trial failures, parallel trials, and the events they leave."""

from __future__ import annotations

import json

from tests.e2e.conftest import Ledger


def trial_flags(ledger: Ledger, op: str = "echo") -> list[dict]:
    """Flags of the trials in the listing, oldest first."""
    rows = json.loads(ledger("runs", "-a", "--json").out)
    return [r["flags"] for r in reversed(rows) if r["op"] == op and r.get("batch")]


def test_grid_is_the_cartesian_product_x_major(ledger: Ledger) -> None:
    out = ledger("run", "echo", "x=[1,2]", "y=[3,4]", "-y", merged=True).out
    assert [line for line in out.splitlines() if not line.startswith("INFO")] == [
        "1.0 3 'a'", "1.0 4 'a'", "2.0 3 'a'", "2.0 4 'a'",
    ]
    assert [(f["x"], f["y"]) for f in trial_flags(ledger)] == [(1.0, 3), (1.0, 4), (2.0, 3), (2.0, 4)]
    # the grid's batch run is deleted unless --keep-batch, but stays auditable
    assert "echo+" not in ledger("runs", "-s").out
    assert "echo+" in ledger("runs", "-s", "-d").out


def test_trial_events_name_their_batch(ledger: Ledger) -> None:
    ledger("run", "echo", "x=[1,2]", "--keep-batch", "-y")
    batch = ledger("select", "3").out.strip()
    events = [json.loads(line) for line in ledger("log", batch, "--json").out.splitlines()]
    spawned = [e for e in events if e["type"] == "TrialSpawned"]
    assert [(e["data"]["index"], e["data"]["flags"]["x"]) for e in spawned] == [(0, 1.0), (1, 2.0)]
    created = events[0]["data"]
    assert created["kind"] == "batch" and created["params"]["batch"]["optimizer"] == "+"
    trial = [json.loads(line) for line in ledger("log", spawned[0]["data"]["trial"], "--json").out.splitlines()]
    assert trial[0]["data"]["batch"] == batch
    origins = {e["data"]["name"]: e["data"]["origin"] for e in trial if e["type"] == "FlagSet"}
    assert origins == {"x": "batch", "y": "default", "z": "default"}


def test_max_trials_samples_reproducibly(ledger: Ledger) -> None:
    grid = "x=[1,2,3,4,5,6]"
    first = ledger("run", "echo", grid, "--max-trials", "3", "--random-seed", "7", "--print-trials").out
    again = ledger("run", "echo", grid, "--max-trials", "3", "--random-seed", "7", "--print-trials").out
    others = {ledger("run", "echo", grid, "--max-trials", "3", "--random-seed", s, "--print-trials").out
              for s in ("1", "2", "3")}
    assert first == again and len(first.splitlines()) == 4  # header + 3
    assert len(others | {first}) > 1  # the seed chooses which


def test_print_trials_appends_nothing(ledger: Ledger) -> None:
    before = ledger.log_bytes()
    out = ledger("run", "echo", "x=[1,2]", "y=[3,4]", "--print-trials").out
    assert out.splitlines()[0].split() == ["#", "x", "y", "z"]
    assert len(out.splitlines()) == 5
    assert ledger.log_bytes() == before


def test_a_range_without_optimizer_is_a_random_search_of_20(ledger: Ledger) -> None:
    out = ledger("run", "noisy.py", "x=[-1.0:1.0]", "--print-trials").out.splitlines()
    assert len(out) == 21
    xs = [float(line.split()[2]) for line in out[1:]]
    assert all(-1.0 <= x <= 1.0 for x in xs) and len(set(xs)) == 20


def test_plus_forces_a_grid_drawing_ranges(ledger: Ledger) -> None:
    out = ledger("run", "echo", "-o", "+", "x=[-1.0:1.0]", "y=[1,2,3]", "--print-trials").out.splitlines()
    assert len(out) == 4
    assert [line.split()[2] for line in out[1:]] == ["1", "2", "3"]


def test_failed_trials_are_errors_and_the_batch_goes_on(ledger: Ledger) -> None:
    result = ledger("run", "trial-fail", "fail=[yes,no]", "-y", check=False)
    assert result.code == 0
    rows = json.loads(ledger("runs", "--json").out)
    assert [r["status"] for r in rows] == ["completed", "error"]
    stopped = ledger("run", "trial-fail", "fail=[yes,no]", "--fail-on-trial-error", "-y", check=False)
    assert stopped.code != 0
    rows = json.loads(ledger("runs", "--json").out)
    # as Guild: the trial not run is left pending (staged), and the failed batch stays
    assert [r["status"] for r in rows[:3]] == ["staged", "error", "error"] and len(rows) == 5
    assert rows[2]["op"] == "trial-fail+"


def test_optimizer_maximises_when_asked(ledger: Ledger) -> None:
    (ledger.cwd / "ledger.yml").write_text(
        "peak:\n  main: peak\n  flags-import: all\n  objective:\n    maximize: score\n"
    )
    (ledger.cwd / "peak.py").write_text("x = 0.0\nprint('score: %f' % (1 - (x - 0.5) ** 2))\n")
    ledger("run", "peak", "-o", "gp", "x=[-1.0:1.0]", "--trials", "8", "-Fo", "random-starts=3",
           "--random-seed", "3", "-y")
    best = ledger("query", "best-trials", "-f", "json").out
    assert json.loads(best)[0]["direction"] == "maximize"
    xs = [f["x"] for f in trial_flags(ledger, "peak")]
    assert len(xs) == 8 and all(-1.0 <= x <= 1.0 for x in xs)
    assert min(abs(x - 0.5) for x in xs[3:]) < 0.2  # the model's proposals home in on the peak


def test_workers_run_trials_at_once_and_the_log_verifies(ledger: Ledger) -> None:
    (ledger.cwd / "nap.py").write_text("import time\nx = 0\ntime.sleep(0.3)\nprint('x: %d' % x)\n")
    ledger("run", "nap.py", "x=[1,2,3,4]", "--workers", "2", "-y")
    assert sorted(f["x"] for f in trial_flags(ledger, "nap.py")) == [1, 2, 3, 4]
    assert ledger("verify").out.startswith("ok")
    assert ledger("rebuild", "--check").code == 0


def test_stage_trials_plans_without_running(ledger: Ledger) -> None:
    ledger("run", "echo", "x=[1,2]", "--stage-trials", "-y")
    rows = json.loads(ledger("runs", "--json").out)
    assert [r["status"] for r in rows] == ["staged", "staged"]


def test_bad_batch_input_appends_nothing(ledger: Ledger) -> None:
    ledger.fails("run", "echo", "-o", "nope", "x=[-1.0:1.0]", "-y")
    ledger.fails("run", "echo", "x=[2:1]", "-y")
    ledger.fails("run", "echo", "-o", "gp", "x=[-1.0:1.0]", "-Fo", "nope=1", "-y")
    ledger.fails("run", "echo", "-o", "gp", "x=[-1.0:1.0]", "-Fo", "random-starts=abc", "-y")
    ledger.fails("run", "echo2", "z=[a:b]", "-y")
    ledger.fails("run", "echo", "x=[1,2]", "--trials", "0", "-y")
    ledger.fails("run", "echo", "-o", "gp", "--print-trials")


def test_prev_trials_learn_from_earlier_runs(ledger: Ledger) -> None:
    ledger("run", "poly", "x=[0.0,0.5]", "-y")
    out = ledger("run", "poly", "-o", "gp", "x=[-1.0:1.0]", "--trials", "1", "-Fo", "random-starts=0",
                 "-Fo", "prev-trials=sourcecode", "-y", merged=True).out
    assert "Found 2 previous trial(s) for use in optimization" in out
    out = ledger("run", "poly", "-o", "gp", "x=[-1.0:1.0]", "--trials", "1", "-Fo", "random-starts=0", "-y",
                 merged=True).out
    assert "Random start for optimization (missing previous trials)" in out
