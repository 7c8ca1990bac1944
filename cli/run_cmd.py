"""`ledger run`: start a run, a batch, or a run from a proto.

This one command parses its arguments with argparse instead of Typer: a
run's start-up budget (<= 4x a bare `python script.py`) is smaller than
Typer's import alone, which builds pydantic adapters for every parameter.
`cli.app` hands `ledger run ...` straight here without importing Typer; the
Typer command registered below only forwards to the same parser, so there
is one definition of run's options.
"""

import sys
from pathlib import Path

from executor import spare

EXAMPLE = "Example: ledger run train.py lr=0.01 -y"


# Options after which nothing runs at once: no spare interpreter for them.
NOT_NOW = ("--stage", "--stage-trials", "--print-trials", "--plan", "-h", "--help")


def parser():
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str):  # one line, as every ledger error
            sys.stderr.write(f"ledger run: {message}; see `ledger run --help`\n")
            raise SystemExit(2)

    class _Formatter(argparse.HelpFormatter):
        """argparse builds a formatter for every add_argument, and the default
        one imports shutil (and with it bz2 and lzma) to ask the terminal's
        width: take it from $COLUMNS, as shutil would first."""

        def __init__(self, prog: str) -> None:
            import os

            super().__init__(prog, width=int(os.environ.get("COLUMNS", "100")) - 2)

    p = _Parser(
        prog="ledger run",
        description="Run an operation, a script, a batch, or a new run from a proto.",
        epilog=EXAMPLE,
        formatter_class=_Formatter,
    )
    add = p.add_argument
    add("args", nargs="*", metavar="[OP] [FLAG=VALUE]", help="the operation, then flags as NAME=VALUE")
    add("-y", "--yes", action="store_true", help="do not ask before running")
    add("-l", "--label", help="the run's label")
    add("--proto", metavar="RUN", help="start from this run: its op, flags, source code and seed")
    add("--force-sourcecode", action="store_true", help="with --proto: use the project's current source")
    add("-o", "--optimizer", help="gp, forest, gbrt, random, or + for a grid")
    add("-Fo", "--opt-flag", dest="opt_flags", action="append", default=[], metavar="NAME=VALUE",
        help="an optimizer flag (repeatable)")
    add("-m", "--trials", "--max-trials", dest="trials", type=int, metavar="N", help="most trials in a batch")
    add("--keep-batch", action="store_true", help="keep a grid's batch run after its trials")
    add("--print-trials", action="store_true", help="print the batch's trials; run nothing")
    add("--stage", action="store_true", help="plan the run without starting it")
    add("--stage-trials", action="store_true", help="plan a batch's trials without starting them")
    add("--random-seed", type=int, metavar="N", help="seed for the run and its batch")
    add("--workers", type=int, default=1, metavar="N", help="run up to N grid/random trials at once")
    add("--fail-on-trial-error", action="store_true", help="stop a batch at the first failed trial")
    add("--plan", dest="show_plan", action="store_true", help="print the events the run would append; append nothing")
    return p


def run_main(argv: list[str]) -> int:
    """Parse `ledger run` arguments, plan, confirm, execute; the exit code.
    A run that starts without asking gets its interpreter started first,
    so that start-up overlaps the planning (executor/spare.py)."""
    if ("-y" in argv or "--yes" in argv) and not any(a in NOT_NOW for a in argv):
        spare.prestart()
    try:
        return _run_main(argv)
    finally:
        spare.discard()


def _run_main(argv: list[str]) -> int:
    from executor.runner import Options, plan_request
    from ledger.home import Home

    ns = parser().parse_intermixed_args(argv)
    show_plan, yes = ns.show_plan, ns.yes
    del ns.show_plan, ns.yes
    opts = Options(project_dir=Path.cwd(), **vars(ns))
    home = Home()
    plan = plan_request(home, opts)
    for warning in plan.warnings:
        print(warning, file=sys.stderr)
    if show_plan:
        print(plan.render_events())
        return 0
    if opts.print_trials:
        print(plan.trials_table())
        return 0
    if not yes:
        print(plan.describe())
        if not _confirm("Continue?"):
            return 1
    return plan.execute(home)


def _confirm(question: str) -> bool:
    try:
        answer = input(f"{question} (Y/n) ")
    except EOFError:
        return False
    return answer.strip().lower() in ("", "y", "yes")


def register(app) -> None:
    import typer

    @app.command(
        "run",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        add_help_option=False,
        help=f"Run an operation, a script, a batch, or a new run from a proto. {EXAMPLE}",
    )
    def run(ctx: typer.Context) -> None:
        raise typer.Exit(run_main(list(ctx.args)))
