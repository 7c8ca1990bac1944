"""`ledger run`'s plain parser and argparse read arguments the same way:
whatever the plain parser accepts, argparse parses to the same values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.cli.run_cmd import OPTIONS, parse, parse_plain, parser

SPELLINGS = [name for names, *_ in OPTIONS for name in names]
WORDS = ["echo", "train.py", "x=1", "x=[1,2]", "y=-1", "+", "gp", "3", "0", "12", "-1", "a=b", "--", "-h",
         "--yes=1", "--lab", "-yl", "--random-seed=4"]  # fmt: skip


def argparse_values(argv: list[str]) -> dict | None:
    try:
        return vars(parser().parse_intermixed_args(argv))
    except SystemExit:
        return None


@given(st.lists(st.sampled_from(SPELLINGS + WORDS), max_size=8))
def test_plain_forms_parse_as_argparse_does(argv: list[str]) -> None:
    plain = parse_plain(argv)
    if plain is not None:
        assert plain == argparse_values(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["echo", "x=1", "-y"],
        ["echo", "x=[1,2]", "-Fo", "a=1", "--opt-flag", "b=2", "-m", "3", "--workers", "2", "-l", "hi", "-y"],
        ["--proto", "abc", "--force-sourcecode", "z=c", "--random-seed", "7", "--stage", "--plan"],
        ["-o", "+", "--keep-batch", "--print-trials", "--stage-trials", "--fail-on-trial-error", "--max-trials", "4"],
    ],
)
def test_every_option_has_a_plain_form(argv: list[str]) -> None:
    assert parse_plain(argv) is not None
    assert parse_plain(argv) == argparse_values(argv)


def test_other_forms_go_to_argparse() -> None:
    assert parse_plain(["--random-seed=4", "echo"]) is None
    assert parse(["--random-seed=4", "echo"])["random_seed"] == 4
    assert parse_plain(["--lab", "x"]) is None  # an abbreviation: argparse's to accept
    assert parse(["--lab", "x"])["label"] == "x"
