"""Bad input, each through the real `ledger`: one line on stderr that says
what to do, a non-zero exit, no traceback and nothing appended to the log
(`Ledger.fails` checks all four)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger


@pytest.mark.parametrize(
    "args, says",
    [
        (("run", "nope", "-y"), "operation 'nope' is not defined"),
        (("run", "echo", "w=1", "-y"), "unknown flag 'w'"),
        (("run", "echo", "novalue", "-y"), "NAME=VALUE"),
        (("run", "echo2", "y=abc", "-y"), "expected an integer"),
        (("run", "echo2", "x=abc", "-y"), "invalid value abc"),
        (("run", "echo2", "z=q", "-y"), "choose one of a, b, c, d"),
        (("run", "echo2", "x=11", "-y"), "above the maximum 10"),
        (("run", "echo2", "x=-11", "-y"), "below the minimum -10"),
        (("run", "echo", "-o", "gp", "-Fo", "nope=1", "x=[0:1]", "-y"), "optimizer gp has no flag 'nope'"),
        (("run", "echo", "-o", "nope", "x=[0:1]", "-y"), "unknown optimizer 'nope'"),
        (("run", "echo", "-o", "gp", "-y"), "search dimensions"),
        (("run", "echo", "x=[2:1]", "-y"), "must be less than high"),
        (("run", "echo", "x=[1:2]", "--trials", "0", "-y"), "--trials must be 1 or more"),
        (("run", "echo", "x=[1,2]", "--trials", "0", "-y"), "--trials must be 1 or more"),
        (("run", "echo2", "z=[1:2]", "-y"), "a range cannot be used"),
        (("run", "echo", "--workers", "0", "x=[1,2]", "-y"), "--workers"),
        (("run", "echo", "--no-such-option", "-y"), "no such option: --no-such-option; see `ledger run --help`"),
        (("run", "--proto", "zzzz", "-y"), "no run matches 'zzzz'"),
        (("run", "-y"), "no operation given"),
        (("runs", "info"), "no runs match"),
        (("select",), "no runs match"),
        (("cat", "--output"), "no runs match"),
    ],
)
def test_bad_run_and_flags(ledger: Ledger, args, says) -> None:
    assert says in ledger.fails(*args).err


def test_missing_script_says_the_file_is_missing(ledger: Ledger) -> None:
    err = ledger.fails("run", "nope.py", "-y").err
    assert "nope.py" in err and ("not found" in err or "no such" in err.lower() or "does not exist" in err)


def test_missing_script_fails_cleanly(ledger: Ledger) -> None:
    assert "nope.py" in ledger.fails("run", "nope.py", "-y").err


def test_run_references(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "--stage", "-y")
    assert "no run matches 'zzzz'" in ledger.fails("select", "zzzz").err
    assert "there is no run [9]" in ledger.fails("select", "9").err
    assert "no run matches" in ledger.fails("cat", "--output", "ffffffffffff").err
    assert "say what to print" in ledger.fails("cat").err
    assert "no attribute 'nope'" in ledger.fails("select", "--attr", "nope").err
    assert "has no file" in ledger.fails("cat", "-p", "nope.txt", "2").err
    for escape in ("../../etc/passwd", "../../../../../../../etc/passwd", "/etc/passwd"):
        assert "outside the run directory" in ledger.fails("cat", "-p", escape, "2").err
    assert "give the new label" in ledger.fails("label", "1").err
    assert "give a tag" in ledger.fails("tag", "1").err
    assert "comment is empty" in ledger.fails("comment", "1", " ").err


def test_ambiguous_run_reference(ledger: Ledger) -> None:
    """Staged runs are cheap; make them until two ids start with the same
    letter (a leading digit would be read as a listing index)."""

    def shared_letter() -> str | None:
        firsts = [p.name[0] for p in (ledger.home / "runs").iterdir() if p.name[0] in "abcdef"]
        return next((c for c in firsts if firsts.count(c) > 1), None)

    for _ in range(200):
        ledger("run", "echo", "--stage", "-y")
        if shared := shared_letter():
            break
    else:
        pytest.fail("200 random run ids and no two share a first letter")
    for command in (("select", shared), ("cat", "--output", shared), ("delete", shared, "-y"), ("run", "--proto", shared, "-y")):
        assert f"'{shared}' matches 2 runs" in ledger.fails(*command).err


BAD_PROJECTS = [
    ("echo: [\n  main: echo\n", (), "invalid YAML at line"),
    ("echo: 3\n", (), "expected a map of attributes"),
    ("- echo\n", (), "guild.yml"),
    ("echo:\n  main: missing\n", (), "main module 'missing'"),
    ("echo:\n  main: echo\n  flags:\n    x: {default: 1.0, min: 0}\n", ("x=-1",), "below the minimum 0"),
]


@pytest.mark.parametrize("text, flags, says", BAD_PROJECTS)
def test_malformed_project_file(ledger: Ledger, project: Path, text: str, flags: tuple, says: str) -> None:
    (project / "guild.yml").write_text(text)
    assert says in ledger.fails("run", "echo", *flags, "-y").err


def test_unwritable_home(tmp_path: Path, project: Path) -> None:
    """Tests run as root, where a 0o500 folder is still writable: a home
    under a regular file cannot be created by anyone."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    ledger = Ledger(blocker / "home", project)
    assert "LEDGER_HOME" in ledger.fails("run", "echo", "-y").err
    assert "LEDGER_HOME" in ledger.fails("runs").err


def _flip(path: Path, needle: bytes, last: bool) -> None:
    data = bytearray(path.read_bytes())
    at = data.rindex(needle) if last else data.index(needle)
    data[at + 1] = ord("X")  # still valid JSON: only the hash can tell
    path.write_bytes(bytes(data))


def test_corrupt_log_tail_stops_runs(ledger: Ledger) -> None:
    """An edited last event is set aside (quarantined, one warning) and the
    log no longer reaches its tip: nothing more is appended, reads go on."""
    ledger("run", "echo", "-y")
    ledger("label", "1", "latest")
    _flip(ledger.home / "events" / "00000001.jsonl", b'"latest"', last=True)
    first = ledger("run", "echo", "-y", check=False)
    assert first.code != 0 and "quarantine" in first.err and "Traceback" not in first.err
    assert "tip" in ledger.fails("run", "echo", "-y").err
    assert "tip" in ledger.fails("label", "1", "again").err
    assert "echo" in ledger("runs").out
    verify = ledger("verify", check=False)
    assert verify.code != 0 and "seq" in verify.err and "Traceback" not in verify.err


def test_corrupt_log_middle_is_found_by_verify(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "-y")
    _flip(ledger.home / "events" / "00000001.jsonl", b'"echo"', last=False)
    verify = ledger.fails("verify")
    assert "verify failed: seq 1 " in verify.err


def test_unknown_proto_and_ranges_on_protos(ledger: Ledger) -> None:
    ledger("run", "echo2", "-y")
    assert "no run matches" in ledger.fails("run", "--proto", "0123456789abcdef", "-y").err
    assert "a range cannot be used" in ledger.fails("run", "--proto", "1", "z=[1:2]", "-y").err
    assert "above the maximum" in ledger.fails("run", "--proto", "1", "x=20", "-y").err
    assert "unknown flag" in ledger.fails("run", "--proto", "1", "w=1", "-y").err


def test_usage_errors_are_one_line(ledger: Ledger) -> None:
    assert "see `ledger purge --help`" in ledger.fails("purge", "--bogus").err
    assert "there are no deleted runs" in ledger.fails("purge", "-y").err  # none named: every deleted run, and none is
    assert "--bogus" in ledger.fails("runs", "--bogus").err
    assert "see `ledger run --help`" in ledger.fails("run", "echo", "--bogus", "-y").err


def test_verify_without_a_ledger(tmp_path) -> None:
    nowhere = Ledger(tmp_path / "no-home", tmp_path)
    assert "no ledger" in nowhere.fails("verify").err
