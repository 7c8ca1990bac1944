"""Bad inputs of Guild projects: one line, non-zero, nothing appended.

As Guild: a requirement that cannot be met fails the run (exit 1); a project
or command that cannot be used as written is a usage error (exit 2)."""

from __future__ import annotations

from tests.e2e.conftest import Ledger


def test_an_unknown_required_operation(pipeline: Ledger) -> None:
    result = pipeline.fails("run", "bad-op", "-y")
    assert "requires operation 'nothing-like-it', which is not defined" in result.err
    assert result.code == 1


def test_no_run_of_the_required_operation_yet(pipeline: Ledger) -> None:
    result = pipeline.fails("run", "train", "-y")
    assert "requires a completed run of 'prepare' and there is none" in result.err
    assert result.code == 1


def test_a_named_run_of_another_operation(pipeline: Ledger) -> None:
    pipeline("run", "prepare", "-y")
    pipeline("run", "train", "-y")
    train = pipeline("select").out.strip()
    result = pipeline.fails("run", "train", f"prepare={train[:8]}", "-y")
    assert "is not a run of 'prepare'" in result.err and result.code == 1


def test_a_missing_required_file(pipeline: Ledger) -> None:
    result = pipeline.fails("run", "no-file", "-y")
    assert "requires file 'missing.txt'" in result.err and result.code == 1


def test_a_cycle_in_steps(pipeline: Ledger) -> None:
    result = pipeline.fails("run", "loop-a", "-y")
    assert "form a cycle (loop-a -> loop-b -> loop-a)" in result.err and result.code == 1


def test_a_malformed_batch_file(batches: Ledger) -> None:
    assert "bad.yaml is not valid YAML" in batches.fails("run", "say", "@bad.yaml", "-y").err
    assert "nope.csv" in batches.fails("run", "say", "@nope.csv", "-y").err
    (batches.cwd / "wide.csv").write_text("msg\na,b\n")
    assert "line 2 has 2 values for 1 flags" in batches.fails("run", "say", "@wide.csv", "-y").err
    (batches.cwd / "t.txt").write_text("msg\n")
    assert "unsupported batch file extension" in batches.fails("run", "say", "@t.txt", "-y").err
    (batches.cwd / "unknown.csv").write_text("colour\nred\n")
    assert "unknown flag 'colour'" in batches.fails("run", "say", "@unknown.csv", "-y").err


def test_an_unknown_optimizer_named_in_guild_yml(batches: Ledger) -> None:
    err = batches.fails("run", "tune-bad", "x=[0.0:1.0]", "-y").err
    assert "unknown optimizer 'no-such-optimizer'" in err
    assert "unknown optimizer 'no-such-optimizer'" in batches.fails("run", "tune-bad", "-O", "-y").err


def test_optimize_without_a_default_optimizer(flagvals: Ledger) -> None:
    err = flagvals.fails("run", "globals", "-O", "-y").err
    assert "has no default optimizer for --optimize" in err
