"""The last, min and max of each metric of a run, folded from its events:
per-point `ScalarLogged` events and `ScalarsLogged` batches alike."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ledger.events import Event, ScalarLogged, ScalarsLogged
from ledger.scalar_columns import decode


@dataclass
class Summary:
    """One scalar of a run: its last value (at `step`), lowest, highest and count."""

    last: float
    step: int  # the step of the last value
    min: float
    max: float
    count: int


def run_points(events: Iterable[Event], read_blob: Callable[[str], bytes]) -> Iterator[tuple[str, int, float]]:
    """(key, step, value) of every point of a run, in the order recorded."""
    for ev in events:
        d = ev.data
        if isinstance(d, ScalarLogged):
            yield d.key, d.step, d.value
        elif isinstance(d, ScalarsLogged):
            try:
                key_index, steps, values, _ = decode(read_blob(d.blob))
            except (ValueError, OSError):
                continue  # purged or damaged: `verify` reports it
            keys = d.keys
            for i, step, value in zip(key_index, steps, values):
                if i < len(keys):
                    yield keys[i], step, value


def summarize(events: Iterable[Event], read_blob: Callable[[str], bytes]) -> dict[str, Summary]:
    """key -> Summary; NaN counts as a point and can be the last value, but
    is never the min or max of a metric that has numbers."""
    out: dict[str, Summary] = {}
    for key, step, value in run_points(events, read_blob):
        s = out.get(key)
        if s is None:
            out[key] = Summary(value, step, value, value, 1)
            continue
        s.last, s.step, s.count = value, step, s.count + 1
        if value < s.min or math.isnan(s.min):
            s.min = value
        if value > s.max or math.isnan(s.max):
            s.max = value
    return out
