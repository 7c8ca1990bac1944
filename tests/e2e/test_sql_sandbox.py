"""User SQL cannot reach the ledger's files: the attacks that once emptied
the log, through `ledger sql` and through a saved query in the home."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Ledger


def _attack(ledger: Ledger) -> str:
    segment = ledger.home / "events" / "00000001.jsonl"
    return f"EXPLAIN ANALYZE COPY (SELECT 1 AS x WHERE false) TO '{segment}' (FORMAT csv, HEADER false)"


def test_explain_analyze_copy_leaves_the_log_byte_identical(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    before = ledger.log_bytes()
    assert "EXPLAIN of COPY is refused" in ledger.fails("sql", _attack(ledger)).err
    assert ledger.log_bytes() == before
    assert ledger("verify").out.startswith("ok:")


def test_a_saved_query_cannot_write_either(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    before = ledger.log_bytes()
    queries = ledger.home / "queries"
    queries.mkdir()
    (queries / "wipe.sql").write_text("-- looks harmless\n" + _attack(ledger) + "\n")
    (queries / "peek.sql").write_text(f"-- reads the log\nSELECT * FROM read_text('{ledger.home}/events/*.jsonl')\n")
    assert "is refused" in ledger.fails("query", "wipe").err
    assert "disabled" in ledger.fails("query", "peek").err
    assert ledger.log_bytes() == before


@pytest.mark.parametrize("function", ["read_text", "read_csv", "glob", "read_blob"])
def test_file_functions_are_refused(ledger: Ledger, function: str) -> None:
    ledger("run", "echo", "-y")
    err = ledger.fails("sql", f"SELECT * FROM {function}('{ledger.home}/events/00000001.jsonl')").err
    assert "disabled" in err


def test_pivot_and_summarize_are_accepted_and_output_stays_out_of_the_home(ledger: Ledger, tmp_path) -> None:
    ledger("run", "echo", "-y")
    assert "echo" in ledger("sql", "PIVOT runs ON status USING count(*) GROUP BY op").out
    assert "physical_plan" in ledger("sql", "EXPLAIN PIVOT runs ON status USING count(*)").out
    assert "analyzed_plan" in ledger("sql", "EXPLAIN ANALYZE PIVOT runs ON status USING count(*)").out
    assert "column_name" in ledger("sql", "SUMMARIZE runs").out
    before = ledger.log_bytes()
    assert "inside LEDGER_HOME" in ledger.fails("sql", "SELECT 1", "-o", str(ledger.home / "events" / "x.csv")).err
    target = ledger.home / "events" / "00000001.jsonl"
    assert "inside LEDGER_HOME" in ledger.fails("sql", "SELECT 1", "-f", "parquet", "-o", str(target)).err
    assert ledger.log_bytes() == before
    ledger("sql", "SELECT 1 AS x", "-f", "parquet", "-o", str(tmp_path / "x.parquet"))
    assert (tmp_path / "x.parquet").stat().st_size > 0
