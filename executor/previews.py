"""What `ledger run` shows instead of running, as Guild's options do:
`--print-cmd`, `--help-op`, `--test-sourcecode` and `--test-output-scalars`.
Each reads the project (or a proto) and appends nothing."""

from __future__ import annotations

import os
import shlex
from typing import Any

from ledger import verified
from ledger.errors import LedgerError
from ledger.executor import plan as planning
from ledger.executor import sourcecode
from ledger.executor.batch import BatchPlan
from ledger.executor.batch_spec import GRID
from ledger.executor.opdef import FlagDef, OpDef
from ledger.executor.replay import read_proto
from ledger.executor.run import resolve_opdef
from ledger.executor.scalars import ScalarParser, expand
from ledger.executor.values import format_value
from ledger.home import Home
from ledger.projections.refs import resolve_id


def operation(home: Home, opts: Any) -> OpDef:
    """The operation `opts` (runner.Options) names, or its proto's."""
    op, _ = opts.split_op()
    if opts.proto and not op:
        return OpDef.from_dict(read_proto(verified.stream(home.store, resolve_id(home, opts.proto))).data.opdef)
    return resolve_opdef(home, opts.project_dir, op)


# -- --print-cmd ---------------------------------------------------------------


def commands(plan: Any) -> list[str]:
    """The command line of each process the plan would start: a batch's
    trials one by one (a grid's, or random's drawn with the batch's seed)."""
    if isinstance(plan, BatchPlan):
        b = plan.batch
        if b.optimizer not in (GRID, "random") and b.file_trials is None:
            raise LedgerError(
                f"{b.optimizer} proposes each trial from the ones before: their commands cannot be printed in"
                " advance; --print-cmd works for grids and -o random"
            )
        base = plan.base.spec.flag_values
        return [line for values in plan.grid_trials() for line in command(plan.base.spec.opdef, {**base, **values})]
    prepared = getattr(plan, "prepared", None)
    spec = prepared.spec if prepared is not None else getattr(plan, "spec", None)  # a run started again has its own
    if spec is None or spec.opdef.steps is not None:
        raise LedgerError("--print-cmd needs an operation that starts a process; a pipeline's steps are runs apart")
    return command(spec.opdef, spec.flag_values)


def command(opdef: OpDef, values: dict[str, Any]) -> list[str]:
    """The argv, shell-quoted; flags that reach a Python script's globals
    travel on a pipe, not in the argv, so they follow as a comment."""
    lines = [shlex.join(planning.command(opdef, values))]
    if opdef.flags_in_code and values:
        shown = " ".join(f"{name}={format_value(v)}" for name, v in sorted(values.items()) if v is not None)
        lines.append(f"# set in the script: {shown}")
    return lines


# -- --help-op ------------------------------------------------------------------


def help_text(opdef: OpDef) -> str:
    lines = [f"Usage: ledger run [OPTIONS] {opdef.name} [FLAG=VALUE]...", ""]
    if opdef.description:
        lines += [opdef.description.strip(), ""]
    lines.append("Use 'ledger run --help' for a list of options.")
    if opdef.flags:
        width = max(len(name) for name in opdef.flags)
        lines += ["", "Flags:"]
        for name, flagdef in sorted(opdef.flags.items()):
            lines.append(f"  {name:<{width}}  {_flag_help(flagdef)}".rstrip())
            if flagdef.choices:
                lines.append(f"  {'':<{width}}  Choices: {', '.join(format_value(c) for c in flagdef.choices)}")
    return "\n".join(lines)


def _flag_help(flagdef: FlagDef) -> str:
    notes = []
    if flagdef.required:
        notes.append("required")
    elif flagdef.default is not None:
        notes.append(f"default is {format_value(flagdef.default)}")
    if flagdef.min is not None or flagdef.max is not None:
        low = "" if flagdef.min is None else format_value(flagdef.min)
        high = "" if flagdef.max is None else format_value(flagdef.max)
        notes.append(f"from {low} to {high}" if low and high else f"at least {low}" if low else f"at most {high}")
    words = [flagdef.description.strip().splitlines()[0]] if flagdef.description.strip() else []
    return " ".join([*words, *([f"({'; '.join(notes)})"] if notes else [])])


# -- --test-sourcecode ------------------------------------------------------------


def sourcecode_report(home: Home, project_dir: str, opdef: OpDef) -> list[str]:
    """Where source code is copied from, the rules in the order applied
    (the last rule matching a file decides), the files selected, and the
    files passed over with the reason."""
    root = opdef.sourcecode_root
    selection = sourcecode.select_explained(project_dir, opdef.sourcecode, skip_dirs=(home.path,), root=root)
    where = os.path.join(project_dir, root) if root else project_dir
    lines = [f"Copying from {'the current directory' if os.path.samefile(where, os.getcwd()) else where}", "Rules:"]
    lines += [f"  {rule}" for rule in sourcecode.describe_rules(project_dir, opdef.sourcecode, root)]
    lines.append("Selected for copy:")
    lines += [f"  ./{rel}" for rel in selection.files]
    if selection.skipped:
        lines.append("Skipped:")
        lines += [f"  ./{rel}: {why}" for rel, why in sorted(selection.skipped.items())]
    return lines


# -- --test-output-scalars ----------------------------------------------------------


def scalars_report(opdef: OpDef, text: str) -> list[str]:
    """The operation's output-scalars patterns, then each line of `text`
    that yields scalars with what it yields, as a run would record them."""
    lines = ["Patterns:"]
    if opdef.output_scalars is None:
        lines.append("  (Guild's default: `key: value` lines; keys that are flags are skipped)")
    for key, pattern in opdef.output_scalars or ():
        lines.append(f"  {key or '(named groups)'}: {expand(pattern)}")
    parser = ScalarParser(opdef.output_scalars, ignore=set(opdef.flags))
    found = 0
    for line in text.splitlines():
        scalars = parser.feed(line)
        if not scalars:
            continue
        lines.append(line)
        lines += [f"  {key}: {format_value(value)} (step {step})" for key, value, step in scalars]
        found += len(scalars)
    lines.append(f"{found} scalar(s) found")
    return lines
