"""The run commands as a Guild AI user drives them: run, runs, select, cat,
ls, label, tag, comment, delete, restore, purge, through the real `ledger`
on a temporary home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Ledger, assert_output


def ops(listing: str) -> list[str]:
    """The operation column of `ledger runs -s`."""
    return [line.split()[1] for line in listing.splitlines()]


def out(ledger: Ledger, *args: str, input: str | None = None) -> str:
    return ledger(*args, input=input, merged=True).out


def test_run_select_cat_ls(ledger: Ledger, project: Path) -> None:
    assert_output("1.0 2 'a'", out(ledger, "run", "echo", "-y"))
    assert_output("[1]  echo  completed  x=1.00 y=2 z=a", out(ledger, "runs", "-s"))

    run_id = out(ledger, "select").strip()
    assert len(run_id) == 32 and run_id == out(ledger, "select", "1").strip()
    # a prefix with a letter in it: an all-digit reference is a listing index
    prefix = next(run_id[:n] for n in range(6, len(run_id)) if not run_id[:n].isdigit())
    assert out(ledger, "select", prefix).strip() == run_id
    run_dir = Path(out(ledger, "select", "--path").strip())
    assert run_dir == ledger.home / "runs" / run_id and (run_dir / "echo.py").is_file()
    assert_output("x: 1.0\ny: 2\nz: a", out(ledger, "select", "--attr", "flags"))
    assert_output("echo", out(ledger, "select", "--attr", "op").splitlines()[0].split(": ")[-1])
    assert (project / "echo.py").read_text() == out(ledger, "cat", "-p", "echo.py")
    assert_output("1.0 2 'a'", out(ledger, "cat", "--output"))
    listed = out(ledger, "ls", "--sourcecode", "-n").split()
    assert listed == sorted(p.name for p in project.iterdir() if p.is_file())
    assert ".ledger/attrs/flags" in out(ledger, "ls", "-a", "-n").split()
    assert ".ledger/attrs/flags" not in out(ledger, "ls", "-n").split()


def test_sourcecode_digest_follows_the_source(ledger: Ledger, project: Path) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    (project / "echo.py").write_text((project / "echo.py").read_text() + "# edited\n")
    ledger("run", "echo", "-y")
    digests = [out(ledger, "select", "--attr", "sourcecode_digest", i).strip() for i in ("3", "2", "1")]
    assert all(len(d) == 32 and not d.startswith('"') for d in digests), digests
    assert digests[0] == digests[1] != digests[2]
    assert out(ledger, "runs", "-s", "-Fd", digests[2][:8]).count("\n") == 1
    assert out(ledger, "select", "-Fd", digests[0]).strip() == out(ledger, "select", "2").strip()
    assert "# edited" in out(ledger, "cat", "-p", "echo.py", "1")
    assert "# edited" not in out(ledger, "cat", "-p", "echo.py", "2")


def test_label_tag_comment(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "--label", "second", "-y")
    assert_output("[1]  echo  completed  second\n[2]  echo  completed  x=1.00 y=2 z=a", out(ledger, "runs", "-s"))
    ledger("label", "2", "best")
    assert out(ledger, "select", "-Fl", "best").strip() == out(ledger, "select", "2").strip()
    assert_output("[1]  echo  completed  second", out(ledger, "runs", "-s", "-Fl", "sec"))
    ledger("label", "2", "--clear", "-y")  # Guild's --clear asks first, as every option form does
    assert out(ledger, "runs", "-s").splitlines()[1].split() == ["[2]", "echo", "completed"]

    ledger("tag", "1", "-a", "keep", "-a", "paper")
    ledger("tag", "1", "-d", "paper")
    assert_output("- keep", out(ledger, "select", "--attr", "tags", "1"))
    ledger("comment", "1", "diverged after epoch 3")
    info = out(ledger, "runs", "info", "1", "-c")
    assert "  - keep" in info and "diverged after epoch 3" in info
    rows = json.loads(out(ledger, "runs", "--json"))
    assert [r["tags"] for r in rows] == [["keep"], []]
    assert [r["label"] for r in rows] == ["second", ""]


def test_delete_restore_purge(ledger: Ledger, project: Path) -> None:
    ledger("run", "echo", "-y")
    (project / "echo.py").write_text((project / "echo.py").read_text() + "# only in run 2\n")
    ledger("run", "echo", "x=2", "-y")
    second = out(ledger, "select", "1").strip()
    first = out(ledger, "select", "2").strip()

    # without -y, delete asks; "n" keeps the run
    assert ledger("delete", "1", input="n\n", check=False).code != 0
    assert out(ledger, "runs", "-s").count("\n") == 2
    assert "Deleted 1 run(s)" in out(ledger, "delete", "1", "-y")
    assert_output("[1]  echo  completed  x=1.00 y=2 z=a", out(ledger, "runs", "-s"))
    assert_output("[1]  echo  completed  x=2.00 y=2 z=a", out(ledger, "runs", "-d", "-s"))
    assert (ledger.home / "runs" / second).is_dir()  # deleted, not gone

    ledger("restore", "1", "-y")
    assert out(ledger, "select", "1").strip() == second
    assert out(ledger, "runs", "-d", "-s").strip() == ""

    # purge: the run's directory and its unshared blobs (the edited echo.py,
    # its own output and its scalars) go; the shared source files stay; the log verifies
    blobs = {p for p in (ledger.home / "objects").rglob("*") if p.is_file()}
    ledger("delete", second[:8], "-y")
    assert "Purged 1 run(s), 3 blob(s) removed" in out(ledger, "purge", "1", "-y")
    assert not (ledger.home / "runs" / second).exists()
    assert len(blobs - {p for p in (ledger.home / "objects").rglob("*") if p.is_file()}) == 3
    assert out(ledger, "runs", "-d", "-s").strip() == ""  # gone for good, not restorable
    assert "ok:" in out(ledger, "verify")
    assert "RunPurged" in out(ledger, "log", second[:8])  # still auditable
    assert out(ledger, "select").strip() == first
    assert "# only in run 2" not in out(ledger, "cat", "-p", "echo.py")


def test_purge_and_restore_refuse_the_wrong_runs(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    ledger("run", "echo", "-y")
    live = out(ledger, "select", "1").strip()
    assert "delete it first" in ledger.fails("purge", live[:8], "-y").err
    assert "only deleted runs" in ledger.fails("restore", live[:8]).err
    ledger("delete", live[:8], "-y")
    assert "already deleted" in ledger.fails("delete", live[:8], "-y").err
    ledger("purge", live[:8], "-y")
    assert "cannot be restored" in ledger.fails("restore", live[:8]).err
    assert "already purged" in ledger.fails("purge", live[:8], "-y").err
    assert "ok:" in out(ledger, "verify")


def test_runs_filters_and_json(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    assert ledger("run", "fail", "-y", check=False).code == 2
    ledger("run", "echo2", "--stage", "-y")
    ledger("run", "noisy", "-y")
    assert_output(
        """
[1]  noisy  completed  noise=0.1 x=0.1
[2]  echo2  staged     x=1.0 y=2 z=a
[3]  fail   error      code=2
[4]  echo   completed  x=1.00 y=2 z=a
""",
        out(ledger, "runs", "-s"),
    )
    assert_output("[1]  fail  error  code=2", out(ledger, "runs", "-s", "-E"))
    assert_output("[1]  echo2  staged  x=1.0 y=2 z=a", out(ledger, "runs", "-s", "-G"))
    assert ops(out(ledger, "runs", "-s", "-C")) == ["noisy", "echo"]
    assert out(ledger, "runs", "-s", "-R").strip() == ""
    assert out(ledger, "runs", "-s", "-T").strip() == ""
    assert ops(out(ledger, "runs", "-s", "-E", "-G")) == ["echo2", "fail"]
    assert_output("[1]  echo2  staged  x=1.0 y=2 z=a", out(ledger, "runs", "-s", "-Fo", "echo2"))
    assert ops(out(ledger, "runs", "-s", "-Fo", "echo*")) == ["echo2", "echo"]
    assert_output("[1]  noisy  completed  noise=0.1 x=0.1", out(ledger, "runs", "-s", "-n", "1"))
    assert out(ledger, "runs").splitlines()[0].startswith("[1:")
    # -Fo and -Fl choose what `select` means by its index, as in the listing
    assert out(ledger, "select", "1", "-Fo", "fail").strip() == out(ledger, "select", "3").strip()

    rows = json.loads(out(ledger, "runs", "--json", "-C"))
    assert [(r["op"], r["status"], r["flags"]) for r in rows] == [
        ("noisy", "completed", {"noise": 0.1, "x": 0.1}),
        ("echo", "completed", {"x": 1.0, "y": 2, "z": "a"}),
    ]
    assert rows[0]["id"] == out(ledger, "select").strip()


def test_runs_limits_to_twenty_unless_all(ledger: Ledger) -> None:
    for _ in range(21):
        ledger("run", "echo", "--stage", "-y")
    listed = ledger("runs", "-s")
    assert listed.out.count("\n") == 20 and "-a" in listed.err
    assert out(ledger, "runs", "-s", "-a").count("\n") == 21


def test_runs_info(ledger: Ledger) -> None:
    ledger("run", "noisy", "x=0.2", "-y")
    run_id = out(ledger, "select").strip()
    info = dict(
        line.split(": ", 1) for line in out(ledger, "runs", "info").splitlines() if ": " in line and not line.startswith(" ")
    )
    assert info["id"] == run_id
    assert info["operation"] == "noisy"
    assert info["status"] == "completed"
    assert info["exit_status"] == "0"
    assert info["run_dir"] == str(ledger.home / "runs" / run_id)
    assert info["sourcecode_digest"] == out(ledger, "select", "--attr", "sourcecode_digest").strip()
    assert len(info["started"]) == len("2024-01-01 00:00:00")
    text = out(ledger, "runs", "info", run_id[:8])
    assert "flags:\n  noise: 0.1\n  x: 0.2\n" in text
    assert "scalars:\n  loss: " in text


def test_failing_run_reports_its_exit_status(ledger: Ledger) -> None:
    result = ledger("run", "fail", "-y", check=False)
    assert result.code == 2
    assert "failing with exit status 2" in result.err
    assert_output("[1]  fail  error  code=2", out(ledger, "runs", "-s"))
    assert_output("2", out(ledger, "select", "--attr", "exit_status"))
    assert ledger("run", "fail", "code=3", "-y", check=False).code == 3
    assert "error" in out(ledger, "runs", "info")
    assert "exit_status: 3" in out(ledger, "runs", "info")


def test_run_asks_before_running(ledger: Ledger) -> None:
    no = ledger("run", "echo", "x=3", input="n\n", check=False)
    assert no.code != 0
    assert "You are about to run echo" in no.out
    assert "  x: 3.0\n  y: 2\n  z: a" in no.out
    assert "Continue?" in no.out
    assert ledger.log_bytes() == b"" and out(ledger, "runs", "-s").strip() == ""

    yes = ledger("run", "echo", "x=3", input="y\n")
    assert "You are about to run echo" in yes.out and "3.0 2 'a'" in yes.out
    assert_output("[1]  echo  completed  x=3.00 y=2 z=a", out(ledger, "runs", "-s"))


def test_stage_plans_without_starting(ledger: Ledger) -> None:
    staged = ledger("run", "echo", "x=4", "--stage", "-y")
    assert "4.0" not in staged.out
    assert_output("[1]  echo  staged  x=4.00 y=2 z=a", out(ledger, "runs", "-s"))
    run_dir = Path(out(ledger, "select", "--path").strip())
    assert (run_dir / "echo.py").is_file()
    assert not (run_dir / ".ledger" / "output").exists()
    assert_output("x: 4.0\ny: 2\nz: a", out(ledger, "select", "--attr", "flags"))


ARGPARSE_SCRIPT = """\
import argparse

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--name", default="abc")
args = p.parse_args()
print("lr=%r epochs=%r name=%r" % (args.lr, args.epochs, args.name))
"""

EXEC_PROJECT = """\
show:
  exec: python show.py ${flag_args}
  flags:
    a: 1
    b: hello
one:
  exec: python show.py --only ${a}
  flags:
    a: 1.5
"""


def test_argparse_and_exec_operations(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(ARGPARSE_SCRIPT)
    (project / "show.py").write_text("import sys\nprint(sys.argv[1:])\n")
    (project / "guild.yml").write_text(EXEC_PROJECT)
    ledger = Ledger(tmp_path / "home", project)

    assert_output("lr=0.1 epochs=3 name='abc'", out(ledger, "run", "train.py", "-y"))
    assert_output("lr=0.5 epochs=7 name='xy'", out(ledger, "run", "train.py", "lr=0.5", "epochs=7", "name=xy", "-y"))
    assert_output("epochs: 7\nlr: 0.5\nname: xy", out(ledger, "select", "--attr", "flags"))
    assert "invalid value" in ledger.fails("run", "train.py", "epochs=many", "-y").err

    assert_output("['--a', '1', '--b', 'hello']", out(ledger, "run", "show", "-y"))
    assert_output("['--a', '2', '--b', 'x y']", out(ledger, "run", "show", "a=2", "b=x y", "-y"))
    assert_output("['--only', '2.5']", out(ledger, "run", "one", "a=2.5", "-y"))
    assert_output(
        """
[1]  one       completed  a=2.5
[2]  show      completed  a=2 b='x y'
[3]  show      completed  a=1 b=hello
[4]  train.py  completed  epochs=7 lr=0.5 name=xy
[5]  train.py  completed  epochs=3 lr=0.1 name=abc
""",
        out(ledger, "runs", "-s"),
    )


@pytest.mark.parametrize(
    "args, printed, flags",
    [
        ((), "x=1.0 y=2 z=a", "x: 1.0\ny: 2\nz: a"),
        (("x=2", "y=3", "z=b"), "x=2.0 y=3 z=b", "x: 2.0\ny: 3\nz: b"),  # int text on a float flag is a float
        (("x=-10", "y=-4", "z=d"), "x=-10.0 y=-4 z=d", "x: -10.0\ny: -4\nz: d"),  # min is inclusive
        (("x=10", "y=0"), "x=10.0 y=0 z=a", "x: 10.0\ny: 0\nz: a"),  # max is inclusive
        (("x=1e-3",), "x=0.001 y=2 z=a", "x: 0.001\ny: 2\nz: a"),
    ],
)
def test_declared_flag_types_choices_and_ranges(ledger: Ledger, args, printed, flags) -> None:
    assert_output(printed, out(ledger, "run", "echo2", *args, "-y"))
    assert_output(flags, out(ledger, "select", "--attr", "flags"))


@pytest.mark.parametrize(
    "flag, complaint",
    [
        ("x=10.5", "above the maximum 10"),
        ("x=-11", "below the minimum -10"),
        ("x=abc", "invalid value abc"),
        ("y=1.5", "expected an integer"),
        ("z=e", "choose one of a, b, c, d"),
    ],
)
def test_declared_flags_refuse_bad_values(ledger: Ledger, flag, complaint) -> None:
    assert complaint in ledger.fails("run", "echo2", flag, "-y").err


def test_imported_flag_types(ledger: Ledger) -> None:
    """Globals-imported flags keep their type from the script's default."""
    assert_output("3.0 7 'hello'", out(ledger, "run", "echo", "x=3", "y=7", "z=hello", "-y"))
    assert_output("x: 3.0\ny: 7\nz: hello", out(ledger, "select", "--attr", "flags"))
    assert_output("0.5 2 '12'", out(ledger, "run", "echo", "x=.5", "z=12", "-y"))
