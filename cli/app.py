"""The `ledger` command: one entry point, one error handler.

Every command parses its arguments, calls one library function and prints.
Library errors (LedgerError) become one line on stderr and a non-zero exit;
`main` is the only place that turns exceptions into exit codes.
`ledger run` skips Typer entirely (see cli/run_cmd.py): its start-up is
measured against a bare `python script.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def build_app():
    import typer

    from cli import audit_cmds, query_cmds, run_cmd, runs_cmds

    app = typer.Typer(
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="Track experiment runs on an append-only, hash-chained event log.",
    )
    for module in (run_cmd, runs_cmds, audit_cmds, query_cmds):
        module.register(app)
    return app


def _typer_main(argv: list[str]) -> int:
    import typer

    try:
        code = build_app()(args=argv, prog_name="ledger", standalone_mode=False)
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["run"]:
        from cli.run_cmd import run_main

        return guarded(lambda: run_main(args[1:]))
    return guarded(lambda: _typer_main(args))


if __name__ == "__main__":
    sys.exit(main())
