"""Input that once raised a traceback: each is one line, a non-zero exit and
nothing appended (`Ledger.fails`), and a failed start records no run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger

HUGE = "1" * 5000
NOT_UTF8 = "\udcff"  # how Python holds the byte 0xff of an argument: the process gets b"\xff"


def test_a_deeply_nested_project_file(ledger: Ledger, project: Path) -> None:
    deep = "echo:\n" + "".join(" " * i + "a:\n" for i in range(1, 3000))
    (project / "guild.yml").write_text(deep)
    assert "nested too deeply" in ledger.fails("run", "echo", "-y").err
    (project / "guild.yml").write_text("echo:\n  flags:\n    x: " + "[" * 3000 + "]" * 3000 + "\n")
    assert "nested too deeply" in ledger.fails("run", "echo", "-y").err


def test_unbalanced_quotes_in_exec_or_main(ledger: Ledger, project: Path) -> None:
    (project / "guild.yml").write_text('a:\n  exec: "python \\"unbalanced"\nb:\n  main: "echo \\"x"\n')
    assert "check its quotes" in ledger.fails("run", "a", "-y").err
    assert "check its quotes" in ledger.fails("run", "a", "--stage", "-y").err
    assert "check its quotes" in ledger.fails("run", "b", "-y").err
    assert not (ledger.home / "runs").exists() or not list((ledger.home / "runs").iterdir())


def test_a_5000_digit_integer(ledger: Ledger, project: Path) -> None:
    assert "too large for an integer flag value" in ledger.fails("run", "echo", f"x={HUGE}", "-y").err
    assert "too small" in ledger.fails("run", "echo", f"x=-{'0' * 5000}{HUGE}", "-y").err
    assert "too large" in ledger.fails("run", "echo", f"x=[1,{HUGE}]", "-y").err
    ledger("run", "echo", "x=0" + "0" * 5000 + "7", "-y")  # leading zeros are no size
    assert ledger("select", "--attr", "flags").out.startswith("x: 7")
    assert re.search(r"\bint(eger)?\b", ledger.fails("runs", "-n", HUGE).err)  # Typer's wording varies
    assert "no run matches" in ledger.fails("select", HUGE).err
    assert "range" in ledger.fails("select", f"1:{HUGE}").err
    ledger("tag", f"1:{HUGE}", "-a", "every")  # a range beyond the listing is all of it
    (project / "guild.yml").write_text(f"echo:\n  flags:\n    x: {HUGE}\n")
    assert "cannot read a value" in ledger.fails("run", "echo", "-y").err


def test_a_limit_beyond_int64_lists_every_run(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    out = ledger("runs", "-n", "9223372036854775808")
    assert "echo" in out.out and "Traceback" not in out.err


def test_sql_errors_raised_at_fetch_time(ledger: Ledger) -> None:
    ledger("run", "fail", "-y", check=False)  # a run in error, for `failures` to fetch
    assert "Could not convert string 'a'" in ledger.fails("sql", "SELECT 'a'::INTEGER").err
    for fmt in ("csv", "json", "jsonl", "table"):
        assert "SQL error" in ledger.fails("sql", "-f", fmt, "SELECT 'a'::INTEGER").err
    assert "Could not convert string 'abc'" in ledger.fails("query", "failures", "--param", "lines=abc").err


def test_json_of_an_interval_and_other_types(ledger: Ledger) -> None:
    out = ledger("sql", "-f", "json", "SELECT INTERVAL 1 DAY AS d, INTERVAL 90 MINUTE AS m, TIME '12:00:01' AS t").out
    assert json.loads(out) == [{"d": "P1DT0H0M0S", "m": "P0DT1H30M0S", "t": "12:00:01"}]
    assert json.loads(ledger("sql", "-f", "jsonl", "SELECT INTERVAL 1 DAY AS d").out) == {"d": "P1DT0H0M0S"}


@pytest.mark.parametrize(
    "args",
    [("select", NOT_UTF8), ("runs", "-Fl", NOT_UTF8), ("sql", f"SELECT '{NOT_UTF8}'"), ("label", "1", NOT_UTF8)],
)
def test_arguments_that_are_not_utf8(ledger: Ledger, args: tuple) -> None:
    ledger("run", "echo", "-y")
    assert "not valid UTF-8" in ledger.fails(*args).err


def test_one_saved_query_that_is_not_utf8_breaks_no_other(ledger: Ledger) -> None:
    queries = ledger.home / "queries"
    queries.mkdir(parents=True)
    (queries / "mine.sql").write_bytes(b"-- caf\xe9 runs\nSELECT 1 AS one\n")
    (queries / "fine.sql").write_bytes(b"-- fine\nSELECT 2 AS two\n")
    listed = ledger("query", "--list").out
    assert "failures" in listed and "fine (yours)  fine" in listed
    assert "mine (yours)  cannot be read" in listed and "not UTF-8" in listed
    assert "not UTF-8" in ledger.fails("query", "mine").err
    assert "two" in ledger("query", "fine").out
