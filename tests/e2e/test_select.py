"""`ledger select` as Guild users type it: --min/--max COL, --all, -s, -p and
--attr status/run_dir."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Ledger


def sweep(ledger: Ledger) -> dict[float, str]:
    """Three runs, loss = |lr - 0.2|; returns lr -> run id."""
    (ledger.cwd / "fit.py").write_text("lr = 0.1\nprint(f'loss: {abs(lr - 0.2)}')\n")
    ledger("run", "fit.py", "lr=[0.1,0.25,0.4]", "-y")
    ids = ledger("select", "--all").out.split()
    return dict(zip([0.4, 0.25, 0.1], ids))


def test_min_and_max_pick_the_run_with_the_lowest_or_highest_value(ledger: Ledger) -> None:
    run = sweep(ledger)
    assert ledger("select", "--min", "loss").out.strip() == run[0.25]
    assert ledger("select", "-M", "loss", "-s").out.strip() == run[0.4][:8]
    assert ledger("select", "--max", "lr").out.strip() == run[0.4]  # a flag
    assert ledger("select", "--min", "loss", "--all").out.split() == [run[0.25], run[0.1], run[0.4]]
    assert ledger("select", "--min", "loss", "2:3").out.strip() == run[0.25]  # among the runs named
    assert "no selected run has a value for 'acc'" in ledger.fails("select", "--min", "acc").err


def test_all_short_path_and_attributes(ledger: Ledger) -> None:
    run = sweep(ledger)
    assert ledger("select", "-a", "-s").out.split() == [run[0.4][:8], run[0.25][:8], run[0.1][:8]]
    assert ledger("select", "-a", "1:2", "-s").out.split() == [run[0.4][:8], run[0.25][:8]]
    assert Path(ledger("select", "-p", "2").out.strip()) == ledger.home / "runs" / run[0.25]
    assert ledger("select", "--attr", "status").out.strip() == "completed"
    assert ledger("select", "--attr", "run_dir", "3").out.strip() == str(ledger.home / "runs" / run[0.1])
    assert "select prints one run" in ledger.fails("select", "1", "2").err
    assert "not both" in ledger.fails("select", "--min", "loss", "--max", "loss").err
