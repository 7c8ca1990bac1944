"""`ledger run`: start a run, a batch, or a run from a proto."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "run",
        context_settings={"allow_interspersed_args": True, "ignore_unknown_options": False},
    )(run)


def run(
    args: Optional[list[str]] = typer.Argument(None, metavar="[OP] [FLAG=VALUE]...", show_default=False),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask before running."),
    label: Optional[str] = typer.Option(None, "-l", "--label", help="The run's label."),
    proto: Optional[str] = typer.Option(None, "--proto", help="Start from this run: its op, flags, source, seed."),
    force_sourcecode: bool = typer.Option(False, "--force-sourcecode", help="With --proto: use the project's source."),
    optimizer: Optional[str] = typer.Option(None, "-o", "--optimizer", help="gp, forest, gbrt, random, or + for a grid."),
    opt_flags: Optional[list[str]] = typer.Option(None, "-Fo", "--opt-flag", help="Optimizer flag NAME=VALUE."),
    trials: Optional[int] = typer.Option(None, "--trials", "-m", "--max-trials", help="Most trials in a batch."),
    keep_batch: bool = typer.Option(False, "--keep-batch", help="Keep the batch run after its trials."),
    print_trials: bool = typer.Option(False, "--print-trials", help="Print the batch's trials; run nothing."),
    stage: bool = typer.Option(False, "--stage", help="Plan the run without starting it."),
    stage_trials: bool = typer.Option(False, "--stage-trials", help="Plan a batch's trials without starting them."),
    random_seed: Optional[int] = typer.Option(None, "--random-seed", help="Seed for the run and its batch."),
    workers: int = typer.Option(1, "--workers", help="Run up to N trials at once."),
    fail_on_trial_error: bool = typer.Option(False, "--fail-on-trial-error", help="Stop a batch at a failed trial."),
    show_plan: bool = typer.Option(False, "--plan", help="Print the events the run would append; append nothing."),
) -> None:
    """Run an operation, a script, a batch, or a new run from a proto.

    Example: ledger run train.py lr=0.01 -y
    """
    from executor.runner import Options, plan_request
    from ledger.home import Home

    opts = Options(
        args=list(args or ()),
        project_dir=Path.cwd(),
        label=label,
        proto=proto,
        force_sourcecode=force_sourcecode,
        optimizer=optimizer,
        opt_flags=list(opt_flags or ()),
        trials=trials,
        keep_batch=keep_batch,
        print_trials=print_trials,
        stage=stage,
        stage_trials=stage_trials,
        random_seed=random_seed,
        workers=workers,
        fail_on_trial_error=fail_on_trial_error,
    )
    home = Home()
    plan = plan_request(home, opts)
    for warning in plan.warnings:
        typer.echo(warning, err=True)
    if show_plan:
        typer.echo(plan.render_events())
        return
    if print_trials:
        typer.echo(plan.trials_table())
        return
    if not yes:
        typer.echo(plan.describe())
        if not typer.confirm("Continue?", default=True):
            raise typer.Exit(1)
    raise typer.Exit(plan.execute(home))
