"""What a batch is: its trial flags (values or search spaces), its
optimizer (a grid, or one of ledger.executor.optimizers, possibly declared
in the project file) and that optimizer's flags, as recorded in the batch
run's RunCreated params so a proto of it replays the same search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import FlagError
from ledger.executor import optimizer_specs, optimizers
from ledger.executor.opdef import OpDef
from ledger.executor.plan import Flag
from ledger.executor.spaces import space_from_json, space_to_json
from ledger.executor.values import Range, Values, is_space

GRID = "+"


@dataclass(frozen=True)
class BatchSpec:
    """Everything a batch is, as given or replayed from a proto."""

    flags: dict[str, Flag]  # trial flags: values may be Values/Range spaces
    optimizer: str  # "+" for a grid, else an optimizer name (gp, forest, gbrt, random)
    opt_flags: dict[str, Any]  # resolved
    opt_flags_given: dict[str, Any]
    trials: int | None  # None: a grid's full size, or the optimizer default
    keep_batch: bool
    workers: int = 1
    fail_on_trial_error: bool = False
    stage_trials: bool = False
    file_trials: tuple | None = None  # trials read from batch files (@trials.csv), flag values typed
    implied: bool = False  # a random search no optimizer was named for: deleted after success, as a grid

    def params(self) -> dict[str, Any]:
        return {
            "batch": {
                "flags": {
                    n: {"space": space_to_json(f.value)}
                    if is_space(f.value)
                    else {"value": f.value, "origin": f.origin}
                    for n, f in sorted(self.flags.items())
                },
                "optimizer": self.optimizer,
                "opt_flags": self.opt_flags_given,
                "trials": self.trials,
                "keep_batch": self.keep_batch,
                **({"file_trials": list(self.file_trials)} if self.file_trials is not None else {}),
            }
        }


def flags_from_params(params: dict[str, Any]) -> dict[str, Any]:
    """A batch proto's trial flags: name -> value or space."""
    out = {}
    for name, entry in params["batch"]["flags"].items():
        out[name] = space_from_json(entry["space"]) if "space" in entry else entry["value"]
    return out


def default_optimizer(opdef: OpDef) -> str:
    """-O/--optimize: the operation's default optimizer (`default: yes`,
    the single `optimizer:`, or the only one declared)."""
    declared = opdef.optimizers
    marked = [n for n, d in declared.items() if d.get("default")]
    if marked:
        return marked[0]
    if len(declared) == 1:
        return next(iter(declared))
    raise FlagError(
        f"operation '{opdef.name}' has no default optimizer for --optimize; "
        "mark one `default: yes` in guild.yml or name one with -o"
    )


def choose_optimizer(opdef: OpDef, given: str | None, flags: dict[str, Flag]) -> tuple[str, dict[str, Any]]:
    """The optimizer name and the operation's declared flags for it."""
    declared = opdef.optimizers
    if given is None:
        if not any(isinstance(f.value, Range) for f in flags.values()):
            return GRID, {}
        defaults = [n for n, d in declared.items() if d.get("default")]
        if defaults:
            given = defaults[0]
        else:
            return "random", {}
    if given == GRID:
        return GRID, {}
    if given in declared:
        entry = declared[given]
        return optimizer_specs.get(entry.get("algorithm") or given).name, dict(entry.get("flags") or {})
    return optimizer_specs.get(given).name, {}


def make_spec(
    opdef: OpDef, flags: dict[str, Flag], optimizer: str | None, opt_given: dict[str, Any], n: int | None, **kw
) -> BatchSpec:
    if n is not None and n < 1:
        raise FlagError(f"--trials must be 1 or more, got {n}")
    implied = optimizer is None
    name, declared = choose_optimizer(opdef, optimizer, flags)
    kw.setdefault("implied", implied and name == "random" and not declared)
    if name != GRID:
        flags = {fname: _searched_choices(opdef, fname, f) for fname, f in flags.items()}
    spaced = {k: f.value for k, f in flags.items()}
    if name == GRID:
        if opt_given:
            raise FlagError("a grid takes no optimizer flags (-Fo); choose an optimizer with -o")
        opt_flags: dict[str, Any] = {}
    else:
        opt_flags = optimizer_specs.resolve_flags(optimizer_specs.get(name), opt_given, declared)
        if optimizer_specs.get(name).estimator is not None:
            optimizers.dimensions(spaced)  # no search dimension -> a clear error now, not mid-batch
    for fname, f in flags.items():
        flagdef = opdef.flags.get(fname)
        if isinstance(f.value, Range) and flagdef is not None and flagdef.choices:
            raise FlagError(f"flag '{fname}' takes one of its choices; give a list like {fname}=[a,b], not a range")
    return BatchSpec(flags=flags, optimizer=name, opt_flags=opt_flags, opt_flags_given=opt_given, trials=n, **kw)


def _searched_choices(opdef: OpDef, name: str, flag: Flag) -> Flag:
    """An optimizer searches a flag's choices when no value was given for it."""
    flagdef = opdef.flags.get(name)
    if flag.origin != "default" or flagdef is None or not flagdef.choices or is_space(flag.value):
        return flag
    return Flag(Values(tuple(flagdef.choices)), flag.origin)
