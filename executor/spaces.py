"""Search-space syntax of flag values, as Guild AI writes it.

A flag value typed as `x=[1,2,3]` is a grid (`Values`), `x=[-1.0:1.0]` a
range an optimizer samples from (`Range`). Named forms follow Guild:
`uniform[a:b]`, `loguniform[a:b]` (alias `log-uniform`), and the sequence
functions `linspace[a:b:n]`, `logspace[a:b:n:base]` and `range[a:b:step]`,
which expand to a grid. An unnamed `[a:b:c]` is a range whose third part is
the optimizer's initial value, as in Guild's skopt support.

The value types and how values print are in ledger.executor.values.
"""

from __future__ import annotations

import math

from ledger.errors import FlagError
from ledger.executor.values import SPACE_SYNTAX, Range, Space, Values, decode, is_int

_RANGE_NAMES = {None: "uniform", "uniform": "uniform", "loguniform": "loguniform", "log-uniform": "loguniform"}
_DEFAULT_LINSPACE_COUNT = 5


def parse_space(text: str) -> Space | None:
    """The space `text` describes, or None when it is a plain value.

    Raises FlagError for space syntax that cannot be used, e.g. `[2:1]`.
    """
    if not isinstance(text, str):
        return None
    m = SPACE_SYNTAX.fullmatch(text.strip())
    if not m:
        return None
    name, body = m.group(1), m.group(2).strip()
    if name is None and _looks_like_list(body):
        return _parse_list(text, body)
    args = _split_top(body, ":")
    if name in _RANGE_NAMES:
        return _parse_range(text, _RANGE_NAMES[name], args)
    if name == "linspace":
        return Values(tuple(_linspace(text, args, log=False)))
    if name == "logspace":
        return Values(tuple(_linspace(text, args, log=True)))
    if name == "range":
        return Values(tuple(_range(text, args)))
    # Any other `name[...]` is an ordinary string value (Guild passes it on).
    return None


def space_to_json(s: Space) -> dict:
    if isinstance(s, Values):
        return {"type": "values", "values": list(s.values)}
    d = {"type": "range", "low": s.low, "high": s.high, "dist": s.dist}
    if s.initial is not None:
        d["initial"] = s.initial
    return d


def space_from_json(d: dict) -> Space:
    kind = d.get("type")
    if kind == "values":
        return Values(tuple(d["values"]))
    if kind == "range":
        return Range(d["low"], d["high"], d.get("dist", "uniform"), d.get("initial"))
    raise FlagError(f"unknown search space type {kind!r} in stored data; expected 'values' or 'range'")


# --- parsing helpers ---------------------------------------------------------


def _looks_like_list(body: str) -> bool:
    # `[a:b]` is a range; anything with a top-level comma, no colon, or empty
    # brackets is a list. A colon inside quotes does not count.
    if not body:
        return True
    return len(_split_top(body, ",")) > 1 or len(_split_top(body, ":")) == 1


def _parse_list(text: str, body: str) -> Values:
    items = [part.strip() for part in _split_top(body, ",")] if body else []
    if not items or any(item == "" for item in items):
        raise FlagError(f"invalid list {text!r}: it needs at least one value and no empty items, e.g. [1, 2]")
    return Values(tuple(decode(item) for item in items))


def _parse_range(text: str, dist: str, args: list[str]) -> Range:
    if len(args) not in (2, 3):
        raise FlagError(f"invalid range {text!r}: expected [LOW:HIGH] or [LOW:HIGH:INITIAL], e.g. [-1.0:1.0]")
    low, high = _number(text, args[0]), _number(text, args[1])
    initial = _number(text, args[2]) if len(args) == 3 else None
    if low >= high:
        raise FlagError(f"invalid range {text!r}: low ({args[0]}) must be less than high ({args[1]})")
    if dist == "loguniform" and low <= 0:
        raise FlagError(f"invalid range {text!r}: loguniform needs a low bound above 0, e.g. loguniform[1e-4:1e-1]")
    if initial is not None and not low <= initial <= high:
        raise FlagError(f"invalid range {text!r}: initial value {args[2]} is outside [{args[0]}:{args[1]}]")
    return Range(low, high, dist, initial)


def _linspace(text: str, args: list[str], log: bool) -> list[float]:
    fname = "logspace" if log else "linspace"
    if len(args) < 2 or len(args) > (4 if log else 3):
        usage = "logspace[START:STOP:COUNT:BASE]" if log else "linspace[START:STOP:COUNT]"
        raise FlagError(f"invalid {fname} {text!r}: expected {usage}, e.g. {fname}[0:1:5]")
    start, stop = _number(text, args[0]), _number(text, args[1])
    count = _number(text, args[2]) if len(args) > 2 else _DEFAULT_LINSPACE_COUNT
    base = _number(text, args[3]) if len(args) > 3 else 10
    if not is_int(count) or count < 1:
        raise FlagError(f"invalid {fname} {text!r}: the count must be a whole number of at least 1")
    if count == 1:
        points = [float(start)]
    else:
        step = (stop - start) / (count - 1)
        points = [start + i * step for i in range(int(count))]
    if log:
        points = [float(base) ** p for p in points]
    return [_clean(p) for p in points]


def _range(text: str, args: list[str]) -> list[float | int]:
    if not 1 <= len(args) <= 3:
        raise FlagError(f"invalid range function {text!r}: expected range[START:STOP:STEP], e.g. range[1:5]")
    nums = [_number(text, a) for a in args]
    start, stop = (0, nums[0] - 1) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) == 3 else (1 if stop >= start else -1)
    if step == 0 or (stop - start) * step < 0:
        raise FlagError(f"invalid range function {text!r}: the step must move from START towards STOP")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > 100_000:
        raise FlagError(f"invalid range function {text!r}: it makes {count} values; use a larger step")
    all_int = all(is_int(n) for n in (start, stop, step))
    return [start + i * step if all_int else _clean(float(start + i * step)) for i in range(count)]


def _number(text: str, arg: str) -> float | int:
    value = decode(arg.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FlagError(f"invalid search space {text!r}: {arg.strip()!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise FlagError(f"invalid search space {text!r}: {arg.strip()!r} is not a finite number")
    return value


def _clean(x: float) -> float:
    # 0.1 * 3 is 0.30000000000000004; users expect the value they would type.
    return float(f"{x:.12g}")


def _split_top(body: str, sep: str) -> list[str]:
    """Split on `sep` outside quotes and nested brackets."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(body):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts
