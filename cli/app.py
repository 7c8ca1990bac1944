"""The `ledger` command: one entry point, one error handler.

Every command parses its arguments, calls one library function and prints.
Library errors (LedgerError) become one line on stderr and a non-zero exit;
`main` is the only place that turns exceptions into exit codes.
`ledger run` skips Typer entirely (see cli/run_cmd.py): its start-up is
measured against a bare `python script.py`. So do the plain forms of
`ledger runs` and `ledger select` (below): listing a big history must not
cost more than Typer's start-up. Otherwise only the invoked command's
module is registered with Typer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

# Which module registers each command: a command's module is imported and
# registered alone, so a command does not pay for building all the others.
COMMAND_MODULES = {
    "run": "run_cmd",
    **dict.fromkeys(("runs", "select", "cat", "ls", "label", "tag", "comment", "delete", "restore", "purge"),
                    "runs_cmds"),
    **dict.fromkeys(("verify", "rebuild", "log", "lineage", "diff"), "audit_cmds"),
    **dict.fromkeys(("sql", "query", "compare"), "query_cmds"),
    "tensorboard": "tensorboard_cmd",
    "view": "view_cmd",
}  # fmt: skip


def build_app(command: str | None = None):
    """The Typer app: every command, or only `command`'s module when it is
    a known command name (help, no arguments or a typo need them all)."""
    import importlib

    import typer

    app = typer.Typer(
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="Track experiment runs on an append-only, hash-chained event log.",
    )
    # a callback keeps `ledger` a group of commands even when one is registered
    app.callback()(lambda: None)
    names = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else dict.fromkeys(COMMAND_MODULES.values())
    for name in names:
        importlib.import_module(f"ledger.cli.{name}").register(app)
    return app


def _typer_main(argv: list[str]) -> int:
    import typer

    try:
        code = build_app(argv[0] if argv else None)(args=argv, prog_name="ledger", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0


def guarded(fn: Callable[[], int]) -> int:
    """Run a command; turn every error a user can cause into one line."""
    from ledger.errors import LedgerError

    try:
        return fn()
    except LedgerError as e:
        print(f"ledger: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        print(f"ledger: {e.strerror or e}{where}; check LEDGER_HOME and the paths given", file=sys.stderr)
        return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    except Exception as e:
        # usage errors of the (vendored) click parser: one line, like ours
        if hasattr(e, "format_message") and isinstance(getattr(e, "exit_code", None), int):
            ctx = getattr(e, "ctx", None)
            where = ctx.command_path if ctx is not None else "ledger"
            print(f"ledger: {e.format_message().rstrip('.')}; see `{where} --help`", file=sys.stderr)
            return e.exit_code
        raise


# -- `ledger runs` and `ledger select` without Typer ------------------------
#
# The listing commands are the ones typed most, in homes of 100,000 runs, and
# Typer costs more than the listing itself: its import, then pydantic and a
# TypeAdapter for each parameter (~100 ms together). Their plain forms are
# parsed here; anything else (-h, --opt=value, -sa, a subcommand, a value
# that starts with '-', a repeated single option) goes to Typer, which stays
# the one authority on help and usage errors. Spellings mirror the Typer
# declarations in cli/runs_cmds.py (a test checks they agree).

_FLAG, _INT, _TEXT, _MANY = "flag", "int", "text", "many"
_FILTER_OPTIONS = {
    "-Fo": ("ops", _MANY), "--filter-op": ("ops", _MANY),
    "-Fl": ("labels", _MANY), "--filter-label": ("labels", _MANY),
    "-Fd": ("digest", _TEXT), "--filter-digest": ("digest", _TEXT),
}  # fmt: skip
PLAIN_OPTIONS = {
    "runs": {
        **_FILTER_OPTIONS,
        "-s": ("simple", _FLAG), "--simplified": ("simple", _FLAG),
        "-a": ("all_", _FLAG), "--all": ("all_", _FLAG),
        "-n": ("limit", _INT), "--limit": ("limit", _INT),
        "-R": ("running", _FLAG), "--running": ("running", _FLAG),
        "-C": ("completed", _FLAG), "--completed": ("completed", _FLAG),
        "-E": ("error", _FLAG), "--error": ("error", _FLAG),
        "-T": ("terminated", _FLAG), "--terminated": ("terminated", _FLAG),
        "-G": ("staged", _FLAG), "--staged": ("staged", _FLAG),
        "-d": ("deleted", _FLAG), "--deleted": ("deleted", _FLAG),
        "--json": ("as_json", _FLAG),
    },
    "select": {**_FILTER_OPTIONS, "--path": ("path", _FLAG), "--attr": ("attr", _TEXT)},
}  # fmt: skip
PLAIN_ARGUMENT = {"runs": None, "select": "run"}  # the one positional parameter, if any
_STATUSES = ("running", "completed", "error", "terminated", "staged")


def parse_plain(command: str, args: list[str]) -> dict | None:
    """`args` of `command` as parameter name -> value, or None when they are
    not in the plain form parsed here (Typer parses them)."""
    options, positional = PLAIN_OPTIONS.get(command), PLAIN_ARGUMENT.get(command)
    if options is None:
        return None
    values: dict = {}
    i = 0
    while i < len(args):
        token = args[i]
        if token in options:
            dest, kind = options[token]
            i += 1
            if kind == _FLAG:
                values[dest] = True
                continue
            if i == len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
            if kind == _MANY:
                values.setdefault(dest, []).append(value)
            elif dest in values or (kind == _INT and not (value.isascii() and value.isdigit())):
                return None
            else:
                values[dest] = int(value) if kind == _INT else value
        elif positional is not None and positional not in values and not token.startswith("-"):
            values[positional] = token
            i += 1
        else:
            return None
    return values


def _plain_main(command: str, values: dict) -> int:
    from ledger.cli import render
    from ledger.home import Home
    from ledger.projections.refs import Filters

    home, get = Home(), values.get
    filters = Filters(ops=tuple(get("ops", ())), labels=tuple(get("labels", ())), digest=get("digest"),
                      statuses=tuple(s for s in _STATUSES if get(s)), deleted=get("deleted", False))  # fmt: skip
    if command == "select":
        from ledger.projections.refs import resolve

        row = resolve(home, get("run"), filters, flags=False)
        _echo(render.selected(home, row, path=get("path", False), attr=get("attr")), sys.stdout)
        return 0
    text, note = render.runs_listing(home, filters, all_=get("all_", False), limit=get("limit"),
                                     simple=get("simple", False), as_json=get("as_json", False))  # fmt: skip
    if text:
        _echo(text, sys.stdout)
    if note:
        _echo(note, sys.stderr)
    return 0


def _echo(text: str, stream) -> None:
    """As Typer's echo: a line, flushed, ANSI codes dropped unless a terminal."""
    if "\033" in text and not stream.isatty():
        import re

        text = re.sub(r"\033\[[;?0-9]*[a-zA-Z]", "", text)
    stream.write(text + "\n")
    stream.flush()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["run"]:
        from ledger.cli.run_cmd import run_main

        return guarded(lambda: run_main(args[1:]))
    if args and (values := parse_plain(args[0], args[1:])) is not None:
        return guarded(lambda: _plain_main(args[0], values))
    return guarded(lambda: _typer_main(args))


def entry() -> None:
    """The `ledger` console script. `ledger run` leaves without the
    interpreter's teardown (about 6 ms, a sixth of a run's start-up budget,
    spent freeing objects the OS frees anyway): by then the run's events
    are fsynced and its files closed; exit handlers still run."""
    code = main()
    if sys.argv[1:2] != ["run"]:
        sys.exit(code)
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: what was lost is lost either way
    os._exit(code)


if __name__ == "__main__":
    entry()
