"""Run filters on every run-selecting command: -Ft, -Fc, -Fs, --where, and
-F with the commands that change runs; `runs -c`. Guild's filter expressions
themselves are shown by guild/docs/filter-runs.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, with_scripts

FIT = "lr = 0.1\noptimizer = 'adam'\nprint(f'loss: {abs(lr - 0.2)}')\n"


@pytest.fixture
def fits(tmp_path: Path) -> Ledger:
    """Three runs, newest first: lr 0.4 (sgd), 0.25, 0.1; loss = |lr - 0.2|."""
    ledger = with_scripts(tmp_path, {"fit.py": FIT})
    for lr, optimizer in (("0.1", "adam"), ("0.25", "adam"), ("0.4", "sgd")):
        ledger("run", "fit.py", f"lr={lr}", f"optimizer={optimizer}", "-y")
    return ledger


def ids(ledger: Ledger, *args: str) -> list[str]:
    return ledger("select", "--all", "-s", *args).out.split()


def test_where_is_a_sql_condition_over_the_row_with_flags_and_scalars_by_name(fits: Ledger) -> None:
    everyone = ids(fits)
    assert ids(fits, "--where", "lr > 0.2 AND loss > 0.1") == everyone[:1]
    assert ids(fits, "--where", "optimizer = 'adam' AND status = 'completed'") == everyone[1:]
    assert ids(fits, "--where", "starts_with(id, ?)".replace("?", repr(everyone[2]))) == everyone[2:]
    assert ids(fits, "--where", 'lr < 0.3 -- a comment') == everyone[1:]
    assert [r["flags"]["lr"] for r in json.loads(fits("runs", "--json", "--where", "loss < 0.1").out)] == [0.25]
    assert "0.25" in fits("compare", "--csv", "--where", "loss < 0.1").out


@pytest.mark.parametrize(
    "predicate, said",
    [
        ("(SELECT count(*) FROM flags) > 0", "cannot hold a subquery"),
        ("lr IN (SELECT 1)", "cannot hold a subquery"),
        ("true) UNION SELECT id FROM runs WHERE (true", "takes a condition, not a query"),
        ("1 = 1) OR (read_text('/etc/passwd') IS NOT NULL", "is a table function"),
        ("lr > ?", "cannot hold a parameter"),
        ("lr >", "does not parse"),
        ("", "is empty"),
        ("speed > 1", "names 'speed', which is no column"),
        ("label + 1 > 0", "cannot be applied"),
        ("nofunc(lr)", "cannot be applied"),
        ("label", "not a VARCHAR value"),  # a value, not true or false
        ("lr * 2", "not a DOUBLE value"),
    ],
)
def test_where_refuses_anything_but_a_condition_in_one_line(fits: Ledger, predicate: str, said: str) -> None:
    assert said in fits.fails("runs", "--where", predicate).err


def test_filters_choose_the_runs_label_tag_delete_and_compare_change(fits: Ledger) -> None:
    everyone = ids(fits)
    fits("label", "--set", "low", "-F", "lr < 0.3", "-y")
    assert ids(fits, "-Fl", "low") == everyone[1:]
    fits("tag", "-a", "keep", "-F", "optimizer = sgd", "-y")
    assert ids(fits, "-Ft", "keep") == everyone[:1]
    assert ids(fits, "-Ft", "nope", "-Ft", "keep") == everyone[:1]  # any of the tags
    fits("comment", "-a", "Diverged early", "-F", "lr = 0.1", "-y")
    assert ids(fits, "-Fc", "diverged") == everyone[2:]
    assert "Diverged early" in fits("runs", "-c", "-Fc", "DIVERGED").out
    assert fits("cat", "--output", "-Fc", "diverged").out.strip() == "loss: 0.1"
    assert fits("delete", "-F", "loss >= 0.1", "-y").out.strip() == "Deleted 2 run(s)"
    assert ids(fits) == everyone[1:2]
    assert fits("restore", "-Fc", "diverged", "-y").out.strip() == "Restored 1 run(s)"
    assert "no runs match the filters" in fits.fails("delete", "-F", "lr > 9", "-y").err
    rows = fits("compare", "--csv", "-F", "op = fit.py", "-Fl", "low").out.splitlines()[1:]
    assert [row.split(",")[0][:8] for row in rows] == everyone[1:]
    assert "no runs match" in fits.fails("cat", "--output", "-Ft", "keep").err  # that run is deleted
    assert fits("cat", "--output", "-F", "lr = 0.1").out.strip() == "loss: 0.1"


def test_diff_log_and_lineage_pick_runs_with_filters(fits: Ledger) -> None:
    assert "flag lr: 0.25 -> 0.4" in fits("diff").out  # the latest two, the older first
    assert "flag lr: 0.1 -> 0.25" in fits("diff", "-F", "lr < 0.3").out
    assert "fewer are listed" in fits.fails("diff", "-Fo", "nothing").err
    assert "or none for the latest two" in fits.fails("diff", "1").err
    assert "lr=0.1" in fits("log", "-F", "optimizer = adam and lr < 0.2").out
    assert "lr=0.25" in fits("lineage", "-Fl", "0.25").out


def test_started_ranges(fits: Ledger) -> None:
    everyone = ids(fits)
    assert ids(fits, "-Fs", "last 1 hour") == everyone
    assert ids(fits, "--started", "today") == everyone
    assert fits("runs", "-Fs", "before 2000-01-01").out == ""
    assert ids(fits, "-Fs", "after 2000-01-01", "-F", "lr = 0.25") == everyone[1:2]
    assert "time range 'last fortnight': unexpected 'fortnight'" in fits.fails("runs", "-Fs", "last fortnight").err


def test_runs_shows_comments_under_each_run(fits: Ledger) -> None:
    fits("comment", "1", "first note")
    fits("comment", "-a", "second\nline", "-u", "maude", "1", "-y")
    lines = fits("runs", "-c").out.splitlines()
    assert lines[0].startswith("[1:") and "lr=0.4" in lines[0]
    assert lines[1].endswith(" UTC") and lines[1].startswith("  ")
    assert lines[2:4] == ["", "    first note"]
    assert lines[5].startswith(f"  maude@{os.uname().nodename} ") and lines[7:9] == ["    second", "    line"]
    assert lines[10].startswith("[2:")


@pytest.mark.parametrize(
    "command",
    [
        ("runs",), ("select",), ("label", "--set", "x", "-y"), ("tag", "-a", "x", "-y"), ("comment", "-a", "x", "-y"),
        ("delete", "-y"), ("restore", "-y"), ("purge", "-y"), ("compare",), ("cat", "--output"), ("ls",),
        ("runs", "info"), ("stop", "-y"), ("diff",), ("log",), ("lineage",),
    ],
)  # fmt: skip
def test_a_filter_that_cannot_be_read_is_one_line_and_changes_nothing(fits: Ledger, command: tuple) -> None:
    result = fits.fails(*command, "-F", "lr = 0.1 and")
    assert result.code == 1 and "filter 'lr = 0.1 and': unexpected end" in result.err
    assert fits.fails(*command, "-Fs", "soon").code == 1
    assert fits.fails(*command, "--where", "(SELECT 1)").code == 1


def test_times_are_utc_timestamptz_and_json_carries_the_zone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # the machine's zone changes no stored or printed instant
    ledger = with_scripts(tmp_path, {"fit.py": FIT})
    ledger("run", "fit.py", "-y")
    assert ledger("sql", "SELECT DISTINCT typeof(started) AS t FROM runs", "--format", "csv").out.splitlines() == [
        "t", "TIMESTAMP WITH TIME ZONE"
    ]
    listed = json.loads(ledger("runs", "--json").out)[0]["started"]
    queried = json.loads(ledger("sql", "SELECT started FROM runs", "--format", "json").out)[0]["started"]
    assert listed.endswith("Z") and queried.endswith("+00:00")
    assert listed[:19] == queried[:19]
    assert ids(ledger, "-Fs", "last 1 hour") == ids(ledger)
    assert ids(ledger, "-F", "started > 2000-01-01") == ids(ledger)
