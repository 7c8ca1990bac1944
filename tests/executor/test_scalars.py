import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import ProjectError
from ledger.executor.scalars import ScalarParser, check_pattern, normalize_output_scalars


def feed(parser, text):
    out = []
    for line in text.strip("\n").split("\n"):
        out.extend(parser.feed(line + "\n"))
    return out


def test_default_pattern_key_colon_value():
    p = ScalarParser(None)
    assert feed(p, "x: 1.1\ny: -1.2e-3\nnot a scalar\nz: abc\nw: 2 extra") == [("x", 1.1, 0), ("y", -0.0012, 0)]


def test_default_pattern_explicit_step_in_parentheses():
    assert feed(ScalarParser(None), "x: 1.1 (10)\ny: 1.2 (10)") == [("x", 1.1, 10), ("y", 1.2, 10)]


def test_repeated_key_advances_step_until_a_step_is_stated():
    assert feed(ScalarParser(None), "x: 1.1\ny: 2.2\ny: 3.3\ny: 4.4\nx: 5.5\ny: 6.6") == [
        ("x", 1.1, 0), ("y", 2.2, 0), ("y", 3.3, 1), ("y", 4.4, 2), ("x", 5.5, 2), ("y", 6.6, 3)
    ]
    assert feed(ScalarParser(None), "x: 1\ny: 2\nx: 3\ny: 4 (10)\nx: 5\ny: 6") == [
        ("x", 1.0, 0), ("y", 2.0, 0), ("x", 3.0, 1), ("y", 4.0, 10), ("x", 5.0, 10), ("y", 6.0, 10)
    ]


def test_step_key_sets_the_step_and_is_not_logged():
    assert feed(ScalarParser(None), "step: 1\nloss: 2.345\nstep: 2\nloss: 1.234") == [("loss", 2.345, 1), ("loss", 1.234, 2)]


def test_default_ignores_flag_names():
    assert feed(ScalarParser(None, ignore={"x"}), "x: 1.0\nloss: 0.5") == [("loss", 0.5, 0)]


def test_keyed_patterns():
    p = ScalarParser((("loss", "^(.+?) "),))
    assert p.feed("1.0 2 'a'") == [("loss", 1.0, 0)]
    p = ScalarParser((("step", r"epoch (\step)"), ("acc", r"acc: (\value)")))
    assert feed(p, "epoch 3\nacc: 0.5\nepoch 4\nacc: 0.75") == [("acc", 0.5, 3), ("acc", 0.75, 4)]


def test_unkeyed_patterns_with_groups_and_named_groups():
    p = ScalarParser(((None, r"(\key)=(\value)"),))
    assert p.feed("loss=0.5") == [("loss", 0.5, 0)]
    p = ScalarParser(((None, r"loss (?P<loss>\value) acc (?P<acc>\value) at (?P<step>\step)"),))
    assert p.feed("loss 0.5 acc 0.9 at 7") == [("loss", 0.5, 7), ("acc", 0.9, 7)]


INT64_MAX = 2**63 - 1


@pytest.mark.parametrize("patterns", [None, ((None, r"(\key): (\value)(?: \((\step)\))?"),),
                                      (("step", r"step: (\value)"), ("loss", r"loss: (\value)"))])
def test_an_int64_step_is_exact(patterns):
    p = ScalarParser(patterns)
    assert feed(p, f"step: {INT64_MAX}\nloss: 0.5\nstep: -{INT64_MAX + 1}\nloss: 1.5") == [
        ("loss", 0.5, INT64_MAX), ("loss", 1.5, -INT64_MAX - 1)
    ]
    assert ScalarParser(None).feed_lines(f"step: {INT64_MAX}\nloss: 0.5\n", 100) == [("loss", 0.5, INT64_MAX)]
    assert ScalarParser(None).feed(f"loss: 0.5 ({INT64_MAX})") == [("loss", 0.5, INT64_MAX)]
    named = ScalarParser(((None, r"loss (?P<loss>\value) at (?P<step>\step)"),))
    assert named.feed(f"loss 0.5 at {INT64_MAX}") == [("loss", 0.5, INT64_MAX)]


def test_a_step_out_of_range_is_not_recorded_and_warned_of_once():
    warnings: list[str] = []
    p = ScalarParser(None, warn=warnings.append)
    text = f"step: 3\nstep: {INT64_MAX + 1}\nloss: 0.5\nstep: 1e23\nstep: inf\nacc: 1\nstep: 4\nloss: 2\n"
    assert p.feed_lines(text, 100) == [("loss", 0.5, 3), ("acc", 1.0, 3), ("loss", 2.0, 4)]
    assert len(warnings) == 1 and str(INT64_MAX + 1) in warnings[0] and "step 3" in warnings[0]
    by_line: list[str] = []
    assert feed(ScalarParser(None, warn=by_line.append), text) == [("loss", 0.5, 3), ("acc", 1.0, 3), ("loss", 2.0, 4)]
    assert by_line == warnings


def test_a_step_that_is_no_number_is_not_warned_of():
    warnings: list[str] = []
    p = ScalarParser(((None, r"loss (?P<loss>\value) at (?P<step>\w+)"),), warn=warnings.append)
    assert p.feed("loss 0.5 at start") == [("loss", 0.5, 0)] and warnings == []


def test_disabled_patterns_find_nothing():
    assert ScalarParser(()).feed("loss: 1.0") == []


def test_normalize_output_scalars_forms():
    assert normalize_output_scalars(None, "w") is None
    assert normalize_output_scalars(False, "w") == ()
    assert normalize_output_scalars({"loss": "loss: (.+)"}, "w") == (("loss", "loss: (.+)"),)
    assert normalize_output_scalars([{"a": "a=(\\value)"}, "(\\key): (\\value)"], "w") == (
        ("a", "a=(\\value)"),
        (None, "(\\key): (\\value)"),
    )
    assert normalize_output_scalars("(\\key)=(\\value)", "w") == ((None, "(\\key)=(\\value)"),)


@pytest.mark.parametrize("v", [{"loss": "no group"}, ["(\\value)"], [3], {"a": "(("}])
def test_normalize_output_scalars_rejects_unusable_patterns(v):
    with pytest.raises(ProjectError):
        normalize_output_scalars(v, "guild.yml: operation 'o'")


def test_check_pattern_accepts_good_ones():
    assert check_pattern("loss", "loss: (\\value)") is None
    assert check_pattern(None, "(?P<loss>\\value)") is None


_line_parts = st.sampled_from(["loss", "acc", "step", "x", ":", ": ", " ", "\t", "\r", "1", "2.5", "-3e2", "nan",
                               "inf", "(7)", " (9)", "a:b", "é"])  # fmt: skip
_lines = st.lists(st.lists(_line_parts, max_size=6).map("".join), max_size=12)


@settings(max_examples=300)
@given(_lines, st.integers(4, 40))
def test_many_lines_at_once_find_what_line_by_line_finds(lines, longest):
    """The default pattern over a chunk of lines is the per-line parse: the
    same scalars, steps and skipped long lines, in the same order."""
    by_line = ScalarParser(None, ignore={"x"})
    want = [found for line in lines if len(line) <= longest for found in by_line.feed(line)]
    at_once = ScalarParser(None, ignore={"x"})
    shown = repr  # a NaN equals no NaN; its repr does
    assert [(k, shown(v), s) for k, v, s in at_once.feed_lines("\n".join(lines), longest)] == [
        (k, shown(v), s) for k, v, s in want
    ]
    assert (at_once.step, at_once._seen) == (by_line.step, by_line._seen)
