import math

import pytest

from ledger.errors import FlagError, ProjectError
from ledger.executor.flags import (
    coerce,
    flag_args,
    parse_assignments,
    render_exec,
    render_label,
    resolve,
)
from ledger.executor.guildfile import flagdef_from_data
from ledger.executor.opdef import FlagDef, OpDef
from ledger.executor.values import Range, Values, decode, format_value


def echo_op():
    return OpDef(
        name="echo",
        main="echo",
        flags={
            "x": FlagDef("x", default=1.0, type="float", min=-2.0, max=2.0),
            "y": FlagDef("y", default=2),
            "z": FlagDef("z", default="a", choices=("a", "b", "c", "d")),
        },
        label="x=${x|%.2f} y=${y} z=${z}",
    )


def test_parse_assignments():
    assert parse_assignments(["x=2", "z=b", "s=a=b", "e="]) == {"x": "2", "z": "b", "s": "a=b", "e": ""}


@pytest.mark.parametrize("bad", ["x", "=1"])
def test_parse_assignments_rejects_missing_equals(bad):
    with pytest.raises(FlagError, match="NAME=VALUE"):
        parse_assignments([bad])


@pytest.mark.parametrize(
    "text, value",
    [
        ("2", 2),
        ("-3", -3),
        ("001", 1),
        ("2.0", 2.0),
        ("1e-3", 0.001),
        ("-1.23e-2", -0.0123),
        (".5", 0.5),
        ("yes", True),
        ("true", True),
        ("True", True),
        ("no", False),
        ("false", False),
        ("null", None),
        ("'2'", "2"),
        ('"2"', "2"),
        ("'it''s'", "it's"),
        ("abc", "abc"),
        ("a b", "a b"),
        ("1_2_3", "1_2_3"),  # YAML would say 123; Guild keeps the string
        ("12e3", "12e3"),  # run-id-like, as Guild
        ("", ""),
    ],
)
def test_decode(text, value):
    assert decode(text) == value and type(decode(text)) is type(value)


def test_decode_special_floats():
    assert decode(".inf") == math.inf and math.isnan(decode(".nan"))


@pytest.mark.parametrize(
    "kind, given, expected",
    [
        ("float", 2, 2.0),
        ("float", "2", 2.0),
        ("float", "1e-3", 0.001),
        ("int", "3", 3),
        ("int", 4.0, 4),
        ("number", "3", 3),
        ("number", "3.5", 3.5),
        ("boolean", "yes", True),
        ("boolean", "no", False),
        ("boolean", 1, True),
        ("string", 2, "2"),
        ("string", "2", "2"),
        ("string", 1.5, "1.5"),
        ("path", "a/b", "a/b"),
        (None, "anything", "anything"),
        ("auto", 7, 7),
    ],
)
def test_coerce_types(kind, given, expected):
    got = coerce(given, FlagDef("f", type=kind))
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "kind, given, words",
    [
        ("int", "abc", "expected an integer"),
        ("int", 2.5, "expected an integer"),
        ("int", True, "expected an integer"),
        ("float", "abc", "expected a number"),
        ("number", "x", "expected a number"),
        ("boolean", "maybe", "expected yes or no"),
    ],
)
def test_coerce_rejects_wrong_type(kind, given, words):
    with pytest.raises(FlagError) as e:
        coerce(given, FlagDef("f", type=kind), op="train")
    msg = str(e.value)
    assert words in msg and "flag 'f' of operation 'train'" in msg and "\n" not in msg


def test_coerce_checks_choices_and_bounds():
    flagdef = FlagDef("z", choices=("a", "b"))
    assert coerce("a", flagdef) == "a"
    with pytest.raises(FlagError, match="choose one of a, b"):
        coerce("e", flagdef)
    bounded = FlagDef("x", type="float", min=-2.0, max=2.0)
    assert coerce(2, bounded) == 2.0
    with pytest.raises(FlagError, match="above the maximum 2.0"):
        coerce(3, bounded)
    with pytest.raises(FlagError, match="below the minimum -2.0"):
        coerce("-2.5", bounded)


def test_untyped_string_choices_accept_numbers_typed_plainly():
    assert coerce(1, FlagDef("v", choices=("1", "2"))) == "1"


def test_resolve_defaults_user_and_proto_origins():
    op = echo_op()
    assert resolve(op, {}) == {"x": (1.0, "default"), "y": (2, "default"), "z": ("a", "default")}
    got = resolve(op, {"x": "2", "z": "b"}, base={"x": 1.5, "y": 3, "z": "c"})
    assert got == {"x": (2.0, "user"), "y": (3, "proto"), "z": ("b", "user")}


def test_resolve_spaces_take_the_flag_type():
    got = resolve(echo_op(), {"x": "[-1:1]", "y": "[1,2]", "z": "[a, b]"})
    assert got["x"] == (Range(-1.0, 1.0), "user") and not got["x"][0].is_int
    assert got["y"] == (Values((1, 2)), "user")
    assert got["z"] == (Values(("a", "b")), "user")
    assert resolve(echo_op(), {"x": "linspace[0:1:3]"})["x"][0] == Values((0.0, 0.5, 1.0))


@pytest.mark.parametrize(
    "given, words",
    [
        ({"q": "1"}, "unknown flag 'q' for operation 'echo' (flags: x, y, z)"),
        ({"z": "[a:b]"}, "not a number"),
        ({"z": "uniform[0:1]"}, "a range cannot be used"),
        ({"z": "[a, e]"}, "choose one of a, b, c, d"),
        ({"x": "[-3:1]"}, "below the minimum"),
        ({"x": "abc"}, "expected a number"),
    ],
)
def test_resolve_errors(given, words):
    with pytest.raises(FlagError) as e:
        resolve(echo_op(), given)
    assert words in str(e.value)


def test_resolve_required_flag():
    op = OpDef(name="t", flags={"data": FlagDef("data", required=True)})
    with pytest.raises(FlagError, match="flag 'data' of operation 't' is required"):
        resolve(op, {})
    assert resolve(op, {"data": "d.csv"}) == {"data": ("d.csv", "user")}


def test_resolve_string_flag_keeps_text_as_typed():
    op = OpDef(name="t", flags={"s": FlagDef("s", default="a", type="string")})
    assert resolve(op, {"s": "001"})["s"] == ("001", "user")
    assert resolve(op, {"s": "'x'"})["s"] == ("x", "user")


def test_resolve_list_default_is_a_grid():
    op = OpDef(name="t", flags={"l": FlagDef("l", default=[1, 2.3, "foo"])})
    assert resolve(op, {})["l"] == (Values((1, 2.3, "foo")), "default")


@pytest.mark.parametrize(
    "value, text",
    [
        (1.0, "1.0"),
        (2, "2"),
        (True, "yes"),
        (False, "no"),
        (None, "null"),
        ("a", "a"),
        (0.1, "0.1"),
        (12000.0, "12000.0"),
        (-6.78e-07, "-6.78e-07"),
        ("1", "'1'"),
        ("yes", "'yes'"),
        ("", "''"),
        ("[1:2]", "'[1:2]'"),
        ([1, "a"], "[1, a]"),
        (Range(-1.0, 1.0), "[-1.0:1.0]"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_format_value_reads_back_through_decode():
    for v in (1.0, 2, True, None, "a", "1", "no", 1 / 3, 1e100):
        assert decode(format_value(v)) == v


def test_render_label():
    flags = {"x": 1.0, "y": 2, "z": "a"}
    assert render_label("x=${x|%.2f} y=${y} z=${z}", flags) == "x=1.00 y=2 z=a"
    assert render_label(None, flags) == "x=1.0 y=2 z=a"
    assert render_label(None, {}) == ""
    assert render_label("a ${q} b", flags) == "a  b"
    assert render_label("tag ${default_label}", {"b": True}) == "tag b=yes"
    assert render_label(None, {"s": "a b"}) == "s='a b'"
    assert render_label("${x|%.2f}", {"x": "text"}) == "text"


def test_flag_args():
    op = OpDef(
        name="t",
        flags={
            "lr": FlagDef("lr", arg_name="learning-rate"),
            "v": FlagDef("v", arg_switch=True),
            "skip": FlagDef("skip", arg_skip=True),
        },
    )
    flags = {"z": "a", "x": 1.0, "lr": 0.1, "v": True, "skip": 1, "n": None, "b": False}
    assert flag_args(flags, op) == ["--b", "no", "--learning-rate", "0.1", "--v", "--x", "1.0", "--z", "a"]
    assert flag_args({"v": False}, op) == []


def test_render_exec():
    op = OpDef(name="t", exec="${model_dir}/tune ${alpha} ${flag_args}")
    argv = render_exec(op.exec, {"alpha": 0.1, "beta": "x y"}, op, {"model_dir": "/p"})
    assert argv == ["/p/tune", "0.1", "--alpha", "0.1", "--beta", "x y"]


def test_flagdef_from_data():
    flagdef = flagdef_from_data("x", {"type": "float", "default": 1, "choices": [{"value": 1}, 2], "min": 0, "max": 3}, "w")
    assert (flagdef.default, flagdef.choices, flagdef.min, flagdef.max) == (1.0, (1.0, 2.0), 0, 3)
    assert flagdef_from_data("y", 2, "w") == FlagDef("y", default=2)


@pytest.mark.parametrize(
    "data, words",
    [
        ({"type": "flot"}, "unknown type 'flot'"),
        ({"min": 3, "max": 1}, "min (3) is greater than max (1)"),
        ({"min": "a"}, "`min` must be a number"),
        ({"type": "int", "default": "abc"}, "expected an integer"),
        ({"choices": "a"}, "non-empty list"),
    ],
)
def test_flagdef_from_data_errors(data, words):
    with pytest.raises(ProjectError) as e:
        flagdef_from_data("x", data, "guild.yml: operation 'op': flag 'x'")
    assert str(e.value).startswith("guild.yml: operation 'op': flag 'x': ") and words in str(e.value)
