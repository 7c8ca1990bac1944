"""The `sql`, `query` and `compare` commands, wired into a small app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ledger.cli.query_cmds import app as query_app
from ledger.events import FlagSet, LabelSet, NewEvent, RunCreated, RunStopped, ScalarLogged
from ledger.home import Home
from ledger.projections.sql import QueryError


@pytest.fixture
def app(tmp_path, monkeypatch):
    home = Home(tmp_path / "home")
    monkeypatch.setenv("LEDGER_HOME", str(home.path))
    for n, (lr, loss) in enumerate([(0.1, 0.5), (0.2, 0.25)]):
        run = f"{n + 1}" * 32
        home.store.append([
            NewEvent(run, RunCreated(op="train")),
            NewEvent(run, LabelSet(f"run {n + 1}")),
            NewEvent(run, FlagSet("lr", lr, "user")),
            NewEvent(run, ScalarLogged("loss", loss)),
            NewEvent(run, RunStopped("completed", 0)),
        ])  # fmt: skip
    return query_app


def invoke(app, *args):
    return CliRunner().invoke(app, list(args))


def test_sql_prints_an_aligned_table(app):
    result = invoke(app, "sql", "SELECT label, op FROM runs ORDER BY label")
    assert result.exit_code == 0
    assert result.output == "label  op\n-----  -----\nrun 1  train\nrun 2  train\n"


def test_sql_formats_and_output_file(app, tmp_path):
    result = invoke(app, "sql", "SELECT label FROM runs ORDER BY label", "--format", "jsonl")
    assert [json.loads(x) for x in result.output.splitlines()] == [{"label": "run 1"}, {"label": "run 2"}]
    target = tmp_path / "out.csv"
    result = invoke(app, "sql", "SELECT label FROM runs ORDER BY label", "-f", "csv", "-o", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text() == "label\nrun 1\nrun 2\n"


def test_sql_refuses_writes(app):
    result = invoke(app, "sql", "DELETE FROM runs")
    assert result.exit_code != 0
    assert isinstance(result.exception, QueryError) and "DELETE is refused" in str(result.exception)
    assert invoke(app, "sql", "SELECT count(*) AS n FROM runs").output.splitlines()[-1].strip() == "2"


def test_query_list_and_run(app):
    listing = invoke(app, "query", "--list").output
    assert "lineage  Every ancestor of a run" in listing and "[run=REQUIRED]" in listing
    result = invoke(app, "query", "scalar-summary", "--param", "run=1111", "--format", "csv")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["run,key,count,last,last_step,min,max,mean", f"{'1' * 32},loss,1,0.5,0,0.5,0.5,0.5"]
    missing = invoke(app, "query", "lineage")
    assert isinstance(missing.exception, QueryError) and "--param run=VALUE" in str(missing.exception)
    assert isinstance(invoke(app, "query").exception, QueryError)


def test_compare(app):
    result = invoke(app, "compare", "--csv")
    assert result.output.splitlines() == [
        "run,op,status,label,lr,loss,min loss,max loss",
        f"{'2' * 32},train,completed,run 2,0.2,0.25,0.25,0.25",
        f"{'1' * 32},train,completed,run 1,0.1,0.5,0.5,0.5",
    ]
    table = invoke(app, "compare", "2").output.splitlines()
    assert table[0].split() == ["run", "op", "status", "label", "lr", "loss", "min", "loss", "max", "loss"]
    assert len(table) == 3


def test_compare_top_min_cols_and_short_ids(app):
    best = invoke(app, "compare", "--top", "1", "--min", "loss", "-t").output.splitlines()
    assert best[2].split()[:2] == ["2" * 8, "train"] and len(best) == 3  # a table shows short ids
    worst = invoke(app, "compare", "--max", "loss", "--cols", "=lr,max loss", "--csv").output.splitlines()
    # the column sorted by is shown, after those asked for
    assert worst == ["run,op,status,label,lr,max loss,loss", f"{'1' * 32},train,completed,run 1,0.1,0.5,0.5",
                     f"{'2' * 32},train,completed,run 2,0.2,0.25,0.25"]  # fmt: skip
    both = invoke(app, "compare", "--min", "loss", "--max", "loss")
    assert both.exit_code != 0 and "not both" in str(both.exception)


def test_every_command_has_help_with_an_example(app):
    for name in ("sql", "query", "compare"):
        result = invoke(app, name, "--help")
        assert result.exit_code == 0 and "Example:" in result.output
