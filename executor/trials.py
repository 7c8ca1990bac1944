"""Trials of a batch: grid expansion, --max-trials sampling, random search.

Pure functions from flag values (scalars or search spaces) to lists of trial
flag dicts. Randomness comes from `random.Random` seeded per trial from the
batch's seed, so a batch replayed with its proto's seed regenerates exactly
the same trials, and trial i does not depend on how many trials come after.
numpy/skopt are deliberately not used here: this module is on the run path.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from typing import Any

from ledger.errors import FlagError
from ledger.executor.values import Range, Values, format_value

# A grid larger than this is not listed in full without --max-trials: a
# typo such as x=range[1:1000] y=range[1:1000] would otherwise plan millions.
GRID_LIMIT = 10_000


def _axes(flags: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    names = sorted(flags)
    return names, [flags[n].values if isinstance(flags[n], Values) else (flags[n],) for n in names]


def grid_size(flags: dict[str, Any]) -> int:
    """How many trials the grid of `flags` has (without listing them)."""
    return math.prod(len(axis) for axis in _axes(flags)[1])


def grid_at(flags: dict[str, Any], index: int, seed: int | None = None) -> dict[str, Any]:
    """Trial `index` of the grid of `flags` (see `grid`), computed alone."""
    names, axes = _axes(flags)
    combo = []
    for axis in reversed(axes):  # the last name varies fastest
        index, pos = divmod(index, len(axis))
        combo.append(axis[pos])
    return _trial(names, combo[::-1], seed, index)


def iter_grid(flags: dict[str, Any], seed: int | None = None) -> Iterator[dict[str, Any]]:
    """The grid's trials one at a time, in `grid`'s order: memory does not
    grow with the grid's size."""
    names, axes = _axes(flags)
    for index, combo in enumerate(itertools.product(*axes)):
        yield _trial(names, combo, seed, index)


def _trial(names: list[str], combo, seed: int | None, index: int) -> dict[str, Any]:
    rng = _trial_rng(seed, index)
    return {n: _draw(v, rng) if isinstance(v, Range) else v for n, v in zip(names, combo)}


def grid(flags: dict[str, Any], seed: int | None = None) -> list[dict[str, Any]]:
    """Expands every `Values` flag into the cartesian product of trials.

    Flag names are sorted and the first name varies slowest, so
    x=[1,2] y=[3,4] gives (1,3), (1,4), (2,3), (2,4). Scalars pass through
    unchanged. A `Range` (a grid forced with `-o +`) is drawn anew for each
    trial, reproducibly for the same `seed`.
    """
    return list(iter_grid(flags, seed))


def grid_trials(flags: dict[str, Any], max_trials: int | None, seed: int) -> list[dict[str, Any]]:
    """The trials a grid batch runs: all of them, or `max_trials` chosen at
    random (kept in grid order) without listing the whole grid. A grid over
    GRID_LIMIT needs `max_trials`."""
    size = grid_size(flags)
    if max_trials:
        return [grid_at(flags, i, seed) for i in _sample_indices(size, max_trials, seed)]
    if size > GRID_LIMIT:
        dims = " x ".join(str(len(v.values)) for _, v in sorted(flags.items()) if isinstance(v, Values))
        raise FlagError(
            f"this grid has {size:,} trials ({dims}), over {GRID_LIMIT:,}: give --max-trials N to run N of them"
            " chosen at random, or fewer values"
        )
    return grid(flags, seed)


def _sample_indices(size: int, max_trials: int, seed: int) -> list[int]:
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise FlagError(f"--max-trials must be a whole number of at least 1, got {max_trials!r}")
    if max_trials >= size:
        return list(range(size))
    return sorted(random.Random(seed).sample(range(size), max_trials))


def sample(trials: list[dict], max_trials: int, seed: int) -> list[dict]:
    """At most `max_trials` of `trials`, chosen at random, kept in their order
    (the same choice `grid_trials` makes over a grid of that many)."""
    return [trials[i] for i in _sample_indices(len(trials), max_trials, seed)]


def random_trials(flags: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """`n` trials of the `random` optimizer.

    Each trial draws every `Range` (uniform or log-uniform; whole numbers for
    an int range) and picks uniformly from every `Values`; scalars pass
    through. A range's initial value (`[a:b:initial]`) is used by the first
    trial, as Guild does. Trial i is the same for any n > i and the same seed.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise FlagError(f"the number of trials must be a whole number >= 0, got {n!r}")
    require_search_space(flags)
    return [random_trial(flags, seed, i) for i in range(n)]


def random_trial(flags: dict[str, Any], seed: int | None, index: int) -> dict[str, Any]:
    """Trial `index` of a random search over `flags` (see `random_trials`)."""
    rng = _trial_rng(seed, index)
    trial = {}
    for name in sorted(flags):
        value = flags[name]
        if isinstance(value, Range):
            initial = value.initial if index == 0 else None
            trial[name] = _in_type(initial, value) if initial is not None else _draw(value, rng)
        elif isinstance(value, Values):
            if not value.values:
                raise FlagError(f"flag '{name}' has an empty list of values: give at least one")
            trial[name] = rng.choice(value.values)
        else:
            trial[name] = value
    return trial


def require_search_space(flags: dict[str, Any]) -> None:
    """Refuses flags an optimizer cannot search: no range and no list."""
    if not (has_range(flags) or has_values(flags)):
        raise FlagError(
            f"flags for batch ({format_trial(flags)}) do not contain any search dimensions: "
            "give one or more flags a range as NAME=[MIN:MAX]"
        )


def has_range(flags: dict[str, Any]) -> bool:
    return any(isinstance(v, Range) for v in flags.values())


def has_values(flags: dict[str, Any]) -> bool:
    return any(isinstance(v, Values) for v in flags.values())


def format_trial(flags: dict[str, Any]) -> str:
    """`x=1.0, y=2, z=a`: the trial as shown in "Running trial ...: op (...)"."""
    return ", ".join(f"{name}={_shown(flags[name])}" for name in sorted(flags) if flags[name] is not None)


def _shown(value: Any) -> str:
    text = format_value(value)
    # a value with blanks is quoted, as Guild shows `msg='hello 1'`
    if isinstance(value, str) and any(c.isspace() for c in value) and not text.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    return text


def print_table(trials: list[dict[str, Any]]) -> str:
    """The --print-trials table: a `#  x  y` header, one row per trial.

    Columns are left-aligned and two spaces apart, as Guild prints them; a
    flag missing from a trial shows as an empty cell.
    """
    names = sorted({name for trial in trials for name in trial})
    rows = [["#", *names]]
    for index, trial in enumerate(trials, 1):
        rows.append([str(index), *(format_value(trial[n]) if n in trial else "" for n in names)])
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return "\n".join(_row(row, widths) for row in rows)


def grid_table(flags: dict[str, Any], seed: int | None = None) -> Iterator[str]:
    """`print_table` of the whole grid, a line at a time: the widths come
    from the values of each flag, so the first row is out at once however
    many trials there are (a drawn `Range` cell is as wide as it is)."""
    names, axes = _axes(flags)
    header = ["#", *names]
    widths = [len(str(grid_size(flags)))]
    for name, axis in zip(names, axes):
        cells = [format_value(v) for v in axis if not isinstance(v, Range)]
        widths.append(max([len(name), *map(len, cells)]))
    yield _row(header, widths)
    for index, trial in enumerate(iter_grid(flags, seed), 1):
        yield _row([str(index), *(format_value(trial[n]) for n in names)], widths)


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()


def _trial_rng(seed: int | None, index: int) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is stable across
    # processes and Python versions, unlike hash() of a tuple.
    if seed is None:
        return random.Random()
    return random.Random(f"{seed}/{index}")


def _in_type(value: int | float, space: Range) -> int | float:
    return int(value) if space.is_int else float(value)


def _draw(space: Range, rng: random.Random) -> int | float:
    low, high = space.low, space.high
    if low > high:
        raise FlagError(f"range [{low}:{high}] has its bounds reversed: write [{high}:{low}]")
    log = space.dist == "loguniform"
    if log and low <= 0:
        raise FlagError(f"loguniform[{low}:{high}] needs bounds above 0: raise the lower bound")
    if space.is_int:
        if not log:
            return rng.randint(int(low), int(high))
        # Log-uniform over the whole numbers low..high: each integer k takes
        # the slice [log k, log(k+1)) of the log scale.
        drawn = math.floor(math.exp(rng.uniform(math.log(low), math.log(high + 1))))
        return min(max(drawn, low), high)
    if log:
        sample = math.exp(rng.uniform(math.log(low), math.log(high)))
        return min(max(sample, float(low)), float(high))
    return rng.uniform(float(low), float(high))
