import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.errors import ProjectError
from ledger.executor.project import FlagDef, OpDef, find_project_file, load_project, resolve_op

ROOT = Path(__file__).resolve().parents[2]

ECHO_YML = """
echo:
  main: echo
  description: Prints x, y, z flags
  disable-plugins: all
  requires: [{file: data.csv}]
  flags:
    $dest: globals
    x: {description: X value, default: 1.0, min: -2.0, max: 2.0, type: float}
    y: {default: 2}
    z: {default: a, choices: [a, b, c, d]}
  output-scalars:
    loss: '^(.+?) '
  compare: [=x, loss]
  label: x=${x|%.2f} y=${y} z=${z}
  optimizer: {algorithm: forest, noise: 0.1}

poly:
  main: poly
  objective: -acc
  optimizers:
    gaussian: gp
    trees: {algorithm: forest, default: yes, kappa: 1.5}
  flags:
    x: {min: -6.0, max: 5.0}
    lr: 1e-3
  output-scalars: no
  sourcecode:
    - '*.py'
    - exclude: {dir: data}

tune:
  exec: ${model_dir}/tune ${flag_args}
  flags: {alpha: 0.1}
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "guild.yml").write_text(ECHO_YML)
    (tmp_path / "echo.py").write_text('x = 1.0\ny = 2\nz = "a"\nprint(x, y, z)\n')
    return tmp_path


def test_map_form(project):
    p = load_project(project)
    assert sorted(p.ops) == ["echo", "poly", "tune"]
    echo = p.op("echo")
    assert echo.main == "echo" and echo.flags_dest == "globals" and echo.description == "Prints x, y, z flags"
    assert echo.flags == {
        "x": FlagDef("x", default=1.0, type="float", min=-2.0, max=2.0, description="X value"),
        "y": FlagDef("y", default=2),
        "z": FlagDef("z", default="a", choices=("a", "b", "c", "d")),
    }
    assert echo.output_scalars == (("loss", "^(.+?) "),)
    assert echo.compare == ("=x", "loss") and echo.label == "x=${x|%.2f} y=${y} z=${z}"
    assert echo.objective == {"minimize": "loss"}
    assert echo.optimizers == {"forest": {"algorithm": "forest", "default": True, "flags": {"noise": 0.1}}}
    poly = p.op("poly")
    assert poly.objective == {"maximize": "acc"} and poly.minimize == ("acc", False)
    assert poly.flags["lr"].default == 0.001  # YAML 1.1 would read 1e-3 as a string
    assert poly.output_scalars == ()
    assert poly.optimizers == {
        "gaussian": {"algorithm": "gp", "default": False, "flags": {}},
        "trees": {"algorithm": "forest", "default": True, "flags": {"kappa": 1.5}},
    }
    assert poly.sourcecode == (("exclude", "*", None), ("include", "*.py", None), ("exclude", "data", "dir"))
    assert p.op("tune").exec == "${model_dir}/tune ${flag_args}" and p.op("tune").main is None


def test_list_form_with_operation_defaults_and_models(tmp_path):
    (tmp_path / "guild.yml").write_text(
        """
- config: shared
  flags: {a: 1}
- package: pkg
- model: ''
  operation-defaults:
    output-scalars: {acc: 'acc=(\\value)'}
    flags-dest: args
  sourcecode: [{exclude: '*.csv'}]
  operations:
    train:
      main: train --fast
      flags: {lr: 0.1}
    test:
      exec: echo test
      output-scalars: no
- model: cnn
  operations:
    fit: {main: fit, default: yes}
"""
    )
    p = load_project(tmp_path)
    assert sorted(p.ops) == ["cnn:fit", "test", "train"]
    train = p.ops["train"]
    assert train.output_scalars == (("acc", "acc=(\\value)"),) and train.flags_dest == "args"
    assert train.main_parts() == ("train", ["--fast"])
    assert train.sourcecode == (("exclude", "*.csv", None),)
    assert p.ops["test"].output_scalars == ()
    assert p.default_op().name == "cnn:fit"


def test_ledger_yml_wins_over_guild_yml(tmp_path):
    (tmp_path / "guild.yml").write_text("a: {main: a}\n")
    assert os.path.basename(find_project_file(tmp_path)) == "guild.yml"
    (tmp_path / "ledger.yml").write_text("b: {main: b}\n")
    assert os.path.basename(find_project_file(tmp_path)) == "ledger.yml" and list(load_project(tmp_path).ops) == ["b"]
    assert load_project(tmp_path / "nowhere") is None


def test_op_defaults_main_to_its_name_and_imports_flags_on_request(tmp_path):
    (tmp_path / "guild.yml").write_text(
        """
train:
  flags-import: all
  flags-import-skip: [seed]
  flags:
    lr: {description: Learning rate, min: 0}
plain:
  main: train
some:
  main: train
  flags-import: [epochs]
"""
    )
    (tmp_path / "train.py").write_text("lr = 0.1\nepochs = 5\nseed = 1\n")
    p = load_project(tmp_path)
    train = p.op("train")
    assert train.main == "train" and train.flags_dest == "globals"
    assert train.flags == {
        "epochs": FlagDef("epochs", default=5, type="number"),
        "lr": FlagDef("lr", default=0.1, type="number", description="Learning rate", min=0),
    }
    assert p.op("plain").flags == {}  # Guild imports nothing unless asked
    assert list(p.op("some").flags) == ["epochs"]


def test_flags_dest_is_detected_from_argparse(tmp_path):
    (tmp_path / "guild.yml").write_text("train: {main: train}\n")
    (tmp_path / "train.py").write_text("import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr')\n")
    assert load_project(tmp_path).op("train").flags_dest == "args"


def test_resolve_bare_scripts(project):
    op = resolve_op(project, "echo.py")
    assert op.name == "echo.py" and op.main == "echo.py" and op.flags_dest == "globals"
    assert {n: (f.default, f.type) for n, f in op.flags.items()} == {
        "x": (1.0, "number"),  # as Guild imports a number global
        "y": (2, "number"),
        "z": ("a", "string"),
    }
    (project / "sub").mkdir()
    (project / "sub" / "x.py").write_text("import argparse\nap = argparse.ArgumentParser()\nap.add_argument('--n', type=int)\n")
    sub = resolve_op(project, "sub/x.py")
    assert sub.name == "sub/x.py" and sub.flags_dest == "args" and sub.flags["n"].type == "int"
    assert resolve_op(project, "echo").name == "echo"


def test_missing_op_names_the_defined_ones(project, tmp_path_factory):
    with pytest.raises(ProjectError) as e:
        resolve_op(project, "nope")
    assert str(e.value).startswith("operation 'nope' is not defined in guild.yml (defined: echo, poly, tune); ")
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(ProjectError, match="script train.py not found"):
        resolve_op(empty, "train.py")


def test_unknown_keys_are_noted_and_ignored(tmp_path):
    (tmp_path / "guild.yml").write_text("op:\n  main: m\n  pip: [x]\n  env: {A: 1}\n  plugins: all\n")
    op = load_project(tmp_path).ops["op"]
    assert op.main == "m" and op.env == {"A": "1"}
    assert op.notes == ("WARNING: guild.yml: operation 'op': unknown key `pip` ignored",)


def test_a_problem_in_one_operation_fails_only_that_operation(tmp_path):
    (tmp_path / "guild.yml").write_text("bad: {flags-dest: 'argz'}\ngood: {main: m}\n")
    (tmp_path / "m.py").write_text("x = 1\n")
    p = load_project(tmp_path)
    assert p.op("good").main == "m"
    with pytest.raises(ProjectError, match="operation 'bad': unsupported flags-dest 'argz'"):
        p.op("bad")


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: [1\n", "guild.yml: invalid YAML at line 2"),
        ("a: 3\n", "guild.yml: operation 'a': expected a map of attributes"),
        ("a: {flags: {x: {type: flot}}}\n", "guild.yml: operation 'a': flag 'x': unknown type 'flot'"),
        ("a: {flags: {x: {min: 2, max: 1}}}\n", "min (2) is greater than max (1)"),
        ("a: {flags: [x]}\n", "`flags` must be a map"),
        ("a: {output-scalars: {loss: 'loss'}}\n", "exactly one capture group"),
        ("a: {output-scalars: {loss: '(('}}\n", "invalid pattern"),
        ("a: {objective: {best: x}}\n", "invalid objective"),
        ("a: {sourcecode: [{copy: x}]}\n", "invalid sourcecode rule"),
        ("a: {flags-dest: 'argz'}\n", "unsupported flags-dest"),
        ("a: {flags-dest: 'multi-config:!regex!(x'}\n", "flags-dest 'multi-config:!regex!(x': invalid pattern '(x'"),
        ("a: {flags-dest: 'multi-config:'}\n", "no pattern: write multi-config:GLOB"),
        ("a: {requires: [{config: p.toml}]}\n", "config type for p.toml is not supported"),
        ("a: {requires: [{config: p.yml, select: x}]}\n", "a config file is written whole for the run"),
        ("a: {flags-dest: 'config:params.toml'}\n", "config type for params.toml is not supported"),
        ("a: {main: m, python-path: lib}\n", "`python-path` is not supported"),
        ("a: {steps: 3}\n", "invalid steps data 3"),
        ("a: {requires: [{url: 'http://x'}]}\n", "ledger resolves `operation:`, `file:` and `config:` sources"),
        ("a: {main: 3}\n", "`main` must be a string"),
        ("- 3\n", "item 1 of the top-level list is not a map"),
        ("just text\n", "the top level must be a map"),
    ],
)
def test_malformed_files_give_one_line_project_errors(tmp_path, text, words):
    """Malformed as a whole: loading fails; in one operation: running it fails."""
    (tmp_path / "guild.yml").write_text(text)
    with pytest.raises(ProjectError) as e:
        load_project(tmp_path).op("a")
    msg = str(e.value)
    assert words in msg and "\n" not in msg and msg.startswith("guild.yml: ")


def test_opdef_json_round_trip(project):
    for op in load_project(project).ops.values():
        assert OpDef.from_dict(json.loads(json.dumps(op.to_dict()))) == op


def test_cache_is_keyed_by_content(project, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    first = load_project(project, cache).ops
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].suffix == ".json"
    assert load_project(project, cache).ops == first
    (project / "guild.yml").write_text(ECHO_YML.replace("default: 2}", "default: 3}"))
    assert load_project(project, cache).ops["echo"].flags["y"].default == 3
    assert len(list(cache.iterdir())) == 2
    files[0].write_text("{broken")  # a damaged entry is ignored, not fatal
    (project / "guild.yml").write_text(ECHO_YML)
    assert load_project(project, cache).ops == first


def test_cache_hit_imports_neither_yaml_nor_pydantic(project, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    load_project(project, cache)
    code = (
        "import sys; from pathlib import Path; from ledger.executor.project import resolve_op\n"
        f"op = resolve_op(Path({str(project)!r}), 'echo', Path({str(cache)!r}))\n"
        "from executor import flags; flags.resolve(op, flags.parse_assignments(['x=2']))\n"
        "print(op.name, sorted(m for m in ('yaml', 'pydantic') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out == "echo []\n"
