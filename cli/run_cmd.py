"""`ledger run`: start a run, a batch, or a run from a proto.

Options keep Guild's spellings. Flags are the plain arguments after the
operation (`lr=0.1`, `x=[1,2]`, `x=-1`) and reach the planner untouched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import typer

from ledger.cli import run_previews
from ledger.cli.command import Commands
from ledger.cli.prompts import go_ahead
from ledger.errors import LedgerError
from ledger.executor import notices, own_output
from ledger.executor.background import planned_spec, start_in_background
from ledger.executor.edit_flags import edited_args
from ledger.executor.previews import commands
from ledger.executor.restart import RestartPlan, plan_restart
from ledger.executor.run_elsewhere import run_in
from ledger.executor.runner import Options, Plan, SinglePlan, flags_of, plan_request
from ledger.home import Home
from ledger.limits import fits_int64, int64_bound

app = Commands()


def int64(value: int | None) -> int | None:
    """An integer option's value, refused when a home could not store it."""
    if value is not None and not fits_int64(value):
        raise typer.BadParameter(f"{value} is out of range (a 64-bit integer, {int64_bound(value)})")
    return value


@app.command("run")
def run(
    args: Optional[list[str]] = typer.Argument(
        None,
        metavar="[OP] [NAME=VALUE]...",
        help="The operation (or a script), then flags as NAME=VALUE; a list [1,2] or a range makes a batch.",
        show_default=False,
    ),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask before running."),
    label: Optional[str] = typer.Option(
        None, "-l", "--label", metavar="TEXT", help="The run's label; ${...} around a flag's name is its value."
    ),
    tags: Optional[list[str]] = typer.Option(None, "-t", "--tag", metavar="TAG", help="Tag the run; repeatable."),
    comment: Optional[str] = typer.Option(None, "-c", "--comment", metavar="TEXT", help="Comment on the run."),
    batch_label: Optional[str] = typer.Option(
        None, "-bl", "--batch-label", metavar="TEXT", help="The batch run's label (not its trials')."
    ),
    batch_tags: Optional[list[str]] = typer.Option(
        None, "-bt", "--batch-tag", metavar="TAG", help="Tag the batch run; repeatable."
    ),
    batch_comment: Optional[str] = typer.Option(
        None, "-bc", "--batch-comment", metavar="TEXT", help="Comment on the batch run."
    ),
    proto: Optional[str] = typer.Option(
        None, "--proto", metavar="RUN", help="Start from this run: its operation, flags, source code and seed."
    ),
    force_sourcecode: bool = typer.Option(
        False, "--force-sourcecode", help="With --proto: use the project's current source code."
    ),
    optimizer: Optional[str] = typer.Option(
        None, "-o", "--optimizer", metavar="NAME", help="gp, forest, gbrt, random, or + for a grid."
    ),
    opt_flags: Optional[list[str]] = typer.Option(
        None, "-Fo", "--opt-flag", metavar="NAME=VALUE", help="An optimizer flag; repeatable."
    ),
    trials: Optional[int] = typer.Option(
        None, "-m", "--trials", "--max-trials", metavar="N", callback=int64, help="The most trials a batch runs."
    ),
    keep_batch: bool = typer.Option(False, "--keep-batch", help="Keep a grid's batch run after its trials."),
    print_trials: bool = typer.Option(False, "--print-trials", help="Print the batch's trials; run nothing."),
    stage: bool = typer.Option(False, "--stage", help="Plan the run without starting it."),
    stage_trials: bool = typer.Option(False, "--stage-trials", help="Plan a batch's trials without starting them."),
    random_seed: Optional[int] = typer.Option(
        None, "--random-seed", metavar="N", callback=int64, help="The seed of the run and of its batch."
    ),
    workers: int = typer.Option(
        1, "--workers", metavar="N", callback=int64, help="Run up to N grid or random trials at once."
    ),
    fail_on_trial_error: bool = typer.Option(
        False, "--fail-on-trial-error", help="Stop a batch at its first failed trial."
    ),
    show_plan: bool = typer.Option(False, "--plan", help="Print the events the run would append; append nothing."),
    keep_run: bool = typer.Option(False, "--keep-run", help="Keep the run of a delete-on-success operation."),
    save_trials: Optional[str] = typer.Option(
        None, "--save-trials", metavar="PATH", help="Save the batch's trials to PATH (.csv, .json, .yaml); run nothing."
    ),
    optimize: bool = typer.Option(
        False, "-O", "--optimize", help="Run a batch with the operation's default optimizer."
    ),
    needed: bool = typer.Option(False, "--needed", help="Run only if no completed run has the same flags."),
    force_flags: bool = typer.Option(
        False, "-f", "--force-flags", help="Accept flags the operation does not define, and values it would refuse."
    ),
    start: Optional[str] = typer.Option(None, "--start", metavar="RUN", help="Start a staged run."),
    restart: Optional[str] = typer.Option(
        None, "--restart", metavar="RUN", help="Run a stopped run again in place; flags given replace its own."
    ),
    background: bool = typer.Option(
        False, "-b", "--background", help="Run in the background; follow it with `ledger watch`."
    ),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No INFO lines from ledger; the run's output still shows."),
    edit_flags: bool = typer.Option(False, "-e", "--edit-flags", help="Edit the flags in $VISUAL or $EDITOR first."),
    run_dir: Optional[str] = typer.Option(
        None, "-d", "--run-dir", metavar="DIR", help="Run in DIR instead, unrecorded: nothing is appended."
    ),
    run_id: Optional[str] = typer.Option(
        None, "--run-id", metavar="ID", help="Start the run (a batch's own run) with this id, 32 hex digits."
    ),
    print_cmd: bool = typer.Option(False, "--print-cmd", help="Print the command the run would start; run nothing."),
    help_op: bool = typer.Option(False, "--help-op", help="Show the operation's help and flags; run nothing."),
    test_sourcecode: bool = typer.Option(
        False, "--test-sourcecode", help="Show the source files a run would copy and why; run nothing."
    ),
    test_output_scalars: Optional[str] = typer.Option(
        None, "--test-output-scalars", metavar="FILE", help="Show the scalars found in FILE (- for stdin); run nothing."
    ),
) -> None:
    """Run an operation, a script, a batch, or a new run from a proto.

    Example: ledger run train.py lr=0.01 -y
    """
    if label is None and tags and not (start or restart):  # as Guild: a new run's tags lead its default label
        label = " ".join(tags) + " ${default_label}"
    opts = Options(
        args=list(args or ()), label=label, proto=proto, force_sourcecode=force_sourcecode, optimizer=optimizer,
        opt_flags=list(opt_flags or ()), trials=trials, keep_batch=keep_batch, print_trials=print_trials,
        stage=stage, stage_trials=stage_trials, random_seed=random_seed, workers=workers,
        fail_on_trial_error=fail_on_trial_error, keep_run=keep_run, save_trials=save_trials, optimize=optimize,
        needed=needed, tags=list(tags or ()), comment=comment, batch_label=batch_label,
        batch_tags=list(batch_tags or ()), batch_comment=batch_comment, force_flags=force_flags, run_id=run_id,
    )  # fmt: skip
    if start and restart:
        raise LedgerError("give --start or --restart, not both")
    if start or restart:
        _check_again(start and "--start" or "--restart", stage=stage or stage_trials, proto=proto, run_id=run_id,
                     previews=help_op or test_sourcecode or test_output_scalars is not None)  # fmt: skip
    if background and (stage or stage_trials):
        raise LedgerError("a staged run does not start: nothing to run in the background; drop -b or --stage")
    home = Home()
    notices.set_quiet(quiet)
    if run_previews.show(home, opts, help_op, test_sourcecode, test_output_scalars):
        return
    if run_dir is not None and (stage or start or restart or background):
        raise LedgerError("--run-dir cannot be used with --stage, --start, --restart or -b: a run in DIR is unrecorded")
    plan: Plan | RestartPlan
    if start or restart:
        if edit_flags:
            raise LedgerError("--edit-flags edits a new run's flags; give --restart the flags to change instead")
        plan = plan_restart(home, start or restart or "", opts, staged=restart is None)
    else:
        plan = plan_request(home, opts)
        if edit_flags:
            opts = replace(opts, args=edited_args(opts.args, flags_of(plan), opts.split_op()[0] or "the script"))
            plan = plan_request(home, opts)
    for warning in plan.warnings:
        typer.echo(warning, err=True)
    if isinstance(plan, SinglePlan):  # as Guild: said, not refused
        for option, given in (("label", batch_label), ("tags", batch_tags), ("comment", batch_comment)):
            if given:
                typer.echo(f"WARNING: the operation is not a batch: its batch {option} is ignored", err=True)
    if show_plan:
        typer.echo(plan.render_events())
        return
    if print_cmd:
        typer.echo("\n".join(commands(plan)))
        return
    if print_trials:
        for line in plan.trials_table():
            typer.echo(line)
        return
    single = plan if isinstance(plan, SinglePlan) else None
    if run_dir is not None and single is None:
        raise LedgerError("--run-dir runs one operation: give each flag one value")
    if not yes:
        typer.echo(plan.describe())
    go_ahead("Continue?", default=True, yes=yes)
    if run_dir is not None and single is not None:
        raise typer.Exit(run_in(home, single.prepared, run_dir))
    if background:
        in_background(home, plan, opts, again=start or restart, staged=restart is None)
        return
    with own_output.broken_pipes_ignored():  # `| tee` gone with a Ctrl-C: the runs are still recorded as ended
        code = plan.execute(home)
    if stage:
        if (spec := planned_spec(plan)) is not None:
            typer.echo(f"{spec.op} staged as {spec.run_id}")
            typer.echo(f"To start it, use 'ledger run --start {spec.run_id}'")
    raise typer.Exit(code)


def _check_again(option: str, *, stage: bool, proto: str | None, run_id: str | None, previews: bool) -> None:
    """Options that describe a new run have no meaning for a run started again."""
    if stage:
        raise LedgerError(f"{option} runs RUN now; --stage and --stage-trials plan a new run: drop them")
    if proto:
        raise LedgerError(f"give {option} RUN or --proto RUN, not both: --proto starts a new run from RUN")
    if run_id:
        raise LedgerError(f"--run-id names a new run; {option} runs RUN under its own id: drop --run-id")
    if previews:
        raise LedgerError(f"--help-op and --test-* describe an operation: give its name instead of {option} RUN")


def in_background(home: Home, plan: Plan | RestartPlan, opts: Options, *, again: str | None, staged: bool) -> None:
    """`plan` planned again and run by a detached process; `again` when it
    starts an existing run (--start or --restart)."""
    spec = planned_spec(plan)
    if spec is None:  # nothing to run
        raise typer.Exit(plan.execute(home))
    run_id, pid = start_in_background(home, opts, (spec.run_id, staged) if again else None)
    typer.echo(f"{spec.op} started in background as {run_id} (pid {pid})")
    typer.echo(f"To follow its output: ledger watch {run_id[:8]}")
