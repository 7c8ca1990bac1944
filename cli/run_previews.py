"""What `ledger run` prints instead of running for Guild's `--help-op`,
`--test-sourcecode` and `--test-output-scalars`: the operation's help, its
source selection, the scalars its output-scalars rules find in a text."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ledger.errors import LedgerError
from ledger.executor import previews
from ledger.executor.runner import Options
from ledger.home import Home


def show(home: Home, opts: Options, help_op: bool, test_sourcecode: bool, output: str | None) -> bool:
    """Print what was asked for; False when nothing was (the run goes on)."""
    if not (help_op or test_sourcecode or output is not None):
        return False
    opdef = previews.operation(home, opts)
    if help_op:
        typer.echo(previews.help_text(opdef))
    elif test_sourcecode:
        typer.echo("\n".join(previews.sourcecode_report(home, opts.project_dir, opdef)))
    else:
        assert output is not None
        typer.echo("\n".join(previews.scalars_report(opdef, read_output(output))))
    return True


def read_output(path: str) -> str:
    """The text of FILE, or of standard input for `-`."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise LedgerError(f"cannot read {path} ({e.strerror}); give a file of output or - for stdin") from None
