"""Guild project files run as Guild runs them: one operation's unsupported
key fails only that operation, flag values reach scripts exactly, and the
small conveniences (default operation, guild.pass, delete-on-success) work."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Ledger, assert_output
from tests.e2e.guild.conftest import use


def run_dir(ledger: Ledger, ref: str = "1") -> Path:
    return Path(ledger("select", ref, "--path").out.strip())


# --- per-operation acceptance -------------------------------------------------


def test_an_unsupported_flags_dest_fails_only_its_operation(flagvals: Ledger) -> None:
    failed = flagvals.fails("run", "typo", "-y")
    assert "operation 'typo'" in failed.err and "flags-dest 'argz'" in failed.err
    assert flagvals("run", "globals", "-y").out.strip() == "1.0 2 'a' None"


def test_an_unsupported_key_is_named_when_its_operation_runs(flagvals: Ledger) -> None:
    failed = flagvals.fails("run", "pathy", "-y")
    assert "operation 'pathy'" in failed.err and "`python-path`" in failed.err
    assert flagvals("run", "params", "-y").code == 0


def test_an_unknown_key_warns_in_one_line(flagvals: Ledger) -> None:
    result = flagvals("run", "odd", "-y")
    assert result.err.strip() == "WARNING: guild.yml: operation 'odd': unknown key `colour` ignored"
    assert result.out.strip() == "1.0 2 'a' None"


# --- flag values ------------------------------------------------------------


def test_argparse_bool_gets_a_false_value(flagvals: Ledger) -> None:
    out = flagvals("run", "args", "f4=no", "-y").out
    assert_output("f4: False\ni: 1\ns: hello", out)
    assert "f4: True" in flagvals("run", "args", "f4=yes", "-y").out


def test_a_float_global_infers_numbers_and_a_float_type_converts(flagvals: Ledger) -> None:
    out = flagvals("run", "globals_echo.py", "x=[1,2]", "-y", merged=True).out
    assert_output(
        """
INFO: [ledger] Running trial ...: globals_echo.py (x=1, y=2, z=a)
1 2 'a' None
INFO: [ledger] Running trial ...: globals_echo.py (x=2, y=2, z=a)
2 2 'a' None
""",
        out,
    )
    out = flagvals("run", "typed", "x=[1,2]", "-y", merged=True).out
    assert "1.0 2 'a' None" in out and "2.0 2 'a' None" in out


def test_a_none_global_is_a_flag(flagvals: Ledger) -> None:
    assert flagvals("run", "globals_echo.py", "n=5", "y=3.5", "-y").out.strip() == "1.0 3.5 'a' 5"
    assert "n=5" in flagvals("runs", "-s").out


def test_quoted_values_stay_strings(flagvals: Ledger) -> None:
    assert flagvals("run", "globals_echo.py", "z='12'", "-y").out.strip() == "1.0 2 '12' None"
    assert flagvals("run", "globals_echo.py", "z=hello world", "-y").out.strip() == "1.0 2 'hello world' None"


def test_flag_references_in_main_and_exec(flagvals: Ledger) -> None:
    assert flagvals("run", "write", "name=foo.txt", "-y").out.strip() == "wrote foo.txt"
    assert (run_dir(flagvals) / "foo.txt").read_text() == "ok\n"
    assert not list(run_dir(flagvals).glob("$*"))
    assert flagvals("run", "write-exec", "-y").out.strip() == "wrote out2.txt"
    assert (run_dir(flagvals) / "out2.txt").exists()


def test_arg_split_and_arg_switch(flagvals: Ledger) -> None:
    assert flagvals("run", "split", "-y").out.strip() == "['1', '2', '3']"
    assert flagvals("run", "split", "l=4 5", "-y").out.strip() == "['4', '5']"
    assert flagvals("run", "switch", "verbose=yes", "-y").out.strip() == "verbose: True"
    assert flagvals("run", "switch", "-y").out.strip() == "verbose: False"


# --- flags-dest ---------------------------------------------------------------


def test_flags_in_a_global_dict(flagvals: Ledger) -> None:
    assert flagvals("run", "params", "lr=0.5", "opt.name=adam", "-y").out.strip() == "0.5 2 adam"
    assert flagvals("run", "dict-params", "epochs=3", "-y").out.strip() == "0.1 3 sgd"
    assert "epochs=3 lr=0.1 opt.name=sgd" in flagvals("runs", "-s").out


def test_flags_in_a_namespace(flagvals: Ledger) -> None:
    assert flagvals("run", "namespace", "lr=0.2", "-y").out.strip() == "0.2 2"


# --- default operation, guild.pass, delete-on-success, ranges ---------------


def test_a_single_operation_is_the_default(tmp_path: Path) -> None:
    ledger, _ = use("single", tmp_path)
    assert ledger("run", "code=11", "-y").out.strip() == "121"
    assert_output("[1]  square  completed  code=11", ledger("runs", "-s").out)


def test_default_yes_marks_the_default_operation(batches: Ledger) -> None:
    assert batches("run", "msg=hi", "-y").out.strip() == "hi"


def test_guild_pass_records_a_run(flagvals: Ledger) -> None:
    result = flagvals("run", "noop", "a=2", "-y")
    assert result.out == ""
    assert_output("[1]  noop  completed  a=2", flagvals("runs", "-s").out)


def test_delete_on_success_unless_keep_run(flagvals: Ledger) -> None:
    result = flagvals("run", "cleanup", "-y")
    assert "is configured for deletion on success" in result.err
    assert "cleanup" not in flagvals("runs").out
    assert "cleanup" in flagvals("runs", "-d").out  # deleted, not destroyed
    flagvals("run", "cleanup", "--keep-run", "-y")
    assert "cleanup" in flagvals("runs").out


def test_a_range_over_an_int_default(flagvals: Ledger) -> None:
    out = flagvals("run", "globals", "y=[-99.99:99.99]", "--max-trials", "2", "-y", merged=True).out
    values = [float(line.split()[1]) for line in out.splitlines() if not line.startswith("INFO")]
    assert len(values) == 2 and all(-99.99 <= v <= 99.99 for v in values)
    assert "globals+random" not in flagvals("runs", "-a").out  # an implied random batch is scaffolding


# --- exit codes ----------------------------------------------------------------


def test_a_failed_operation_exits_1_and_a_usage_error_2(batches: Ledger) -> None:
    assert batches("run", "fail.py", "fail=yes", "-y", check=False).code == 1
    assert batches("run", "say", "--workers", "-y", check=False).code == 2  # a usage error: --workers needs a value
