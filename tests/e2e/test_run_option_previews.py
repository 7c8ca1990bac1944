"""`ledger run`'s options that show instead of running (`--print-cmd`,
`--help-op`, `--test-sourcecode`, `--test-output-scalars`), that change how
it runs (`-q`, `-e`, `--run-dir`) and `--stage`'s hint, as Guild's. Each
option that runs nothing appends nothing."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Ledger


def unchanged(ledger: Ledger, *args: str, input: str | None = None) -> str:
    """The output of a `ledger run` that must append nothing."""
    ledger("run", "echo2", "-y")  # a log with something in it
    before = ledger.log_bytes()
    out = ledger("run", *args, input=input).out
    assert ledger.log_bytes() == before
    return out


def test_print_cmd_prints_the_command_of_the_run_or_of_each_trial(ledger: Ledger) -> None:
    out = unchanged(ledger, "echo2", "x=3", "--print-cmd")
    assert out.splitlines()[0].endswith("op_main.py echo2")
    assert out.splitlines()[1] == "# set in the script: x=3.0 y=2 z=a"  # globals travel on a pipe
    trials = unchanged(ledger, "echo2", "x=[1,2]", "--print-cmd").splitlines()
    assert trials[1::2] == ["# set in the script: x=1.0 y=2 z=a", "# set in the script: x=2.0 y=2 z=a"]
    assert "commands cannot be printed" in ledger.fails("run", "echo2", "x=[1:2]", "-o", "gp", "--print-cmd").err


def test_print_cmd_of_an_exec_operation(ledger: Ledger, tmp_path: Path) -> None:
    project = tmp_path / "say"
    project.mkdir()
    (project / "guild.yml").write_text("say:\n  exec: echo ${msg} ${flag_args}\n  flags:\n    msg: hi there\n")
    ledger("run", "say", "-y", cwd=project)
    before = ledger.log_bytes()
    assert ledger("run", "say", "--print-cmd", cwd=project).out == "echo 'hi there' --msg 'hi there'\n"
    assert ledger.log_bytes() == before


def test_help_op_shows_the_operation_and_its_flags(ledger: Ledger) -> None:
    assert unchanged(ledger, "echo2", "--help-op").splitlines() == [
        "Usage: ledger run [OPTIONS] echo2 [FLAG=VALUE]...",
        "",
        "Like echo, with declared flags",
        "",
        "Use 'ledger run --help' for a list of options.",
        "",
        "Flags:",
        "  x  (default is 1.0; from -10 to 10)",
        "  y  (default is 2)",
        "  z  (default is a)",
        "     Choices: a, b, c, d",
    ]


def test_test_sourcecode_shows_the_rules_the_files_and_what_was_passed_over(ledger: Ledger) -> None:
    (ledger.cwd / "weights.txt").write_text("0\n" * 600_000)  # text over 1 MiB
    out = unchanged(ledger, "echo2", "--test-sourcecode")
    assert out.startswith("Copying from the current directory\nRules:\n  exclude dir '__pycache__'\n")
    assert "  include text '*' size < 1048576, max match 100\n" in out
    selected = out.split("Selected for copy:\n")[1].split("Skipped:\n")[0].split()
    assert "./echo2.py" in selected and "./guild.yml" in selected and "./weights.txt" not in selected
    assert out.split("Skipped:\n")[1] == "  ./weights.txt: it is over 1 MiB\n"


def test_test_output_scalars_reads_a_file_or_stdin(ledger: Ledger) -> None:
    (ledger.cwd / "out.txt").write_text("0.25 then\nnot a number\n0.125 later\n")
    out = unchanged(ledger, "echo", "--test-output-scalars", "out.txt")
    assert out.splitlines() == [
        "Patterns:", "  loss: ^(\\S+) ", "0.25 then", "  loss: 0.25 (step 0)",
        "0.125 later", "  loss: 0.125 (step 1)", "2 scalar(s) found"]  # fmt: skip
    piped = unchanged(ledger, "echo2", "--test-output-scalars", "-", input="step: 3\nloss: 1.5\nx: 9\n")
    assert piped.splitlines()[2:] == ["loss: 1.5", "  loss: 1.5 (step 3)", "1 scalar(s) found"]  # x is a flag
    assert "cannot read nothing.txt" in ledger.fails("run", "echo", "--test-output-scalars", "nothing.txt").err


def test_quiet_leaves_out_ledgers_info_lines_only(ledger: Ledger) -> None:
    loud = ledger("run", "echo2", "x=[1,2]", "-y", merged=True).out
    assert "INFO: [ledger] Running trial" in loud
    quiet = ledger("run", "echo2", "x=[1,2]", "-q", "-y", merged=True).out
    assert quiet == "x=1.0 y=2 z=a\nx=2.0 y=2 z=a\n"


def test_stage_says_how_to_start_the_run(ledger: Ledger) -> None:
    out = ledger("run", "echo2", "x=4", "--stage", "-y").out.splitlines()
    run_id = ledger("select").out.strip()
    assert out == [f"echo2 staged as {run_id}", f"To start it, use 'ledger run --start {run_id}'"]
    assert ledger("select", "--attr", "status").out.strip() == "staged"


def editor(tmp_path: Path, name: str, script: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_edit_flags_runs_with_the_flags_as_edited(ledger: Ledger, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, "ed", "sed -i -e 's/^y: .*/y: 7/' -e '/^z:/d' \"$1\"\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    assert ledger("run", "echo2", "x=5", "z=b", "-e", "-y").out == "x=5.0 y=7 z=a\n"  # z's line deleted: default
    flags = ledger("sql", "-f", "csv", "SELECT name, origin FROM flags ORDER BY name").out.split()
    assert flags == ["name,origin", "x,user", "y,user", "z,default"]
    monkeypatch.setenv("VISUAL", editor(tmp_path, "visual", "sed -i 's/^x: .*/x: 2/' \"$1\"\n"))
    assert ledger("run", "echo2", "--edit-flags", "-y").out == "x=2.0 y=2 z=a\n"  # VISUAL comes first
    monkeypatch.setenv("VISUAL", editor(tmp_path, "quit", "exit 3\n"))
    assert "the editor exited with status 3" in ledger.fails("run", "echo2", "-e", "-y").err


def test_run_dir_runs_elsewhere_and_records_nothing(ledger: Ledger, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    result = ledger("run", "echo2", "x=6", "--run-dir", str(target), "-y")
    assert result.out == "x=6.0 y=2 z=a\n" and "not recorded" in result.err
    assert (target / "echo2.py").is_file()
    assert ledger.log_bytes() == b"" and ledger("runs").out == ""
    assert "cannot be used with --stage" in ledger.fails("run", "echo2", "-d", str(target), "--stage", "-y").err
    assert "give each flag one value" in ledger.fails("run", "echo2", "x=[1,2]", "-d", str(target), "-y").err
