import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def op_main(cwd, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-u", "-m", "ledger.executor.op_main", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "echo.py").write_text('x = 1.0\ny = 2\nz = "a"\n\nprint("%r %r %r" % (x, y, z))\n')
    return tmp_path


def test_runs_a_script_with_its_defaults(project):
    p = op_main(project, "echo.py")
    assert (p.returncode, p.stdout, p.stderr) == (0, "1.0 2 'a'\n", "")


def test_globals_rewrite_the_assignments(project):
    p = op_main(project, "--globals", json.dumps({"x": 2.0, "z": "b"}), "echo.py")
    assert p.stdout == "2.0 2 'b'\n"
    p = op_main(project, "--globals=" + json.dumps({"y": 4}), "echo")
    assert p.stdout == "1.0 4 'a'\n"


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
    p = op_main(tmp_path, "--globals", '{"x": "c", "y": 2}', "t.py")
    assert "line 4, in <module>" in p.stderr and "ValueError: 2" in p.stderr


def test_missing_main_and_bad_globals(tmp_path):
    p = op_main(tmp_path, "nope")
    assert p.returncode == 2 and "cannot find module or script 'nope'" in p.stderr
    p = op_main(tmp_path, "--globals", "{bad", "x.py")
    assert p.returncode == 2 and "neither a Python nor a JSON literal" in p.stderr
    assert op_main(tmp_path).returncode == 2


def test_op_main_imports_only_stdlib_and_the_flag_rewriter(project):
    code = (
        "import sys, runpy; sys.argv=['op_main','--globals','{\"x\": 3.0}','echo.py']\n"
        "try:\n    runpy.run_module('ledger.executor.op_main', run_name='__main__')\n"
        "finally:\n    print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('executor','ledger','yaml','pydantic','numpy')), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    assert p.stdout == "3.0 2 'a'\n", p.stderr
    assert p.stderr.strip() == "['ledger', 'ledger.executor', 'ledger.executor.inject', 'ledger.executor.script_ast']"


def test_stdin_code_runs_with_its_flags_and_true_line_numbers(tmp_path):
    from ledger.executor.op_main import compiled

    (tmp_path / "x.py").write_text("a = 1\nb = 'z'\nprint(a, b, c)\nraise SystemExit(a)\n")
    payload = compiled(str(tmp_path), "x.py", {"a": 7, "b": "q", "c": [1, 2]})
    p = subprocess.run(
        [sys.executable, "-u", "-m", "ledger.executor.op_main", "--stdin", "x.py"],
        cwd=tmp_path, input=payload, capture_output=True,
    )
    assert p.stdout.decode() == "7 q [1, 2]\n" and p.returncode == 7
    (tmp_path / "bad.py").write_text("a = 1\nb = (\n")
    assert compiled(str(tmp_path), "bad.py", {"a": 2}) is None  # python reports it in the run itself
