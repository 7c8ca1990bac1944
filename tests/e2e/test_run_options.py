"""`ledger run`'s spellings reach the planner as written: Guild's short and
long option names, `--opt=value`, and flag arguments untouched, values
that start with '-' included."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Ledger


def test_flag_arguments_pass_through_untouched(ledger: Ledger) -> None:
    planned = ledger("run", "echo", "x=-1", "z=b", "--plan", "-l", "a label", "--random-seed", "7").out
    assert "x=-1.0 (user)" in planned and 'z="b" (user)' in planned
    assert 'label="a label"' in planned and "seed=7" in planned
    assert ledger.log_bytes() == b""  # --plan appends nothing


@pytest.mark.parametrize(
    "spelling", [["-m", "1"], ["--trials", "1"], ["--max-trials", "1"], ["--max-trials=1"], ["-m1"]]
)
def test_trials_options(ledger: Ledger, spelling: list[str]) -> None:
    trials = ledger("run", "echo", "x=[1,2]", *spelling, "--print-trials").out
    assert len(trials.splitlines()) == 2 and trials.startswith("#  x    y  z\n1  ")  # one trial of two


def test_long_and_short_spellings_agree(ledger: Ledger) -> None:
    short = ledger("run", "echo", "x=[-1,2]", "-o", "+", "-Fo", "a=1", check=False)
    long = ledger("run", "echo", "x=[-1,2]", "--optimizer=+", "--opt-flag", "a=1", check=False)
    assert short.code == long.code == 1 and short.err == long.err
    assert "a grid takes no optimizer flags (-Fo)" in short.err
    ledger("run", "echo", "x=5", "--yes", "--label", "long form")
    ledger("run", "echo", "x=6", "-y", "-l", "short form")
    assert [line.split()[-2:] for line in ledger("runs", "-s").out.splitlines()] == [
        ["short", "form"], ["long", "form"]]  # fmt: skip


def test_combined_and_equals_forms_of_listing_options(ledger: Ledger) -> None:
    for x in ("1", "2", "3"):
        ledger("run", "echo", f"x={x}", "-y")
    ledger("label", "2", "best")
    assert ledger("runs", "-s", "-a").out == ledger("runs", "-sa").out
    assert ledger("runs", "--limit=2").out == ledger("runs", "-n", "2").out
    assert ledger("runs", "-s", "--filter-label=best").out.split() == ["[1]", "echo", "completed", "best"]
    assert ledger("select", "--", "2").out == ledger("select", "2").out
    assert ledger("select", "9", check=False).err.startswith("ledger: there is no run [9]: 3 run(s) listed")


def test_run_id_chooses_the_new_runs_id(ledger: Ledger) -> None:
    chosen = "0123456789abcdef0123456789abcdef"
    ledger("run", "echo", "x=1", "--run-id", chosen, "-y")
    assert ledger("select").out.strip() == chosen
    assert "exists already" in ledger.fails("run", "echo", "--run-id", chosen, "-y").err
    assert "not a run id" in ledger.fails("run", "echo", "--run-id", "abc", "-y").err
    batch = "1123456789abcdef0123456789abcdef"
    ledger("run", "echo", "x=[1,2]", "--run-id", batch, "--keep-batch", "-y")  # a batch's own run
    assert ledger("select", "--attr", "op", batch).out.startswith("name: echo+\n")
