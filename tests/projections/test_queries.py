"""Every shipped saved query, on the fixture ledger, with known answers."""

from __future__ import annotations

import pytest

from ledger.projections.saved_queries import parse_params, run_saved, saved_queries
from ledger.projections.sql import QueryError
from tests.projections.test_index_fixture import Fixture, fixture_ledger  # noqa: F401

SHIPPED = {"lineage", "flag-origins", "best-trials", "runs-by-digest", "scalar-summary", "failures"}


def rows(fx: Fixture, name: str, **params) -> list[tuple]:
    return run_saved(fx.home, name, params).fetchall()


def test_shipped_queries_are_listed_with_descriptions(fixture_ledger: Fixture):
    queries = saved_queries(fixture_ledger.home)
    assert SHIPPED <= set(queries)
    for name in SHIPPED:
        q = queries[name]
        assert q.source == "package" and q.description and "\n" not in q.description


def test_lineage(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    got = [(r[0], r[1], r[2], r[3]) for r in rows(fixture_ledger, "lineage", run=i["d"][:8])]
    assert got == [(i["d"], 1, "proto", i["b"]), (i["d"], 2, "proto", i["a"])]
    assert [r[3] for r in rows(fixture_ledger, "lineage", run=i["t2"])] == [i["c"]]
    assert rows(fixture_ledger, "lineage", run=i["a"]) == []


def test_flag_origins(fixture_ledger: Fixture):
    i, s = fixture_ledger.ids, fixture_ledger.seqs
    got = [(r[1], r[2], r[3], r[5], r[6], r[7]) for r in rows(fixture_ledger, "flag-origins", run=i["b"])]
    assert got == [
        ("epochs", "3", "user", None, None, None),
        ("lr", "0.1", "proto", s["a_lr"], i["a"], "default"),
        ("opt", "sgd", "proto", s["a_opt"], i["a"], "default"),
    ]


def test_best_trials(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    assert rows(fixture_ledger, "best-trials") == [(i["c"], i["t2"], 2, "loss", "minimize", 0.1, '{"lr":0.2}')]
    assert rows(fixture_ledger, "best-trials", batch="nosuch") == []


def test_runs_by_digest(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    got = [(r[0], r[1], r[2]) for r in rows(fixture_ledger, "runs-by-digest")]
    assert got == [("digest-2", 3, i["t1"]), ("digest-2", 3, i["t2"]), ("digest-2", 3, i["t3"]),
                   ("digest-1", 2, i["a"]), ("digest-1", 2, i["b"])]  # fmt: skip
    assert [r[2] for r in rows(fixture_ledger, "runs-by-digest", digest="digest-1")] == [i["a"], i["b"]]


def test_scalar_summary(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    assert rows(fixture_ledger, "scalar-summary", run=i["a"]) == [
        (i["a"], "acc", 2, 0.7, 2, 0.5, 0.7, pytest.approx(0.6)),
        (i["a"], "loss", 2, 0.5, 2, 0.5, 1.0, 0.75),
    ]
    assert len(rows(fixture_ledger, "scalar-summary")) == 6  # a: 2 keys, b and three trials: loss


def test_failures(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    (run, op, label, exit_status, _stopped, last) = rows(fixture_ledger, "failures")[0]
    assert (run, op, label, exit_status) == (i["b"], "train", "from a", 1)
    assert last == 'starting\nTraceback (most recent call last):\n  File "train.py", line 3\nValueError: boom'
    (*_, last) = rows(fixture_ledger, "failures", lines="1")[0]
    assert last == "ValueError: boom"


def test_user_queries_and_overrides(fixture_ledger: Fixture):
    home = fixture_ledger.home
    queries_dir = home.queries_dir
    queries_dir.mkdir(parents=True)
    (queries_dir / "by-op.sql").write_text(
        "-- Runs per operation.\n-- param op=train: operation name\nSELECT count(*) FROM runs WHERE op = $op\n"
    )
    (queries_dir / "failures.sql").write_text("-- My failures.\nSELECT 42\n")
    queries = saved_queries(home)
    assert queries["by-op"].source == "user" and queries["by-op"].description == "Runs per operation."
    assert queries["failures"].source == "user"
    assert rows(fixture_ledger, "by-op") == [(7,)]
    assert rows(fixture_ledger, "by-op", op="train+") == [(1,)]
    assert rows(fixture_ledger, "failures") == [(42,)]
    (queries_dir / "evil.sql").write_text("-- Drops.\nDROP TABLE runs\n")
    with pytest.raises(QueryError, match="DROP is refused"):
        rows(fixture_ledger, "evil")


def test_parameter_errors(fixture_ledger: Fixture):
    with pytest.raises(QueryError, match="needs --param run=VALUE"):
        rows(fixture_ledger, "lineage")
    with pytest.raises(QueryError, match="has no parameter 'rnu'"):
        rows(fixture_ledger, "lineage", rnu="x")
    with pytest.raises(QueryError, match="no saved query named 'nosuch'"):
        rows(fixture_ledger, "nosuch")
    with pytest.raises(QueryError, match="not key=value"):
        parse_params(["run"])
    assert parse_params(["run=a=b", "x="]) == {"run": "a=b", "x": ""}
