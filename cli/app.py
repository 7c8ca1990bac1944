"""The `ledger` command: one Typer app, one error handler.

Every command is declared once, with Typer, in the module COMMANDS names:
the module holds `app = Commands()` and its commands (`@app.command("name")`,
see cli/command.py).
The top-level group imports a command's module only when that command is
run, completed or listed in help, so `ledger runs` does not pay for what
`ledger sql` or `ledger run` need. A new command is one more line in COMMANDS.

`main` is the only place that turns exceptions into exit codes: a
LedgerError becomes one line on stderr and exit 1, a command line the
parser cannot read one line and exit 2 (Guild's codes), Ctrl-C 130, never
a traceback.
"""

from __future__ import annotations

import difflib
import functools
import os
import signal
import sys
import threading
from typing import Optional

import typer
from typer.core import TyperCommand, TyperGroup

from ledger import __version__
from ledger import cli as cli_package
from ledger.errors import LedgerError

# Each command and the module of ledger.cli that declares it, in the order
# `ledger --help` lists them.
COMMANDS = {
    "run": "run_cmd",
    "watch": "lifecycle_cmds",
    "stop": "lifecycle_cmds",
    "ops": "ops_cmds",
    "runs": "runs_cmds",
    "select": "runs_cmds",
    "cat": "files_cmds",
    "ls": "files_cmds",
    "label": "annotate_cmds",
    "tag": "annotate_cmds",
    "comment": "annotate_cmds",
    "delete": "delete_cmds",
    "restore": "delete_cmds",
    "purge": "delete_cmds",
    "compare": "query_cmds",
    "diff": "audit_cmds",
    "log": "audit_cmds",
    "lineage": "audit_cmds",
    "sql": "query_cmds",
    "query": "query_cmds",
    "verify": "audit_cmds",
    "rebuild": "audit_cmds",
    "repair": "repair_cmd",
    "tensorboard": "tensorboard_cmd",
    "view": "view_cmd",
    "check": "ops_cmds",
}

# Other names a command answers to, unlisted: `ledger tags --list-all` reads
# as naturally as `ledger tag --list-all`.
ALIASES = {"tags": "tag"}


@functools.cache
def load_command(name: str) -> TyperCommand | None:
    """The click command `name`, built from its module's Typer app (once:
    the console script loads it before the group asks for it)."""
    from ledger.cli.command import command_of  # not for `ledger --version`, which loads this module only

    name = ALIASES.get(name, name)
    module_name = COMMANDS.get(name)
    return None if module_name is None else command_of(module_name, name)


class LazyCommands(TyperGroup):
    """The commands of COMMANDS, each module imported on first use."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str):
        return load_command(cmd_name)

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        if args and args[0] not in COMMANDS and args[0] not in ALIASES and not args[0].startswith("-"):
            near = difflib.get_close_matches(args[0], COMMANDS, n=3)
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            ctx.fail(f"no command {args[0]!r}{hint}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ledger {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LazyCommands,
    name="ledger",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def ledger(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_show_version, is_eager=True, help="Print ledger's version and exit."
    ),
) -> None:
    """Track experiment runs on an append-only, hash-chained event log.

    Example: ledger run train.py lr=0.01 -y
    """


def command() -> typer.core.TyperGroup:
    """The top-level click group (with --install-completion and --show-completion)."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def main(argv: list[str] | None = None) -> int:
    """Run `ledger ARGV...`; the exit code."""
    if cli_package.QUIET_WHILE_LOADING and threading.current_thread() is threading.main_thread():
        cli_package.QUIET_WHILE_LOADING = False
        if signal.getsignal(signal.SIGINT) is signal.SIG_DFL:
            signal.signal(signal.SIGINT, _on_ctrl_c)  # Ctrl-C is handled from here on
    args = sys.argv[1:] if argv is None else list(argv)
    bad = next((arg for arg in args if not _is_utf8(arg)), None)
    if bad is not None:
        # every name and value ends up in JSON events or SQL, which hold text only
        shown = os.fsencode(bad)
        print(f"ledger: argument {shown[:60]!r} is not valid UTF-8; give text in UTF-8 (check your locale)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        code = command().main(args=args or ["--help"], prog_name="ledger", standalone_mode=False)
    except LedgerError as e:
        print(f"ledger: {e}", file=sys.stderr)
        return e.exit_code
    except typer.TyperException as e:  # a usage error: unknown option, missing argument...
        ctx = getattr(e, "ctx", None)
        where = ctx.command_path if ctx is not None else "ledger"
        message = e.format_message().rstrip(".")
        print(f"ledger: {message[:1].lower()}{message[1:]}; see `{where} --help`", file=sys.stderr)
        return e.exit_code
    except typer.Abort:  # a prompt reached the end of its input
        print("ledger: no answer; nothing done", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except SystemExit as e:  # completion and its installer end the process themselves
        return e.code if isinstance(e.code, int) else 1
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        print(f"ledger: {e.strerror or e}{where}; check LEDGER_HOME and the paths given", file=sys.stderr)
        return 1
    except Exception as e:
        if not _is_interrupted_query(e):
            raise
        print("Interrupted.", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


_ctrl_c = threading.Event()


def _on_ctrl_c(signum: int, frame: object) -> None:
    _ctrl_c.set()
    raise KeyboardInterrupt


def _is_interrupted_query(error: Exception) -> bool:
    """Whether Ctrl-C reached DuckDB mid-query: it turns the pending
    KeyboardInterrupt into an exception of its own (a RuntimeError
    "Query interrupted" while a statement runs, or an error of whatever it
    was doing, such as loading its JSON extension)."""
    if _ctrl_c.is_set():
        return True
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(error, duckdb.InterruptException):
        return True
    return type(error) is RuntimeError and str(error) == "Query interrupted"


def _is_utf8(arg: str) -> bool:
    """Whether an argument as the OS gave it is text: Python keeps the bytes
    of a non-UTF-8 argument as lone surrogates, which no encoder accepts."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

