"""`ledger runs` and `ledger select` in their plain forms skip Typer (see
cli/app.py); every other form goes through Typer. Both must agree: same
options, same output, same errors."""

from __future__ import annotations

import pytest

from ledger.cli.app import COMMAND_MODULES, PLAIN_ARGUMENT, PLAIN_OPTIONS, build_app, parse_plain
from tests.e2e.conftest import Ledger


def _typer_spellings(command: str) -> tuple[dict[str, tuple[str, str]], str | None]:
    import typer.main

    cmd = typer.main.get_command(build_app(command)).commands[command]
    options, argument = {}, None
    for p in cmd.params:
        if p.param_type_name == "argument":
            argument = p.name
            continue
        annotation = p.type_descriptor.annotation
        kind = "flag" if p.is_flag else "many" if p.multiple else "int" if annotation is int else "text"
        for spelling in p.opts + p.secondary_opts:
            options[spelling] = (p.name, kind)
    return options, argument


def test_each_command_alone_builds_an_app_that_has_it() -> None:
    import typer.main

    everything = typer.main.get_command(build_app()).commands
    assert set(everything) == set(COMMAND_MODULES)
    for name in everything:
        assert name in typer.main.get_command(build_app(name)).commands


@pytest.mark.parametrize("command", sorted(PLAIN_OPTIONS))
def test_plain_options_are_the_typer_options(command: str) -> None:
    assert _typer_spellings(command) == (PLAIN_OPTIONS[command], PLAIN_ARGUMENT[command])


@pytest.mark.parametrize(
    "command, args",
    [
        ("runs", ["-h"]), ("runs", ["--help"]), ("runs", ["-sa"]), ("runs", ["--limit=3"]), ("runs", ["info"]),
        ("runs", ["-n", "-1"]), ("runs", ["-n", "3x"]), ("runs", ["-n", "²"]), ("runs", ["-n"]),
        ("runs", ["-Fd", "a", "-Fd", "b"]), ("runs", ["-Fo", "-s"]), ("runs", ["--"]), ("runs", ["-x"]),
        ("select", ["1", "2"]), ("select", ["--attr"]), ("select", ["-1"]), ("select", ["--", "1"]),
        ("cat", ["1"]), ("nope", []),
    ],
)  # fmt: skip
def test_other_forms_are_left_to_typer(command: str, args: list[str]) -> None:
    assert parse_plain(command, args) is None


def test_plain_forms_are_parsed_as_typer_would() -> None:
    assert parse_plain("runs", []) == {}
    assert parse_plain("runs", ["-s", "--all", "-n", "07", "-Fo", "a", "--filter-op", "b*", "-Fd", "", "-E", "-E"]) == {
        "simple": True, "all_": True, "limit": 7, "ops": ["a", "b*"], "digest": "", "error": True}  # fmt: skip
    assert parse_plain("select", ["--path", "2:3", "-Fl", "x"]) == {"path": True, "run": "2:3", "labels": ["x"]}


def test_plain_and_typer_forms_print_the_same(ledger: Ledger) -> None:
    ledger("run", "echo", "x=1", "--stage", "-y")
    ledger("run", "echo", "x=2", "-y")
    ledger("run", "noisy", "x=0.3", "-y")
    ledger("label", "2", "best")
    pairs = [
        (["runs", "-s", "-a"], ["runs", "-sa"]),
        (["runs", "-n", "2"], ["runs", "--limit=2"]),
        (["runs", "-s", "-Fo", "echo", "-C"], ["runs", "-sC", "--filter-op=echo"]),
        (["runs", "--json", "-Fl", "best"], ["runs", "--json", "--filter-label=best"]),
        (["runs", "-s", "-d"], ["runs", "-sd"]),
        (["select", "2", "--attr", "flags"], ["select", "--attr=flags", "--", "2"]),
        (["select", "--path", "-Fo", "echo"], ["select", "--path", "--filter-op=echo"]),
        (["select", "1", "-Fo", "echo"], ["select", "-Fo", "echo", "--", "1"]),
        (["select", "9"], ["select", "--", "9"]),
        (["select", "ffff"], ["select", "--", "ffff"]),
    ]
    for plain, typer_form in pairs:
        assert parse_plain(plain[0], plain[1:]) is not None and parse_plain(typer_form[0], typer_form[1:]) is None
        a, b = ledger(*plain, check=False), ledger(*typer_form, check=False)
        assert (a.code, a.out, a.err) == (b.code, b.out, b.err), (plain, typer_form)
    assert ledger("select", "9", check=False).err.startswith("ledger: there is no run [9]: 3 run(s) listed")
