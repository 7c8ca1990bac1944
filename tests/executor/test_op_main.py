import os
import subprocess
import sys

import pytest

from ledger.executor import op_main as op_main_module
from ledger.executor.opdef import OpDef
from ledger.executor.run import flags_payload


def op_main(cwd, *args, flags=None, stdin=None):
    """`python -u op_main.py ...` as a run starts it: globals flags on a pipe."""
    argv = [sys.executable, "-u", op_main_module.__file__]
    read_end = None
    if flags is not None:
        main = args[0]
        payload = flags_payload(OpDef(name=main, main=main), flags, cwd)
        read_end, write_end = os.pipe()
        with open(write_end, "wb") as pipe:  # small: fits the pipe's buffer
            pipe.write(payload)
        argv += ["--flags-fd", str(read_end)]
    try:
        return subprocess.run(
            [*argv, *args], cwd=cwd, capture_output=True, text=True, input=stdin,
            pass_fds=(read_end,) if read_end is not None else (),
        )
    finally:
        if read_end is not None:
            os.close(read_end)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "echo.py").write_text('x = 1.0\ny = 2\nz = "a"\n\nprint("%r %r %r" % (x, y, z))\n')
    return tmp_path


def test_runs_a_script_with_its_defaults(project):
    p = op_main(project, "echo.py")
    assert (p.returncode, p.stdout, p.stderr) == (0, "1.0 2 'a'\n", "")


def test_globals_rewrite_the_assignments(project):
    p = op_main(project, "echo.py", flags={"x": 2.0, "z": "b"})
    assert p.stdout == "2.0 2 'b'\n"
    p = op_main(project, "echo", flags={"y": 4})
    assert p.stdout == "1.0 4 'a'\n"


def test_a_script_with_globals_flags_reads_its_stdin(tmp_path):
    (tmp_path / "ask.py").write_text("x = 1\nprint(x, input('name? '))\n")
    p = op_main(tmp_path, "ask.py", flags={"x": 5}, stdin="ada\n")
    assert (p.returncode, p.stdout) == (0, "name? 5 ada\n"), p.stderr


def test_args_become_argv_and_main_module_sees_itself(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helper.py").write_text("VALUE = 'helped'\n")
    (tmp_path / "pkg" / "train.py").write_text(
        "import sys\nfrom . import helper\nimport pkg.helper\n"
        "print(__name__, sys.argv, helper.VALUE, sys.modules['__main__'].__file__.endswith('train.py'))\n"
    )
    p = op_main(tmp_path, "pkg.train", "--lr", "0.1")
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"__main__ {[os.path.join('pkg', 'train.py'), '--lr', '0.1']} helped True\n"


def test_sibling_imports_work(tmp_path):
    (tmp_path / "util.py").write_text("def f():\n    return 42\n")
    (tmp_path / "main.py").write_text("import util\nprint(util.f())\n")
    assert op_main(tmp_path, "main.py").stdout == "42\n"


def test_exit_status_and_traceback_like_python(tmp_path):
    (tmp_path / "fail.py").write_text("import sys\n\n\ndef boom():\n    raise RuntimeError('bad')\n\nboom()\n")
    (tmp_path / "exit3.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "exitmsg.py").write_text("raise SystemExit('stopped')\n")
    p = op_main(tmp_path, "fail.py")
    assert p.returncode == 1
    assert p.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{tmp_path / "fail.py"}", line 7, in <module>' in p.stderr
    assert "line 5, in boom" in p.stderr and "RuntimeError: bad" in p.stderr
    assert "op_main" not in p.stderr
    assert op_main(tmp_path, "exit3.py").returncode == 3
    p = op_main(tmp_path, "exitmsg.py")
    assert (p.returncode, p.stderr) == (1, "stopped\n")


def test_tracebacks_point_at_the_users_lines_after_rewriting(tmp_path):
    (tmp_path / "t.py").write_text('x = """a\nb"""\ny = 1\nraise ValueError(y)\n')
    p = op_main(tmp_path, "t.py", flags={"x": "c", "y": 2})
    assert "line 4, in <module>" in p.stderr and "ValueError: 2" in p.stderr


def test_missing_main_and_bad_usage(tmp_path):
    p = op_main(tmp_path, "nope")
    assert p.returncode == 2 and "cannot find module or script 'nope'" in p.stderr
    assert op_main(tmp_path).returncode == 2
    assert op_main(tmp_path, "--flags-fd", "x.py").returncode == 2


def test_main_names_a_script_a_module_or_a_package(tmp_path):
    files = {"echo.py", "pkg/train.py", "pkg/run/__main__.py", "src/train/__main__.py", "src/eval.py"}
    find = op_main_module.find_main
    assert find("echo", files.__contains__) == ("echo.py", None)
    assert find("echo.py", files.__contains__) == ("echo.py", None)
    assert find("pkg.train", files.__contains__) == ("pkg/train.py", "pkg")
    assert find("pkg.run", files.__contains__) == ("pkg/run/__main__.py", "pkg.run")
    assert find("src/train", files.__contains__) == ("src/train/__main__.py", "train")
    assert find("src/eval", files.__contains__) == ("src/eval.py", None)
    assert find("src/nope", files.__contains__) is None


def test_a_package_main_under_a_folder_imports_its_siblings(tmp_path):
    (tmp_path / "src" / "train").mkdir(parents=True)
    (tmp_path / "src" / "train" / "__init__.py").write_text("")
    (tmp_path / "src" / "train" / "model.py").write_text("NAME = 'model'\n")
    (tmp_path / "src" / "train" / "__main__.py").write_text("from . import model\nlr = 0.1\nprint(lr, model.NAME)\n")
    p = op_main(tmp_path, "src/train", flags={"lr": 0.5})
    assert (p.returncode, p.stdout) == (0, "0.5 model\n"), p.stderr


def test_the_runs_interpreter_imports_nothing_of_ledger(project):
    (project / "mods.py").write_text(
        "import sys\nx = 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ledger', 'yaml', 'pydantic', 'numpy')))\n"
    )
    p = op_main(project, "mods.py", flags={"x": 2})
    assert (p.returncode, p.stdout) == (0, "[]\n"), p.stderr


def test_flags_reach_the_script_with_true_line_numbers(tmp_path):
    (tmp_path / "x.py").write_text("a = 1\nb = 'z'\nprint(a, b, c)\nraise SystemExit(a)\n")
    p = op_main(tmp_path, "x.py", flags={"a": 7, "b": "q", "c": [1, 2]})
    assert p.stdout == "7 q [1, 2]\n" and p.returncode == 7


def test_a_script_that_does_not_compile_fails_as_python_says(tmp_path):
    (tmp_path / "bad.py").write_text("a = 1\nb = (\n")
    p = op_main(tmp_path, "bad.py", flags={"a": 2})
    assert p.returncode == 1 and "SyntaxError" in p.stderr


def test_exec_becomes_the_command_with_the_environment_and_directory_it_was_given(tmp_path):
    """An `exec:` operation's process: op_main asks for the die-with-owner
    signal, then is the command itself, in its directory, with exactly the
    environment ledger gave, not the interpreter's (no LC_CTYPE of PEP 538)."""
    env = {"PATH": os.environ["PATH"], "LANG": "C", "FLAG": "a b", op_main_module.OWNER_VARIABLE: str(os.getpid())}
    script = 'echo "$$|$0|$1"; pwd; env'
    argv = [sys.executable, "-I", "-S", op_main_module.__file__, "--exec", "sh", "-c", script, "name", "two words"]
    p = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    said, cwd, *environment = out.splitlines()
    assert said == f"{p.pid}|name|two words"  # the same process, now the command
    assert cwd == str(tmp_path)
    assert sorted(line for line in environment if not line.startswith(("PWD=", "SHLVL=", "_="))) == [
        "FLAG=a b", "LANG=C", f"PATH={os.environ['PATH']}",
    ]  # fmt: skip


def test_exec_of_a_missing_command_fails_as_a_shell_does(tmp_path):
    p = op_main(tmp_path, "--exec", "no-such-program-4242")
    assert p.returncode == 127 and "cannot start no-such-program-4242" in p.stderr
    assert op_main(tmp_path, "--exec").returncode == 2
