"""The optimizers a batch can name, and their flags.

Guild's optimizers are the model: the same names and aliases (`gp`,
`bayesian`, `skopt:forest`...), the same optimizer flags and defaults, each
value checked where it is given (`-Fo` or the project file) rather than
when skopt would trip over it mid-batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from ledger.errors import FlagError
from ledger.executor.values import decode, format_value

ACQ_FUNCS = ("LCB", "EI", "PI", "gp_hedge")
PREV_TRIALS = ("batch", "sourcecode", "operation")


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer: its canonical name, the suffix of its batch's op name
    (`echo+skopt:gp`), and its flags with their defaults (read-only)."""

    name: str
    op_suffix: str
    flags: Mapping[str, Any]
    estimator: str | None = None  # skopt surrogate: "GP", "ET", "GBRT"; None = random
    acq_func: str = "EI"  # used when the optimizer has no acq-func flag
    aliases: tuple[str, ...] = ()


def _spec(name: str, op_suffix: str, flags: dict, **kw: Any) -> OptimizerSpec:
    return OptimizerSpec(name, op_suffix, MappingProxyType(flags), **kw)


_TREE_FLAGS = {"kappa": 1.96, "prev-trials": "batch", "random-starts": 3, "xi": 0.05}
_SPECS = (
    _spec(
        "gp",
        "+skopt:gp",
        {"acq-func": "gp_hedge", "noise": "gaussian", **_TREE_FLAGS},
        estimator="GP",
        aliases=("skopt:gp", "bayesian", "gaussian"),
    ),
    _spec("forest", "+skopt:forest", dict(_TREE_FLAGS), estimator="ET", aliases=("skopt:forest",)),
    _spec("gbrt", "+skopt:gbrt", dict(_TREE_FLAGS), estimator="GBRT", aliases=("skopt:gbrt",)),
    _spec("random", "+random", {}, aliases=("skopt:random",)),
)
_BY_NAME = {alias: spec for spec in _SPECS for alias in (spec.name, *spec.aliases)}


def get(name: str) -> OptimizerSpec:
    """The optimizer called `name` (or one of its aliases)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        choices = ", ".join(spec.name for spec in _SPECS)
        raise FlagError(f"unknown optimizer '{name}' (choose {choices})") from None


def resolve_flags(
    spec: OptimizerSpec, given: Mapping[str, Any], declared: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The optimizer's flags: defaults <- the operation's declared values <- -Fo values.

    -Fo values arrive as strings and are decoded ("1" -> 1, "1.5" -> 1.5).
    Every value is checked. A -Fo flag the optimizer does not take is an
    error; a declared one is skipped, because a project file's optimizer
    entry may carry flags for another algorithm (Guild's own sample declares
    `noise` for `forest`).
    """
    resolved = dict(spec.flags)
    for name, value in (declared or {}).items():
        if name in spec.flags:
            resolved[name] = _checked(spec, name, _decode(value), "the project file")
    for name, value in given.items():
        if name not in spec.flags:
            raise FlagError(_unknown_flag_message(spec, name))
        resolved[name] = _checked(spec, name, _decode(value), "-Fo")
    return resolved


def label(opt_flags: Mapping[str, Any]) -> str:
    """`acq-func=gp_hedge kappa=1.96 ...`: the batch run's label, names sorted."""
    return " ".join(f"{name}={format_value(opt_flags[name])}" for name in sorted(opt_flags))


def option(spec: OptimizerSpec, opt_flags: Mapping[str, Any], name: str) -> Any:
    """The value of optimizer flag `name`: as resolved, else its default."""
    return opt_flags.get(name, spec.flags.get(name))


def _decode(value: Any) -> Any:
    return decode(value) if isinstance(value, str) else value


def _checked(spec: OptimizerSpec, name: str, value: Any, source: str) -> Any:
    def bad(expected: str) -> FlagError:
        return FlagError(
            f"{source} sets {spec.name} flag {name}={value!r}, but it must be {expected}"
        )

    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "random-starts":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not is_number or not isinstance(value, int) or value < 0:
            raise bad("a whole number >= 0")
        return value
    if name in ("kappa", "xi"):
        if not is_number or not math.isfinite(value) or value < 0:
            raise bad("a number >= 0")
        return float(value)
    if name == "noise":
        if value == "gaussian":
            return value
        if not is_number or not math.isfinite(value) or value < 0:
            raise bad("'gaussian' or a noise variance >= 0")
        return float(value)
    if name == "acq-func":
        match = [c for c in ACQ_FUNCS if isinstance(value, str) and c.lower() == value.lower()]
        if not match:
            raise bad("one of " + ", ".join(ACQ_FUNCS))
        return match[0]
    if name == "prev-trials":
        if value not in PREV_TRIALS:
            raise bad("one of " + ", ".join(PREV_TRIALS))
        return value
    return value


def _unknown_flag_message(spec: OptimizerSpec, name: str) -> str:
    if not spec.flags:
        return f"optimizer {spec.name} takes no flags: remove -Fo {name}=..."
    allowed = ", ".join(sorted(spec.flags))
    return f"optimizer {spec.name} has no flag '{name}' (use one of {allowed})"
