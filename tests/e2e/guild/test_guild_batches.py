"""Batches as Guild runs them: batch files and --save-trials, optimizers
declared in guild.yml, failed trials, staged trials, workers, seeds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Ledger, assert_output


def test_batch_files_csv_yaml_json(batches: Ledger) -> None:
    out = batches("run", "say", "@trials.csv", "-y", merged=True).out
    assert_output(
        """
INFO: [ledger] Running trial ...: say (loud=no, msg='hello 1')
hello 1
INFO: [ledger] Running trial ...: say (loud=yes, msg='hello 2')
HELLO 2
INFO: [ledger] Running trial ...: say (loud=no, msg='hello 3')
hello 3
""",
        out,
    )
    out = batches("run", "say", "@trials.yaml", "@trials.json", "-y", merged=True).out
    printed = [line for line in out.splitlines() if not line.startswith("INFO")]
    assert printed == ["hello 4", "HELLO 5", "hello 7", "HELLO 8"]


def test_batch_file_values_win_and_lists_expand_the_rest(batches: Ledger) -> None:
    table = batches("run", "say", "@trials.csv", "loud=[yes,no]", "--print-trials").out
    assert_output(
        """
#  loud  msg
1  yes   hello 1
2  no    hello 1
3  yes   hello 2
4  yes   hello 3
5  no    hello 3
""",
        table,
    )


def test_batch_file_trials_are_recorded(batches: Ledger) -> None:
    batches("run", "say", "@trials.csv", "--keep-batch", "-y")
    log = batches("log", "4").out  # the batch run: listed after its three trials
    spawned = [line for line in log.splitlines() if "TrialSpawned" in line]
    assert len(spawned) == 3 and '"hello 2"' in spawned[1]


def test_save_trials_then_run_them(batches: Ledger, tmp_path: Path) -> None:
    before = batches.log_bytes()
    result = batches("run", "say", "msg=[a,b]", "loud=[no]", "--save-trials", "out/trials.csv", "-y")
    assert result.out.strip() == "Saving trials to out/trials.csv"
    assert batches.log_bytes() == before  # nothing runs
    assert (batches.cwd / "out" / "trials.csv").read_text() == "loud,msg\nno,a\nno,b\n"
    batches("run", "say", "msg=[c]", "--save-trials", "t.json", "-y")
    assert json.loads((batches.cwd / "t.json").read_text()) == [{"loud": False, "msg": "c"}]
    out = batches("run", "say", "@out/trials.csv", "-y").out
    assert out.splitlines() == ["a", "b"]


def test_optimizers_list_with_a_default_and_optimize(batches: Ledger) -> None:
    out = batches("run", "tune", "x=[0.0:1.0]", "-O", "-m", "2", "-y", merged=True).out
    assert out.count("Running trial") == 2
    assert "tune+random" in batches("runs", "-a").out  # -O names the optimizer: its batch is kept
    out = batches("run", "tune", "x=[0.0:1.0]", "-o", "gp", "-m", "2", "-y", merged=True).out
    assert out.count("Running trial") == 2 and "tune+skopt:gp" in batches("runs").out


def test_optimizers_search_choices(batches: Ledger) -> None:
    out = batches("run", "tune", "-O", "-m", "12", "-y", merged=True).out
    kinds = {line.split("kind=")[1].split(",")[0] for line in out.splitlines() if "Running trial" in line}
    assert kinds == {"a", "b"}


def test_a_failed_trial_is_reported_and_the_batch_goes_on(batches: Ledger) -> None:
    out = batches("run", "fail.py", "fail=[yes,no]", "-y", merged=True).out
    assert_output(
        """
INFO: [ledger] Running trial ...: fail.py (fail=yes)
FAIL
ERROR: [ledger] Trial ... exited with an error (1) - see log for details
INFO: [ledger] Running trial ...: fail.py (fail=no)
ok
""",
        out,
    )


def test_fail_on_trial_error_leaves_pending_trials(batches: Ledger) -> None:
    result = batches("run", "fail.py", "fail=[yes,no]", "--fail-on-trial-error", "-y", check=False, merged=True)
    assert result.code == 1
    assert (
        "ERROR: [ledger] Stopping batch because a trial failed (pending trials can be started as needed)"
        in result.out
    )
    assert_output(
        """
[1]  fail.py   staged     fail=no
[2]  fail.py   error      fail=yes
[3]  fail.py+  error
""",
        batches("runs", "-s").out,
    )


def test_stage_trials_prints_each_trial(batches: Ledger) -> None:
    out = batches("run", "say", "msg=[a,b]", "--stage-trials", "-y", merged=True).out
    assert_output(
        """
INFO: [ledger] Staging trial ...: say (loud=no, msg=a)
INFO: [ledger] Staging trial ...: say (loud=no, msg=b)
""",
        out,
    )


def test_workers_prefix_terminal_lines_not_stored_output(batches: Ledger) -> None:
    out = batches("run", "say", "msg=[a,b,c]", "--workers", "2", "-y").out
    lines = sorted(out.splitlines())
    assert len(lines) == 3 and all(line.split(": ", 1)[1] in "abc" for line in lines)
    for line in lines:
        short, msg = line.split(": ", 1)
        assert batches("cat", short, "--output").out == msg + "\n"


def test_random_seed_is_the_batch_and_every_trial_seed(batches: Ledger) -> None:
    batches("run", "say", "msg=[a,b]", "--random-seed", "1", "--keep-batch", "-y")
    ops = [batches("select", ref, "--attr", "op").out for ref in ("1", "2", "3")]
    assert "say+" in ops[2]
    seeds = [batches("select", ref, "--attr", "random_seed").out.strip() for ref in ("1", "2", "3")]
    assert seeds == ["1", "1", "1"]


def test_an_operation_as_the_optimizer(batches: Ledger) -> None:
    """As Guild's `-o tune-echo-2`: the batch is a run of that operation,
    with its flags; the runs it starts are its trials."""
    out = batches("run", "say", "-o", "search-say", "-Fo", "count=2", "-y").out
    assert out.splitlines() == ["searching say over loud, msg with 2 trials", "try0", "try1"]
    assert_output(
        """
[1]  say             completed  loud=no msg=try1
[2]  say             completed  loud=no msg=try0
[3]  say+search-say  completed  count=2 prefix=try
""",
        batches("runs", "-s").out,
    )
    batch = batches("select", "3").out.strip()
    assert f"<- trial of batch {batch[:8]}" in batches("lineage", "1").out
    assert "flags:\n  count: 2\n  prefix: try\n" in batches("runs", "info", "3").out


def test_the_declared_operation_optimizer_with_optimize(batches: Ledger) -> None:
    out = batches("run", "say-opt", "-O", "-y").out
    assert out.splitlines() == ["searching say-opt over loud, msg with 3 trials", "try0", "try1", "try2"]
    assert "say-opt+search-say  completed  count=3 prefix=try" in batches("runs", "-s").out
    err = batches.fails("run", "--proto", batches("select", "4").out.strip(), "-y").err
    assert "this batch's optimizer is an operation" in err
