"""`compare`: one row per run with the op's compare columns or every flag and scalar."""

from __future__ import annotations

import csv
import io

import pytest

from ledger.errors import RunRefError
from ledger.events import FlagSet, NewEvent, RunCreated, RunStopped, ScalarLogged
from ledger.projections.compare import CompareError, Options, compare_csv, compare_rows, parse_spec
from tests.projections.test_index_fixture import Fixture, fixture_ledger, rid  # noqa: F401


def test_every_flag_and_last_min_max_of_each_scalar_when_no_compare_spec(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    headers, rows = compare_rows(fixture_ledger.home, [i["a"], i["b"]])
    assert headers == ["run", "op", "status", "label", "epochs", "lr", "opt",
                       "acc", "min acc", "max acc", "loss", "min loss", "max loss"]  # fmt: skip
    assert rows == [  # in the order named
        [i["a"], "train", "completed", "lr=0.1 first", "2", "0.1", "sgd", 0.7, 0.5, 0.7, 0.5, 0.5, 1.0],
        [i["b"], "train", "error", "from a", "3", "0.1", "sgd", None, None, None, 2.0, 2.0, 2.0],
    ]


def test_all_runs_newest_first_without_deleted_or_batch_runs(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    _, rows = compare_rows(fixture_ledger.home)
    assert [r[0] for r in rows] == [i["d"], i["t3"], i["t2"], i["t1"], i["b"], i["a"]]
    _, rows = compare_rows(fixture_ledger.home, options=Options(include_batch=True))
    assert [r[0] for r in rows] == [i["d"], i["t3"], i["t2"], i["t1"], i["c"], i["b"], i["a"]]
    _, rows = compare_rows(fixture_ledger.home, options=Options(include_deleted=True))
    assert rows[0][0] == i["e"]


def test_run_references(fixture_ledger: Fixture):
    i, home = fixture_ledger.ids, fixture_ledger.home
    assert [r[0] for r in compare_rows(home, ["1"])[1]] == [i["d"]]
    assert [r[0] for r in compare_rows(home, ["2:3"])[1]] == [i["t3"], i["t2"]]
    assert [r[0] for r in compare_rows(home, [i["c"][:8], "1"])[1]] == [i["c"], i["d"]]
    assert [r[0] for r in compare_rows(home, [i["e"][:8]])[1]] == [i["e"]]  # a deleted run, by id
    with pytest.raises(RunRefError, match="no run matches"):
        compare_rows(home, ["zz"])
    with pytest.raises(RunRefError, match="matches 3 runs"):
        compare_rows(home, ["72756e"])


def test_the_ops_compare_columns(home):
    x, y = rid("x"), rid("y")
    opdef = {"compare": ["=lr as rate", "min loss as best", "loss", ".exit_status", "count loss"]}
    home.store.append([
        NewEvent(x, RunCreated(op="fit", opdef=opdef)),
        NewEvent(x, FlagSet("lr", 0.5, "user")),
        NewEvent(x, FlagSet("hidden", 1, "user")),
        *[NewEvent(x, ScalarLogged("loss", v, s)) for s, v in enumerate([3.0, 1.0, 2.0])],
        NewEvent(y, RunCreated(op="other")),
        NewEvent(y, FlagSet("z", "a", "user")),
        NewEvent(y, ScalarLogged("acc", 0.9)),
    ])  # fmt: skip
    headers, rows = compare_rows(home)  # runs without an owner read terminated
    assert headers == ["run", "op", "status", "label", "rate", "best", "loss", "exit_status", "count loss", "z",
                       "acc", "min acc", "max acc"]  # fmt: skip
    assert rows == [
        [y, "other", "terminated", None, None, None, None, None, None, "a", 0.9, 0.9, 0.9],
        [x, "fit", "terminated", None, "0.5", 1.0, 2.0, None, 3, None, None, None, None],
    ]
    out = io.StringIO()
    compare_csv(home, [], out)
    assert list(csv.reader(io.StringIO(out.getvalue())))[2] == [x, "fit", "terminated", "", "0.5", "1.0", "2.0", "", "3", "", "", "", ""]


def test_spec_parsing():
    assert parse_spec("=lr").kind == "flag" and parse_spec("=lr").title == "lr"
    assert parse_spec("max acc as top") == parse_spec("max acc as top")
    assert (parse_spec("max acc").agg, parse_spec("max acc").title) == ("max", "max acc")
    assert parse_spec("loss").agg == "last"
    with pytest.raises(CompareError, match="median"):
        parse_spec("median loss")
    with pytest.raises(CompareError, match="no run attribute"):
        parse_spec(".nosuch")


def sweep(home) -> list[str]:
    """Four runs of `fit`: lr 0.1 .. 0.4, final loss 0.3, 0.1, none, 0.2."""
    ids = [rid(f"s{n}") for n in range(4)]
    events = []
    for n, (run, loss) in enumerate(zip(ids, [0.3, 0.1, None, 0.2])):
        events += [NewEvent(run, RunCreated(op="fit")), NewEvent(run, FlagSet("lr", 0.1 * (n + 1), "user"))]
        if loss is not None:
            events += [NewEvent(run, ScalarLogged("loss", 9.0, 0)), NewEvent(run, ScalarLogged("loss", loss, 1))]
        events.append(NewEvent(run, RunStopped("completed", 0)))
    home.store.append(events)
    return ids


def test_cols_replace_the_default_columns(home):
    s = sweep(home)
    headers, rows = compare_rows(home, options=Options(cols=("=lr", "min loss as best", ".op")))
    assert headers == ["run", "op", "status", "label", "lr", "best", "op (attr)"]
    assert [r[0] for r in rows] == s[::-1] and rows[-1][4:] == ["0.1", 0.3, "fit"]


def test_min_and_max_sort_with_missing_values_last_and_top_keeps_the_first(home):
    s = sweep(home)
    _, rows = compare_rows(home, options=Options(sort=("loss", "min")))
    assert [r[0] for r in rows] == [s[1], s[3], s[0], s[2]]
    _, rows = compare_rows(home, options=Options(sort=("loss", "max"), top=2))
    assert [r[0] for r in rows] == [s[0], s[3]]
    _, rows = compare_rows(home, options=Options(sort=("lr", "max")))  # flags are text: sorted as numbers
    assert [r[0] for r in rows] == s[::-1]
    headers, rows = compare_rows(home, options=Options(cols=("=lr",), sort=("min loss", "min"), top=1))
    assert headers[-1] == "min loss" and rows == [[s[1], "fit", "completed", None, "0.2", 0.1]]
    with pytest.raises(CompareError, match="no run attribute"):
        compare_rows(home, options=Options(cols=("=lr",), sort=(".nosuch", "min")))
