"""Metrics from anywhere: printed lines, the logging API and TensorBoard
files of one run land in `scalars`, durably, at their own steps and times."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import Ledger


def scalars(ledger: Ledger, where: str = "true") -> list[dict]:
    out = ledger("sql", f"SELECT key, step, value, epoch_ms(ts) AS ms FROM scalars WHERE {where} ORDER BY key, step",
                 "-f", "json").out
    return json.loads(out)


def test_api_and_printed_points_land_with_their_steps_and_times(ledger: Ledger) -> None:
    (ledger.cwd / "api.py").write_text(
        "import time, ledger\n"
        "print('start:', time.time())\n"
        "for i in range(3):\n"
        "    ledger.log({'loss': 1 / (i + 1), 'acc': i / 10}, step=10 * i)\n"
        "    print(f'printed: {i}')\n"
        "    time.sleep(0.05)\n"
        "ledger.log_metric('nan', float('nan'))\n"
        "ledger.log_metric('big', 2 ** 70, step=2 ** 62)\n"
        "print('end:', time.time())\n"
    )
    ledger("run", "api.py", "-y")
    rows = scalars(ledger)
    by_key: dict[str, list] = {}
    for r in rows:
        by_key.setdefault(r["key"], []).append(r)
    assert [(r["step"], r["value"]) for r in by_key["loss"]] == [(0, 1.0), (10, 0.5), (20, 1 / 3)]
    assert [(r["step"], r["value"]) for r in by_key["acc"]] == [(0, 0.0), (10, 0.1), (20, 0.2)]
    assert [(r["step"], r["value"]) for r in by_key["printed"]] == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert by_key["big"][0]["step"] == 2**62 and by_key["big"][0]["value"] == float(2**70)
    assert by_key["nan"][0]["value"] is None or str(by_key["nan"][0]["value"]).lower() == "nan"
    start, end = by_key["start"][0]["value"] * 1000, by_key["end"][0]["value"] * 1000
    api_times = [r["ms"] for r in by_key["loss"]]
    # each point has its own time, kept to the millisecond (the first may share start's)
    assert int(start) <= api_times[0] < api_times[1] < api_times[2] <= end + 1
    assert api_times[1] - api_times[0] >= 40


def test_tensorboard_points_land_with_their_tags_steps_and_wall_times(ledger: Ledger) -> None:
    pytest.importorskip("tensorboard")  # the `tensorboard` extra; make test installs it
    pytest.importorskip("tensorboardX")
    (ledger.cwd / "tb.py").write_text(
        "import ledger\n"
        "from tensorboardX import SummaryWriter\n"
        "w = SummaryWriter('logs/train')\n"
        "for i in range(4):\n"
        "    w.add_scalar('tb/loss', 0.5 * i, global_step=100 + i, walltime=1_700_000_000 + i)\n"
        "    ledger.log({'api': i}, step=i)\n"
        "    print(f'printed: {i}')\n"
        "w.close()\n"
    )
    ledger("run", "tb.py", "-y")
    rows = scalars(ledger)
    tb = [r for r in rows if r["key"] == "tb/loss"]
    assert [(r["step"], r["value"], r["ms"]) for r in tb] == [
        (100 + i, 0.5 * i, (1_700_000_000 + i) * 1000) for i in range(4)
    ]
    assert {r["key"] for r in rows} == {"tb/loss", "api", "printed"}
    assert len(rows) == 12


def test_the_api_outside_a_run_records_nothing_and_says_so_once(tmp_path) -> None:
    code = "import ledger\nledger.log({'loss': 0.5}, step=1)\nledger.log_metric('acc', 0.9)\nprint('done')\n"
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_METRICS_FILE"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "done\n"
    assert proc.stderr.count("\n") == 1 and "not recorded" in proc.stderr


HEAVY = ("duckdb", "numpy", "typer", "pydantic")
IMPORT_CHECK = (
    "import sys, ledger\n"
    "ledger.log({'loss': 0.5}, step=1)\n"
    f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
    "print('heavy:', len(heavy), heavy)\n"
)


def test_importing_ledger_in_a_script_stays_light(ledger: Ledger, tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-c", IMPORT_CHECK], capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout == "heavy: 0 []\n", proc.stdout + proc.stderr
    (ledger.cwd / "light.py").write_text(IMPORT_CHECK)
    assert "heavy: 0 []" in ledger("run", "light.py", "-y").out


def test_kill_9_keeps_every_point_logged_two_seconds_before(ledger: Ledger) -> None:
    (ledger.cwd / "slow.py").write_text(
        "import time, ledger\n"
        "with open('logged.txt', 'w') as f:\n"
        "    for i in range(10_000):\n"
        "        ledger.log({'x': i}, step=i)\n"
        "        f.write(f'{i} {time.time()}\\n'); f.flush()\n"
        "        time.sleep(0.05)\n"
    )
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    proc = subprocess.Popen([sys.executable, "-m", "ledger", "run", "slow.py", "-y"], cwd=ledger.cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120  # a busy machine starts the run late: wait for its points, not a fixed time
    logged_file = None
    while time.time() < deadline:
        runs = list((ledger.home / "runs").iterdir()) if (ledger.home / "runs").exists() else []
        logged_file = runs[0] / "logged.txt" if runs else None
        if logged_file and logged_file.exists() and logged_file.read_text().count("\n") >= 30:
            break
        time.sleep(0.2)
    time.sleep(3)
    killed = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_dir = next((ledger.home / "runs").iterdir())
    time.sleep(0.5)  # the script dies with ledger: let its last line land
    logged = [line.split() for line in (run_dir / "logged.txt").read_text().splitlines()]
    due = {int(i) for i, t in logged if float(t) < killed - 2}
    assert len(due) >= 30
    recorded = {r["step"] for r in scalars(ledger, "key = 'x'")}
    assert due <= recorded


def test_ledger_tensorboard_writes_each_runs_scalars_in_its_own_folder(ledger: Ledger, tmp_path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util.tensor_util import make_ndarray

    (ledger.cwd / "two.py").write_text("import ledger\nfor i in range(3):\n    ledger.log({'loss': i / 4}, step=i)\n")
    ledger("run", "two.py", "-y", "--label", "first try")
    logdir = tmp_path / "tb"
    out = ledger("tensorboard", "1", "--no-start", "--logdir", str(logdir)).out
    assert out.strip() == str(logdir)
    (folder,) = list(logdir.iterdir())
    assert folder.name.endswith("first_try")
    (events,) = list(folder.glob("events.out.tfevents.*"))
    loaded = [(v.tag, e.step, make_ndarray(v.tensor).item()) for e in EventFileLoader(str(events)).Load()
              for v in e.summary.value]  # fmt: skip
    points = [(tag, step, round(value, 6)) for tag, step, value in loaded]
    assert points == [("loss", i, i / 4) for i in range(3)]


def test_json_listings_are_strict_json_when_a_metric_is_nan_or_infinite(ledger: Ledger) -> None:
    """NaN and the infinities have no JSON spelling: they are null, as JSON.stringify writes them."""
    (ledger.cwd / "odd.py").write_text(
        "import ledger\nledger.log({'loss': 0.5, 'diverged': float('nan'), 'ratio': float('-inf')})\n"
    )
    ledger("run", "odd.py", "-y")

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    (run,) = json.loads(ledger("runs", "--json").out, parse_constant=refuse)
    assert run["scalars"] == {"loss": 0.5, "diverged": None, "ratio": None}
    lineage = json.loads(ledger("lineage", "1", "--json").out, parse_constant=refuse)
    assert lineage
