"""shared/reference/run-with-proto.md, with guild -> ledger, .guild -> .ledger.

Each block of the reference is a step here, in order, with its output
compared as doctest compares it (`...` only where the reference has it).
One deviation, by design: Guild writes TensorBoard `events.out.tfevents`
files into `.guild`; ledger keeps scalars as events in its log, so the
reference's `errors` list (files in one run only) is empty here.
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

from tests.e2e.conftest import Ledger, assert_output, copy_example


def findl(root: str) -> list[str]:
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def test_run_with_proto(tmp_path: Path) -> None:
    home = tmp_path / "home"
    project = copy_example("optimizers", tmp_path)
    ledger = Ledger(home, project)

    def run(*args: str) -> str:
        return ledger(*args, merged=True).out

    assert_output("1.0 2 'a'", run("run", "echo", "-y"))
    assert_output("[1]  echo  completed  x=1.00 y=2 z=a", run("runs", "-s"))

    echo_1 = run("select").strip()
    assert_output("1.0 2 'a'", run("run", "--proto", echo_1, "-y"))
    assert_output(
        """
[1]  echo  completed  x=1.00 y=2 z=a
[2]  echo  completed  x=1.00 y=2 z=a
""",
        run("runs", "-s"),
    )

    # the files of the two runs, compared as the reference does
    echo_1_dir = run("select", "1", "--path").strip()
    echo_2_dir = run("select", "2", "--path").strip()
    all_files = set(findl(echo_1_dir)) | set(findl(echo_2_dir))
    same, different, errors = filecmp.cmpfiles(echo_1_dir, echo_2_dir, sorted(all_files), shallow=False)
    assert sorted(same) == [
        ".ledger/attrs/cmd",
        ".ledger/attrs/deps",
        ".ledger/attrs/exit_status",
        ".ledger/attrs/flags",
        ".ledger/attrs/host",
        ".ledger/attrs/label",
        ".ledger/attrs/op",
        ".ledger/attrs/platform",
        ".ledger/attrs/plugins",
        ".ledger/attrs/random_seed",
        ".ledger/attrs/sourcecode_digest",
        ".ledger/attrs/user",
        ".ledger/attrs/user_flags",
        ".ledger/manifest",
        ".ledger/opref",
        ".ledger/output",
        "batch_fail.py",
        "dummy.qmd",
        "dummy.r",
        "echo.py",
        "echo2.py",
        "fail.py",
        "guild.yml",
        "noisy.py",
        "noisy_flubber.py",
        "poly.py",
        "trial_fail.py",
    ]
    assert sorted(different) == [
        ".ledger/attrs/env",
        ".ledger/attrs/id",
        ".ledger/attrs/initialized",
        ".ledger/attrs/run_params",
        ".ledger/attrs/started",
        ".ledger/attrs/stopped",
        ".ledger/output.index",
    ]
    assert errors == []

    # source code listings and manifests are identical
    assert run("ls", "--sourcecode", "1", "-n") == run("ls", "--sourcecode", "2", "-n")
    assert Path(echo_1_dir, ".ledger", "manifest").read_bytes() == Path(echo_2_dir, ".ledger", "manifest").read_bytes()

    # modify flags
    assert_output("2.0 2 'b'", run("run", "--proto", echo_1, "x=2", "z=b", "-y"))
    assert_output(
        """
[1]  echo  completed  x=2.00 y=2 z=b
[2]  echo  completed  x=1.00 y=2 z=a
[3]  echo  completed  x=1.00 y=2 z=a
""",
        run("runs", "-s"),
    )
    assert_output("x: 2.0\ny: 2\nz: b", run("select", "--attr", "flags"))

    # modify operation
    assert_output("3.0 4 'c'", run("run", "echo.py", "--proto", echo_1, "x=3.0", "y=4", "z=c", "-y"))
    assert_output(
        """
[1]  echo.py  completed  x=3.00 y=4 z=c
[2]  echo     completed  x=2.00 y=2 z=b
[3]  echo     completed  x=1.00 y=2 z=a
[4]  echo     completed  x=1.00 y=2 z=a
""",
        run("runs", "-s"),
    )


def test_protos_and_source_code(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hello_project = tmp_path / "hello"
    hello_project.mkdir()
    ledger = Ledger(home, hello_project)

    def run(*args: str) -> str:
        return ledger(*args, merged=True).out

    def write(name: str, text: str) -> None:
        (hello_project / name).write_text(text)

    write("hello.py", "print('hello-1')")
    assert_output("hello-1", run("run", "hello.py", "--label", "hello-1", "-y"))
    write("hello.py", "print('hello-2')")
    assert_output("hello-2", run("run", "hello.py", "--label", "hello-2", "-y"))
    assert_output(
        """
[1]  hello.py  completed  hello-2
[2]  hello.py  completed  hello-1
""",
        run("runs", "-s"),
    )
    hello_1 = run("select", "-Fl", "hello-1").strip()
    assert_output("hello-1", run("run", "--proto", hello_1, "--label", "hello-1-2", "-y"))
    assert_output("hello-2", run("run", "--proto", hello_1, "--label", "hello-1-3", "--force-sourcecode", "-y"))
    assert_output(
        """
[1]  hello.py  completed  hello-1-3
[2]  hello.py  completed  hello-1-2
[3]  hello.py  completed  hello-2
[4]  hello.py  completed  hello-1
""",
        run("runs", "-s"),
    )
    for index, message in (("4", "hello-1"), ("3", "hello-2"), ("2", "hello-1"), ("1", "hello-2")):
        assert_output(f"print('{message}')", run("cat", "-p", "hello.py", index))
        assert_output(message, run("cat", "--output", index))
        digest = {
            "hello-1": "a17a8625d62d51b51264a0a4757fefa8",
            "hello-2": "e0c8c7babaeb011426609e980529e4d5",
        }[message]
        assert_output(digest, run("select", "--attr", "sourcecode_digest", index))


BATCH_1 = """
INFO: [ledger] Running trial ...: echo (x=1.0, y=2, z=a)
1.0 2 'a'
INFO: [ledger] Running trial ...: echo (x=2.0, y=2, z=a)
2.0 2 'a'
"""


def test_batch_protos(ledger: Ledger) -> None:
    def run(*args: str) -> str:
        return ledger(*args, merged=True).out

    assert_output(BATCH_1, run("run", "echo", "x=[1,2]", "--keep-batch", "-y"))
    assert_output(
        """
[1]  echo   completed  x=2.00 y=2 z=a
[2]  echo   completed  x=1.00 y=2 z=a
[3]  echo+  completed
""",
        run("runs", "-s"),
    )
    batch_1 = run("select", "3").strip()
    assert_output(BATCH_1, run("run", "--proto", batch_1, "--keep-batch", "-y"))
    assert_output(
        """
[1]  echo   completed  x=2.00 y=2 z=a
[2]  echo   completed  x=1.00 y=2 z=a
[3]  echo+  completed
[4]  echo   completed  x=2.00 y=2 z=a
[5]  echo   completed  x=1.00 y=2 z=a
[6]  echo+  completed
""",
        run("runs", "-s"),
    )
    assert_output(
        """
INFO: [ledger] Running trial ...: echo (x=1.0, y=3, z=a)
1.0 3 'a'
INFO: [ledger] Running trial ...: echo (x=1.0, y=4, z=a)
1.0 4 'a'
INFO: [ledger] Running trial ...: echo (x=2.0, y=3, z=a)
2.0 3 'a'
INFO: [ledger] Running trial ...: echo (x=2.0, y=4, z=a)
2.0 4 'a'
""",
        run("run", "--proto", batch_1, "--keep-batch", "y=[3,4]", "-y"),
    )
    assert_output(
        """
[1]   echo   completed  x=2.00 y=4 z=a
[2]   echo   completed  x=2.00 y=3 z=a
[3]   echo   completed  x=1.00 y=4 z=a
[4]   echo   completed  x=1.00 y=3 z=a
[5]   echo+  completed
[6]   echo   completed  x=2.00 y=2 z=a
[7]   echo   completed  x=1.00 y=2 z=a
[8]   echo+  completed
[9]   echo   completed  x=2.00 y=2 z=a
[10]  echo   completed  x=1.00 y=2 z=a
[11]  echo+  completed
""",
        run("runs", "-s"),
    )


OPT_2 = """
INFO: [ledger] Random start for optimization (1 of 1)
INFO: [ledger] Running trial ...: echo (x=..., y=2, z=c)
... 2 'c'
INFO: [ledger] Found 1 previous trial(s) for use in optimization
INFO: [ledger] Running trial ...: echo (x=..., y=2, z=c)
... 2 'c'
"""
GP_1 = "echo+skopt:gp  completed  acq-func=gp_hedge kappa=1.96 noise=0.1 prev-trials=batch random-starts=1 xi=0.05"
GP_2 = "echo+skopt:gp  completed  acq-func=gp_hedge kappa=1.5 noise=0.1 prev-trials=batch random-starts=2 xi=0.05"


def test_optimizer_protos(ledger: Ledger) -> None:
    def run(*args: str) -> str:
        return ledger(*args, merged=True).out

    assert_output(OPT_2, run("run", "echo", "-o", "gp", "--trials", "2", "x=[-1.0:1.0]", "z=c", "-Fo", "random-starts=1", "-y"))
    assert_output(
        f"""
[1]  echo           completed  x=... y=2 z=c
[2]  echo           completed  x=... y=2 z=c
[3]  {GP_1}
""",
        run("runs", "-s"),
    )
    opt_1 = run("select", "3").strip()
    assert_output(OPT_2, run("run", "--proto", opt_1, "-y"))
    assert_output(
        f"""
[1]   echo           completed  x=... y=2 z=c
[2]   echo           completed  x=... y=2 z=c
[3]   {GP_1}
[4]   echo           completed  x=... y=2 z=c
[5]   echo           completed  x=... y=2 z=c
[6]   {GP_1}
""",
        run("runs", "-s"),
    )
    opt_2 = run("select", "3").strip()
    assert_output(
        """
INFO: [ledger] Random start for optimization (1 of 2)
INFO: [ledger] Running trial ...: echo (x=..., y=3, z=c)
... 3 'c'
INFO: [ledger] Random start for optimization (2 of 2)
INFO: [ledger] Running trial ...: echo (x=..., y=3, z=c)
... 3 'c'
INFO: [ledger] Found 2 previous trial(s) for use in optimization
INFO: [ledger] Running trial ...: echo (x=..., y=3, z=c)
... 3 'c'
""",
        run("run", "--proto", opt_2, "y=3", "-Fo", "kappa=1.5", "-Fo", "random-starts=2", "--trials", "3", "-y"),
    )
    assert_output(
        f"""
[1]   echo           completed  x=... y=3 z=c
[2]   echo           completed  x=... y=3 z=c
[3]   echo           completed  x=... y=3 z=c
[4]   {GP_2}
[5]   echo           completed  x=... y=2 z=c
[6]   echo           completed  x=... y=2 z=c
[7]   {GP_1}
[8]   echo           completed  x=... y=2 z=c
[9]   echo           completed  x=... y=2 z=c
[10]  {GP_1}
""",
        run("runs", "-s"),
    )
