"""How a module of ledger.cli declares its commands: `app = Commands()`,
then `@app.command("name")` on each command function.

Every command gets the same plain help: the usage line and the Arguments
section name arguments by their metavar (`RUN...`, `[RUN]`), never by a
Python type (`<list[str]>`), and options by theirs (`-n, --limit N`).
"""

from __future__ import annotations

import importlib
from typing import Any, cast

import typer
from typer.core import TyperArgument, TyperCommand


def argument_usage(param: TyperArgument) -> str:
    """`RUN`, `[RUN]`, `RUN...` or `[RUN]...`; a metavar that is already
    bracketed (`[OP] [NAME=VALUE]...`) is shown as written."""
    name = param.metavar or (param.name or "").upper()
    if name.startswith("["):
        return name
    if not param.required:
        name = f"[{name}]"
    return f"{name}..." if param.nargs != 1 else name


class PlainHelpCommand(TyperCommand):
    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(argument_usage(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                arguments.append((argument_usage(param), param.help or ""))
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


class Commands(typer.Typer):
    """The commands of one module, in ledger's help style."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(rich_markup_mode=None, pretty_exceptions_enable=False, **settings)

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **settings: Any):
        return super().command(name, cls=cls or PlainHelpCommand, **settings)


def command_of(module_name: str, name: str) -> TyperCommand:
    """The click command `name` declared by the module ledger.cli.MODULE_NAME,
    imported only now: each command loads only the code it uses."""
    module = importlib.import_module(f"ledger.cli.{module_name}")
    return cast(TyperCommand, typer.main.get_group(module.app).commands[name])
