import pytest

from ledger.errors import ProjectError
from ledger.executor import inject
from ledger.executor.opdef import FlagDef
from ledger.executor.script_ast import analyse, literal_slots


def script_flags(source: str) -> tuple[dict[str, FlagDef], str]:
    analysis = analyse(source)
    return {n: FlagDef.from_dict(d) for n, d in analysis["flags"].items()}, analysis["dest"]


def rewrite_globals(source: str, flags: dict) -> str:
    return inject.rewrite_globals(source, flags, literal_slots(source))

SCRIPT = '''"""Doc."""
import math

x = 1.0  # the x
y: int = 2
z = "a"
neg = -3
_private = 5
flag = True
nothing = None
computed = math.pi
x2 = x * 2


def f(a=1):
    x = 100  # local, not a flag
    return a


if __name__ == "__main__":
    print(x, y, z, neg, flag)
'''


def test_script_flags_are_module_level_literals():
    """A number global is a `number` flag, as Guild imports it: x=2 stays 2."""
    flags, dest = script_flags(SCRIPT)
    assert dest == "globals"
    assert flags == {
        "x": FlagDef("x", default=1.0, type="number"),
        "y": FlagDef("y", default=2, type="number"),
        "z": FlagDef("z", default="a", type="string"),
        "neg": FlagDef("neg", default=-3, type="number"),
        "flag": FlagDef("flag", default=True, type="boolean"),
        "nothing": FlagDef("nothing"),  # a None global is a flag without a default, as in Guild
    }


def test_rewrite_globals_changes_only_the_values():
    out = rewrite_globals(SCRIPT, {"x": 2.0, "y": 5, "z": "it's", "neg": -1.5, "flag": False, "nothing": 3})
    expected = (
        SCRIPT.replace("x = 1.0  # the x", "x = 2.0  # the x")
        .replace("y: int = 2", "y: int = 5")
        .replace('z = "a"', 'z = "it\'s"')
        .replace("neg = -3", "neg = -1.5")
        .replace("flag = True", "flag = False")
        .replace("nothing = None", "nothing = 3")
    )
    assert out == expected
    assert len(out.splitlines()) == len(SCRIPT.splitlines())
    ns = {"__name__": "not_main"}
    exec(compile(out, "s.py", "exec"), ns)
    assert (ns["x"], ns["y"], ns["z"], ns["neg"], ns["flag"], ns["x2"]) == (2.0, 5, "it's", -1.5, False, 4.0)
    assert ns["f"]() == 1


def test_rewrite_keeps_float_type_and_line_numbers_for_multiline_values():
    src = 'msg = """a\nb"""  # note\nval = 1\nraise ValueError(val)\n'
    out = rewrite_globals(src, {"msg": "new", "val": 2.0, "absent": 1})
    assert out.splitlines()[2:] == ["val = 2.0", "raise ValueError(val)"]
    ns = {}
    with pytest.raises(ValueError) as e:
        exec(compile(out, "s.py", "exec"), ns)
    assert ns["msg"] == "new" and e.value.args == (2.0,)
    assert e.traceback[-1].lineno == 3  # 0-based: the 4th line, as in the source


def test_rewrite_handles_unicode_before_the_value():
    src = "é = 1; x = 'ü'\nx = 3\n"
    assert rewrite_globals(src, {"x": "v"}) == "é = 1; x = 'v'\nx = 'v'\n"


def test_rewrite_special_floats():
    out = rewrite_globals("x = 1.0\n", {"x": float("inf")})
    ns = {}
    exec(out, ns)
    assert ns["x"] == float("inf")


ARGPARSE = '''
import argparse

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1, help="Learning rate")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--batch-size", default=32)
    p.add_argument("--name")
    p.add_argument("data")
    p.add_argument("-q")
    return p.parse_args()

x = 1.0
'''


def test_argparse_options_are_the_flags():
    flags, dest = script_flags(ARGPARSE)
    assert dest == "args"
    assert flags == {
        "batch-size": FlagDef("batch-size", default=32),  # as Guild: no type= is no type
        "epochs": FlagDef("epochs", default=3, type="int"),
        "lr": FlagDef("lr", default=0.1, type="float", description="Learning rate"),
        "name": FlagDef("name"),
        "optimizer": FlagDef("optimizer", default="sgd", choices=("sgd", "adam")),
        "verbose": FlagDef("verbose", default=False, type="boolean", arg_switch=True),
    }


def test_syntax_error_is_a_project_error():
    with pytest.raises(ProjectError, match="syntax error at line 1"):
        script_flags("x = = 1\n")
