"""The `ledger` command: Typer app, one error handler, command modules.

Every command parses its arguments, calls one library function and prints.
Library errors (LedgerError) become one line on stderr and a non-zero exit;
this module is the only place that turns exceptions into exit codes.
"""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Track experiment runs on an append-only, hash-chained event log.",
)


def _register() -> None:
    from cli import audit_cmds, run_cmd, runs_cmds

    try:  # TEMP until query_cmds lands
        from cli import query_cmds
    except ImportError:
        query_cmds = None
    for module in filter(None, (run_cmd, runs_cmds, audit_cmds, query_cmds)):
        module.register(app)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"ledger: {message}", err=True)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    from ledger.errors import LedgerError

    _register()
    try:
        code = app(args=argv, prog_name="ledger", standalone_mode=False)
    except LedgerError as e:
        typer.echo(f"ledger: {e}", err=True)
        return e.exit_code
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        typer.echo(f"ledger: {e.strerror or e}{where}; check LEDGER_HOME and the paths given", err=True)
        return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    except Exception as e:
        # usage errors of the (vendored or not) click parser: it prints them
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            return e.exit_code
        raise
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
