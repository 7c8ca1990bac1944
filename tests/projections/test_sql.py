"""Read-only user SQL: what is refused, what runs, how results are written."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest

from ledger.home import Home
from ledger.projections.index import catch_up
from ledger.projections.sql import QueryError, format_table, run_sql, sql, write_result
from tests.projections.test_index_fixture import Fixture, fixture_ledger  # noqa: F401

REFUSED = [
    ("INSERT INTO tags VALUES ('x', 'y', 1)", "INSERT"),
    ("DELETE FROM runs", "DELETE"),
    ("DROP TABLE runs", "DROP"),
    ("ATTACH 'other.duckdb' AS o", "ATTACH"),
    ("COPY runs TO 'runs.csv'", "COPY"),
    ("INSTALL httpfs", "INSTALL"),
    ("LOAD httpfs", "LOAD"),
    ("UPDATE runs SET label = 'x'", "UPDATE"),
    ("CREATE TABLE t AS SELECT 1", "CREATE"),
    ("SET threads = 1", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("EXPORT DATABASE 'out'", "EXPORT"),
    ("DETACH idx", "DETACH"),
    ("-- sneaky\nDELETE FROM runs", "DELETE"),
    ("SELECT 1; DELETE FROM runs", "DELETE"),
]


def fingerprint(home: Home) -> str:
    h = hashlib.sha256()
    for path in sorted((home.path / "events").glob("*.jsonl")):
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("statement,word", REFUSED)
def test_writes_are_refused_and_nothing_changes(fixture_ledger: Fixture, statement, word):
    home = fixture_ledger.home
    catch_up(home)
    before = (fingerprint(home), run_sql(home, "SELECT count(*), max(seq) FROM events").fetchall(),
              run_sql(home, "SELECT * FROM runs ORDER BY id").fetchall())  # fmt: skip
    with pytest.raises(QueryError) as err:
        run_sql(home, statement)
    message = str(err.value)
    assert message.startswith(f"{word} is refused") and "read-only" in message and "\n" not in message
    after = (fingerprint(home), run_sql(home, "SELECT count(*), max(seq) FROM events").fetchall(),
             run_sql(home, "SELECT * FROM runs ORDER BY id").fetchall())  # fmt: skip
    assert after == before
    assert not (home.path / "runs.csv").exists() and not (home.path / "other.duckdb").exists()


def test_bad_sql_is_one_clear_line(fixture_ledger: Fixture):
    with pytest.raises(QueryError, match="does not parse"):
        run_sql(fixture_ledger.home, "SELEC 1")
    with pytest.raises(QueryError, match="SQL error: .*nosuch"):
        run_sql(fixture_ledger.home, "SELECT * FROM nosuch")
    with pytest.raises(QueryError, match="one statement at a time"):
        run_sql(fixture_ledger.home, "SELECT 1; SELECT 2")
    with pytest.raises(QueryError, match="no SQL statement"):
        run_sql(fixture_ledger.home, "  ")


def test_select_with_and_explain_run(fixture_ledger: Fixture):
    home = fixture_ledger.home
    assert run_sql(home, "SELECT count(*) FROM runs WHERE NOT deleted").fetchall() == [(7,)]
    assert run_sql(home, "WITH r AS (SELECT * FROM runs) SELECT count(*) FROM r").fetchall() == [(8,)]
    assert run_sql(home, "EXPLAIN SELECT * FROM scalars").fetchall()
    assert run_sql(home, "SELECT $k AS k", {"k": "v"}).fetchall() == [("v",)]


def test_api_sql_returns_a_relation(fixture_ledger: Fixture, monkeypatch):
    monkeypatch.setenv("LEDGER_HOME", str(fixture_ledger.home.path))
    rel = sql("SELECT op, count(*) AS n FROM runs GROUP BY op ORDER BY op")
    assert isinstance(rel, duckdb.DuckDBPyRelation)
    assert rel.columns == ["op", "n"] and rel.fetchall() == [("train", 7), ("train+", 1)]


def test_formats(fixture_ledger: Fixture, tmp_path):
    home = fixture_ledger.home
    query = "SELECT name, value, value_num, origin FROM flags WHERE run = $r ORDER BY name"
    target = tmp_path / "flags.parquet"
    rel = run_sql(home, query, {"r": fixture_ledger.ids["a"]}, writes_to=target)

    out = io.StringIO()
    write_result(rel, "csv", stream=out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "value", "value_num", "origin"], ["epochs", "2", "2.0", "user"],
        ["lr", "0.1", "0.1", "default"], ["opt", '"sgd"', "", "default"]]  # fmt: skip

    out = io.StringIO()
    write_result(rel, "json", stream=out)
    assert json.loads(out.getvalue())[2] == {"name": "opt", "value": "sgd", "value_num": None, "origin": "default"}

    out = io.StringIO()
    write_result(rel, "jsonl", stream=out)
    assert [json.loads(line)["value"] for line in out.getvalue().splitlines()] == [2, 0.1, "sgd"]

    write_result(rel, "parquet", target, home=home)
    assert duckdb.sql(f"SELECT name FROM '{target}' ORDER BY name").fetchall() == [("epochs",), ("lr",), ("opt",)]
    with pytest.raises(QueryError, match="--output"):
        write_result(rel, "parquet")
    with pytest.raises(QueryError, match="unknown format"):
        write_result(rel, "xml")

    csv_file = tmp_path / "out.csv"
    write_result(rel, "csv", csv_file)
    assert csv_file.read_text().startswith("name,value,value_num,origin\n")


def test_table_is_aligned_and_stable():
    text = format_table(["name", "n", "note"], [("a", 1, "x\ny"), ("bbb", 22.5, None), ("c", None, True)])
    assert text == (
        "name     n  note\n"
        "----  ----  ----\n"
        "a        1  x\\ny\n"
        "bbb   22.5\n"
        "c           true\n"
    )
    assert format_table(["a"], []) == "a\n-\n"


# -- the sandbox -------------------------------------------------------------


def _events_file(home: Home) -> Path:
    return sorted((home.path / "events").glob("*.jsonl"))[0]


def test_explain_analyze_of_a_write_is_refused_and_the_log_is_untouched(fixture_ledger: Fixture):
    home = fixture_ledger.home
    log = _events_file(home)
    before = log.read_bytes()
    attack = f"EXPLAIN ANALYZE COPY (SELECT 1 AS x WHERE false) TO '{log}' (FORMAT csv, HEADER false)"
    with pytest.raises(QueryError, match=r"^EXPLAIN of COPY is refused: .*read-only"):
        run_sql(home, attack)
    for statement in ("EXPLAIN (FORMAT json) DELETE FROM runs", "EXPLAIN ANALYZE INSERT INTO tags VALUES (1, 2, 3)"):
        with pytest.raises(QueryError, match="^EXPLAIN of"):
            run_sql(home, statement)
    assert log.read_bytes() == before
    assert run_sql(home, "EXPLAIN ANALYZE SELECT count(*) FROM runs").fetchall()


@pytest.mark.parametrize("function", ["read_text('{p}')", "read_csv('{p}')", "glob('{d}/*')", "read_blob('{p}')",
                                      "read_json('{p}')", "read_text('/etc/passwd')"])  # fmt: skip
def test_files_are_out_of_reach(fixture_ledger: Fixture, function):
    home = fixture_ledger.home
    log = _events_file(home)
    with pytest.raises(QueryError, match="^SQL error: .*(disabled|Permission)"):
        run_sql(home, "SELECT * FROM " + function.format(p=log, d=log.parent)).fetchall()


def test_the_api_gets_the_same_locked_sandbox(fixture_ledger: Fixture):
    settings = "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')"
    assert sql(settings, fixture_ledger.home).fetchall() == [(False, True)]


@pytest.mark.parametrize("statement", ["PIVOT runs ON op USING count(*)", "SUMMARIZE runs", "DESCRIBE runs",
                                       "SHOW TABLES", "FROM runs SELECT count(*)", "UNPIVOT (SELECT 1 AS a, 2 AS b)"
                                       " ON a, b INTO NAME k VALUE v"])  # fmt: skip
def test_read_only_statements_run(fixture_ledger: Fixture, statement):
    assert run_sql(fixture_ledger.home, statement).fetchall()


@pytest.mark.parametrize("statement", ["PIVOT runs ON op USING count(*)", "PIVOT runs ON status USING count(*)",
                                       "UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v"])  # fmt: skip
@pytest.mark.parametrize("explain", ["EXPLAIN", "EXPLAIN ANALYZE", "EXPLAIN (FORMAT json)"])
def test_explain_of_a_pivot_or_unpivot_runs(fixture_ledger: Fixture, explain, statement):
    assert run_sql(fixture_ledger.home, f"{explain} {statement}").fetchall()


@pytest.mark.parametrize("statement", ["EXPLAIN ANALYZE CREATE TABLE t AS PIVOT runs ON op USING count(*)",
                                       "EXPLAIN COPY (PIVOT runs ON op USING count(*)) TO '/tmp/x.csv'"])  # fmt: skip
def test_explain_of_a_write_around_a_pivot_is_refused(fixture_ledger: Fixture, statement):
    with pytest.raises(QueryError, match="^EXPLAIN of (CREATE|COPY) is refused"):
        run_sql(fixture_ledger.home, statement)


def test_pivot_refusal_names_nothing_it_was_not(fixture_ledger: Fixture):
    with pytest.raises(QueryError) as err:
        run_sql(fixture_ledger.home, "SET enable_external_access = true")
    assert str(err.value).startswith("SET is refused") and "PIVOT" in str(err.value)


def test_output_inside_the_home_is_refused(fixture_ledger: Fixture):
    home = fixture_ledger.home
    log = _events_file(home)
    before = log.read_bytes()
    rel = run_sql(home, "SELECT 1 AS x")
    for target in (log, home.path / "notes.csv", home.path / "runs" / ".." / "x.csv"):
        with pytest.raises(QueryError, match="inside LEDGER_HOME"):
            write_result(rel, "csv", target, home=home)
    with pytest.raises(QueryError, match="inside LEDGER_HOME"):
        run_sql(home, "SELECT 1", writes_to=log)
    assert log.read_bytes() == before and not (home.path / "notes.csv").exists()
