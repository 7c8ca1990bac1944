import pytest

from ledger.errors import FlagError
from ledger.executor.spaces import parse_space, space_from_json, space_to_json
from ledger.executor.values import Range, Values, format_space


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[1,2]", Values((1, 2))),
        ("[a, b]", Values(("a", "b"))),
        ("[1, 2.5, yes, 'x y']", Values((1, 2.5, True, "x y"))),
        ("[-1.0:1.0]", Range(-1.0, 1.0)),
        ("[0:10]", Range(0, 10)),
        ("[0:1:0.5]", Range(0, 1, "uniform", 0.5)),
        ("uniform[-1:1]", Range(-1, 1)),
        ("loguniform[1e-4:1e-1]", Range(1e-4, 0.1, "loguniform")),
        ("log-uniform[1e-4:1e-1]", Range(1e-4, 0.1, "loguniform")),
        ("linspace[0:1:5]", Values((0.0, 0.25, 0.5, 0.75, 1.0))),
        ("linspace[1:5]", Values((1.0, 2.0, 3.0, 4.0, 5.0))),
        ("linspace[1e-2:1e-1:10]", Values((0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1))),
        ("logspace[-5:0:6]", Values((1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0))),
        ("logspace[0:3:4:2]", Values((1.0, 2.0, 4.0, 8.0))),
        ("range[1:5]", Values((1, 2, 3, 4, 5))),
        ("range[0:5:2]", Values((0, 2, 4))),
        ("range[1:2:0.5]", Values((1.0, 1.5, 2.0))),
    ],
)
def test_parse_space(text, expected):
    assert parse_space(text) == expected


@pytest.mark.parametrize("text", ["1", "abc", "1.0", "foo[1:2]", "a[b", ""])
def test_plain_values_are_not_spaces(text):
    assert parse_space(text) is None


@pytest.mark.parametrize(
    "text, words",
    [
        ("[2:1]", "less than"),
        ("[1:1]", "less than"),
        ("loguniform[0:1]", "above 0"),
        ("[a:b]", "not a number"),
        ("uniform[1]", "expected"),
        ("[0:1:5]", "outside"),
        ("linspace[0:1:0]", "count"),
        ("[1,,2]", "empty"),
        ("[]", "at least one"),
    ],
)
def test_bad_spaces_raise_one_clear_line(text, words):
    with pytest.raises(FlagError) as e:
        parse_space(text)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_int_range_is_integer_dimension():
    assert Range(0, 10).is_int
    assert not Range(0.0, 10).is_int
    assert not Range(True, 3).is_int


@pytest.mark.parametrize("s", [Values((1, "a", 2.5, None)), Range(-1.0, 1.0), Range(1e-4, 0.1, "loguniform", 0.01)])
def test_json_round_trip(s):
    import json

    assert space_from_json(json.loads(json.dumps(space_to_json(s)))) == s


@pytest.mark.parametrize(
    "s, text",
    [
        (Values((1, 2)), "[1, 2]"),
        (Range(-1.0, 1.0), "[-1.0:1.0]"),
        (Range(0.0001, 0.1, "loguniform"), "loguniform[0.0001:0.1]"),
        (Range(0, 1, "uniform", 0.5), "[0:1:0.5]"),
        (Values(("a", "1")), "[a, '1']"),
    ],
)
def test_format_space_reads_back(s, text):
    assert format_space(s) == text
    assert parse_space(text) == s


def test_space_from_json_rejects_unknown_type():
    with pytest.raises(FlagError):
        space_from_json({"type": "normal"})
