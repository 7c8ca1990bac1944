"""`ledger run`: start a run, a batch, or a run from a proto.

This one command is parsed without Typer: a run's start-up budget (<= 4x a
bare `python script.py`) is smaller than Typer's import alone, which builds
pydantic adapters for every parameter. `ledger.cli.app` hands `ledger run ...`
straight here. OPTIONS is the one definition of run's options: the plain
forms (each option spelled out, its value the next argument) are parsed
here directly, anything else (help, `--opt=value`, abbreviations, a value
that starts with '-') by argparse, which stays the authority on help and
usage errors; a test checks the two agree. The Typer command registered
below only forwards here.
"""

import os
import sys

EXAMPLE = "Example: ledger run train.py lr=0.01 -y"

FLAG, TEXT, INT, MANY = "flag", "text", "int", "many"
# spellings, dest, kind, metavar, help
OPTIONS = (
    (("-y", "--yes"), "yes", FLAG, None, "do not ask before running"),
    (("-l", "--label"), "label", TEXT, None, "the run's label"),
    (("--proto",), "proto", TEXT, "RUN", "start from this run: its op, flags, source code and seed"),
    (("--force-sourcecode",), "force_sourcecode", FLAG, None, "with --proto: use the project's current source"),
    (("-o", "--optimizer"), "optimizer", TEXT, None, "gp, forest, gbrt, random, or + for a grid"),
    (("-Fo", "--opt-flag"), "opt_flags", MANY, "NAME=VALUE", "an optimizer flag (repeatable)"),
    (("-m", "--trials", "--max-trials"), "trials", INT, "N", "most trials in a batch"),
    (("--keep-batch",), "keep_batch", FLAG, None, "keep a grid's batch run after its trials"),
    (("--print-trials",), "print_trials", FLAG, None, "print the batch's trials; run nothing"),
    (("--stage",), "stage", FLAG, None, "plan the run without starting it"),
    (("--stage-trials",), "stage_trials", FLAG, None, "plan a batch's trials without starting them"),
    (("--random-seed",), "random_seed", INT, "N", "seed for the run and its batch"),
    (("--workers",), "workers", INT, "N", "run up to N grid/random trials at once"),
    (("--fail-on-trial-error",), "fail_on_trial_error", FLAG, None, "stop a batch at the first failed trial"),
    (("--plan",), "show_plan", FLAG, None, "print the events the run would append; append nothing"),
)
DEFAULTS = {"args": [], **{dest: {FLAG: False, MANY: []}.get(kind) for _, dest, kind, _, _ in OPTIONS}, "workers": 1}
_SPELLINGS = {name: (dest, kind) for names, dest, kind, _, _ in OPTIONS for name in names}

def parse(argv: list[str]) -> dict:
    """`ledger run` arguments as dest -> value."""
    values = parse_plain(argv)
    return values if values is not None else vars(parser().parse_intermixed_args(argv))


def parse_plain(argv: list[str]) -> dict | None:
    """The plain forms of the arguments, or None for argparse to parse."""
    values = {k: list(v) if isinstance(v, list) else v for k, v in DEFAULTS.items()}
    tokens = iter(argv)
    for token in tokens:
        if not token.startswith("-"):
            values["args"].append(token)
            continue
        if token not in _SPELLINGS:
            return None
        dest, kind = _SPELLINGS[token]
        if kind == FLAG:
            values[dest] = True
            continue
        value = next(tokens, None)
        if value is None or value.startswith("-") or (kind == INT and not _plain_int(value)):
            return None
        if kind == MANY:
            values[dest].append(value)
        else:
            values[dest] = int(value) if kind == INT else value
    return values


def _plain_int(value: str) -> bool:
    from ledger.limits import fits_int64

    return value.isascii() and value.isdigit() and fits_int64(int(value))


def _int64(value: str) -> int:
    """argparse's type for an integer option: an int a home can store."""
    import argparse

    from ledger.limits import fits_int64

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {value!r}") from None
    if not fits_int64(n):
        raise argparse.ArgumentTypeError(f"{value} is out of range (a 64-bit integer, at most 9223372036854775807)")
    return n


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
            super().__init__(prog, width=int(os.environ.get("COLUMNS", "100")) - 2)

    p = _Parser(
        prog="ledger run",
        description="Run an operation, a script, a batch, or a new run from a proto.",
        epilog=EXAMPLE,
        formatter_class=_Formatter,
    )
    p.add_argument("args", nargs="*", metavar="[OP] [FLAG=VALUE]", help="the operation, then flags as NAME=VALUE")
    actions = {FLAG: {"action": "store_true"}, TEXT: {}, INT: {"type": _int64}, MANY: {"action": "append"}}
    for names, dest, kind, metavar, help_ in OPTIONS:
        extra = {"metavar": metavar} if metavar else {}
        p.add_argument(*names, dest=dest, help=help_, default=DEFAULTS[dest], **actions[kind], **extra)
    return p


def run_main(argv: list[str]) -> int:
    """Parse `ledger run` arguments, plan, confirm, execute; the exit code."""
    from ledger.executor.runner import Options, plan_request
    from ledger.home import Home

    values = parse(argv)
    show_plan, yes = values.pop("show_plan"), values.pop("yes")
    opts = Options(project_dir=os.getcwd(), **values)  # a str: no pathlib on the run's import path
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
