"""Every command explains itself in one style: help text with an example,
every argument and option described, metavars a reader understands."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer

from ledger.cli.app import COMMANDS, command, main
from ledger.cli.runs_cmds import RunsGroup


def walk(group: typer.core.TyperGroup, path: list[str]):
    """(command path, click command) for every command and subcommand."""
    ctx = typer.Context(group, info_name=path[-1])
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield [*path, name], cmd
        if isinstance(cmd, typer.core.TyperGroup):
            yield from walk(cmd, [*path, name])


ALL = list(walk(command(), ["ledger"]))


def test_every_command_is_listed() -> None:
    names = {tuple(p[1:]) for p, _ in ALL}
    assert {(n,) for n in COMMANDS} | {("runs", "info")} | {("runs", n) for n in RunsGroup.MANAGE} == names


def example_of(path: list[str]) -> str:
    """`ledger runs rm` is `ledger delete` by Guild's name: its example is delete's."""
    if path[1:2] == ["runs"] and path[2:] and path[2] in RunsGroup.MANAGE:
        return f"ledger {RunsGroup.MANAGE[path[2]]}"
    return " ".join(path)


@pytest.mark.parametrize("path, cmd", ALL, ids=[" ".join(p[1:]) for p, _ in ALL])
def test_command_has_help_an_example_and_described_parameters(path, cmd, capsys) -> None:
    assert cmd.help and cmd.help.strip(), f"`{' '.join(path)}` has no help text"
    assert re.search(rf"^Example: {example_of(path)}\b", cmd.help, flags=re.M), f"`{' '.join(path)}` shows no example"
    for param in cmd.params:
        assert getattr(param, "help", None), f"`{' '.join(path)}`: {param.name} is not described"
    assert main([*path[1:], "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"Usage: {' '.join(path)} ")
    assert not re.search(r"<\w[\w\[\], ]*>|\{\w+\}", shown), f"a type instead of a metavar in:\n{shown}"


def test_top_level_help_lists_every_command_with_its_summary() -> None:
    out = subprocess.run([sys.executable, "-m", "ledger", "--help"], capture_output=True, text=True, timeout=60).stdout
    listed = re.findall(r"^  (\w+)\s+\S", out.split("Commands:", 1)[1], flags=re.M)
    assert listed == list(COMMANDS)
    assert "Example: ledger run" in out and "--version" in out and "--install-completion" in out
