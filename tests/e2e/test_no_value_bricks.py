"""No value a user types or a script prints can brick a home: whatever is
accepted can be folded, whatever cannot be stored is refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import Ledger

READ_COMMANDS = (("runs",), ("sql", "SELECT count(*) FROM runs"), ("cat", "--output"), ("log",))


def _still_works(ledger: Ledger) -> None:
    for args in READ_COMMANDS:
        ledger(*args)
    ledger("label", "1", "fine")
    ledger("rebuild")
    assert ledger("verify").out.startswith("ok:")


def test_a_seed_beyond_int64_is_refused_in_one_line(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    assert "out of range" in ledger.fails("run", "echo", "--random-seed", "9223372036854775808", "-y").err
    assert "out of range" in ledger.fails("run", "echo", "--random-seed=9223372036854775808", "-y").err
    assert "too large" in ledger.fails("run", "echo", "y=99999999999999999999999", "-y").err
    ledger("run", "echo", "--random-seed", "9223372036854775807", "-y")
    _still_works(ledger)
    assert "2" in ledger("runs", "-n", "99999999999999999999999").out


def test_an_integer_below_int64_names_the_lower_bound(ledger: Ledger) -> None:
    for args in (("--random-seed", "-9223372036854775809"), ("--random-seed=-9223372036854775809",)):
        err = ledger.fails("run", "echo", *args, "-y").err
        assert "at least -9223372036854775808" in err and "at most" not in err
    err = ledger.fails("run", "echo", "y=-9223372036854775809", "-y").err
    assert "too small" in err and "at least -9223372036854775808" in err and "at most" not in err
    assert "at most 9223372036854775807" in ledger.fails("run", "echo", "--random-seed", "9223372036854775808").err
    ledger("run", "echo", "--random-seed", "-9223372036854775808", "-y")


def test_a_step_beyond_int64_is_not_a_step(ledger: Ledger) -> None:
    script = ledger.cwd / "huge.py"
    script.write_text('print("step: 99999999999999999999999")\nprint("loss: 1.5")\nprint("step: inf")\n'
                      'print("loss: 1e999")\nprint("step: 3")\nprint("loss: 2.5")\n')
    ledger("run", "huge.py", "-y")
    _still_works(ledger)
    rows = ledger("sql", "SELECT step, value FROM scalars WHERE key = 'loss' ORDER BY step", "-f", "csv").out
    # the steps out of range are not steps (the repeated key advances the step); an overflowing value is inf,
    # which scalars keep as they keep NaN
    assert rows.splitlines()[1:] == ["0,1.5", "1,inf", "3,2.5"]


def test_an_int64_step_is_kept_exactly_and_one_out_of_range_is_warned_of(ledger: Ledger) -> None:
    script = ledger.cwd / "steps.py"
    script.write_text('print("step: 9223372036854775807")\nprint("loss: 1.5")\n'
                      'print("step: 99999999999999999999999")\nprint("loss: 2.5")\nprint("step: inf")\n'
                      'print("acc: 3")\n')
    err = ledger("run", "steps.py", "-y").err
    warnings = [line for line in err.splitlines() if line.startswith("ledger: warning:")]
    assert len(warnings) == 1 and "99999999999999999999999" in warnings[0] and "not recorded" in warnings[0]
    rows = ledger("sql", "SELECT key, step, value FROM scalars ORDER BY value", "-f", "csv").out
    assert rows.splitlines()[1:] == ["loss,9223372036854775807,1.5", "loss,9223372036854775807,2.5",
                                     "acc,9223372036854775807,3.0"]
    _still_works(ledger)


def test_a_5000_character_label(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("runs")
    ledger("label", "1", "x" * 5000)
    assert "x" * 100 in ledger("runs").out
    _still_works(ledger)


def test_a_chatty_run_during_and_after(ledger: Ledger) -> None:
    (ledger.cwd / "chatty.py").write_text(
        "import sys, time\n"
        "for i in range(30):\n"
        "    sys.stdout.write(''.join('line %d\\n' % j for j in range(1000))); sys.stdout.flush(); time.sleep(0.1)\n"
    )
    ledger("run", "echo", "-y")
    env = {**os.environ, "LEDGER_HOME": str(ledger.home)}
    label = "long " * 1000  # its event is a log line far over 4 KiB
    run = subprocess.Popen([sys.executable, "-m", "ledger", "run", "chatty.py", "-l", label, "-y"], cwd=ledger.cwd,
                           env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        calls = 0
        while run.poll() is None and time.monotonic() < deadline:
            ledger("runs")
            calls += 1
        assert calls >= 1
    finally:
        run.wait(timeout=120)
    assert run.returncode == 0, run.stderr.read()
    assert "chatty.py" in ledger("runs").out
    longest = max(len(line) for line in ledger.log_bytes().splitlines())
    assert longest > 5000
    _still_works(ledger)


def test_the_fold_takes_any_event_that_verifies(tmp_path: Path) -> None:
    from ledger.events import NewEvent, RunCreated, ScalarLogged
    from ledger.home import Home
    from ledger.projections.index import catch_up, connect

    home = Home(tmp_path / "home")
    run = "ab" * 16
    home.store.append([NewEvent(run, RunCreated(op="train", random_seed=2**64, pid=-(2**70))),
                       NewEvent(run, ScalarLogged(key="loss", value=1.0, step=10**30))])  # fmt: skip
    catch_up(home)
    con = connect(home)
    try:
        assert con.execute("SELECT random_seed, pid FROM runs").fetchall() == [(None, None)]
        assert con.execute("SELECT key, step, value FROM scalars").fetchall() == [("loss", None, 1.0)]
    finally:
        con.close()
