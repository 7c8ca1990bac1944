"""The answer of verify's index check, read from its process's output."""

from __future__ import annotations

from ledger.projections.index_check import ANSWER, answer_of

# What DuckDB prints on its own for a statement that runs a few seconds
PROGRESS = " 97% ▕████████████████████████████████████▊ ▏ (<1 second remaining)     \n"


def test_no_problem_reads_none_whatever_else_was_printed() -> None:
    assert answer_of(PROGRESS + ANSWER + "\n") is None
    assert answer_of(ANSWER + "\n" + PROGRESS) is None


def test_a_problem_is_read_whole() -> None:
    said = "index.duckdb table runs differs from the log (1 rows not in the log, 1 missing)"
    assert answer_of(PROGRESS * 3 + ANSWER + said + "\n") == said


def test_output_without_an_answer_is_a_problem() -> None:
    assert "no answer" in (answer_of(PROGRESS) or "")
