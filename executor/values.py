"""Flag values as a user writes them, with Guild AI's semantics.

`decode` reads a typed value from text like a YAML 1.1 scalar, with Guild's
exceptions (`1_2_3` and short run ids like `12e3` stay strings);
`format_value` writes a value back so that it reads the same. A value may
also be a search space: `Values` (a grid, `[1, 2, 3]`) or `Range` (an
interval, `[-1.0:1.0]`), parsed by ledger.executor.spaces.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ledger.errors import FlagError
from ledger.limits import INT64_MAX, INT64_MIN, fits_int64, int64_bound

_INT = re.compile(r"[-+]?\d+")
_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_SHORT_ID = re.compile(r"\d+e\d+")  # Guild keeps run-id-like `12e3` a string
_TRUE = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULL = {"null", "Null", "NULL", "~"}
_SPECIAL_FLOATS = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
# `[...]` and `name[...]`: the shape of every search space (see spaces.parse_space)
SPACE_SYNTAX = re.compile(r"([A-Za-z_][\w.\-]*)?\[(.*)\]", re.S)
SPACE_NAMES = {None, "uniform", "loguniform", "log-uniform", "linspace", "logspace", "range"}


@dataclass(frozen=True)
class Values:
    """A grid: the flag takes each value in turn (or an optimizer picks one)."""

    values: tuple


@dataclass(frozen=True)
class Range:
    """A continuous (or, with int bounds, integer) interval to sample from."""

    low: float | int
    high: float | int
    dist: str = "uniform"  # "uniform" | "loguniform"
    initial: float | int | None = None

    @property
    def is_int(self) -> bool:
        return is_int(self.low) and is_int(self.high)


Space = Values | Range


def is_space(value: Any) -> bool:
    return isinstance(value, (Values, Range))


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def decode(text: Any) -> Any:
    """A typed value from how a user writes it: `2` -> 2, `yes` -> True..."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    if is_quoted(s):
        return unquote(s)
    if _INT.fullmatch(s) and "_" not in s:
        # checked before int(): Python refuses to convert more than 4300 digits
        digits = s.lstrip("+-").lstrip("0") or "0"
        n = int(s[0] + digits if s[0] == "-" else digits) if len(digits) <= 19 else None
        if n is None or not fits_int64(n):
            shown = s if len(s) <= 40 else f"{s[:20]}...({len(s)} characters)"
            negative = s.startswith("-")
            bound = int64_bound(INT64_MIN - 1 if negative else INT64_MAX + 1)
            raise FlagError(
                f"{shown} is too {'small' if negative else 'large'} for an integer flag value (64 bits, {bound});"
                f" write it as a float ({float(s)!r}) or quote it as text"
            )
        return n
    if _FLOAT.fullmatch(s) and not (_SHORT_ID.fullmatch(s) and 3 <= len(s) <= 32):
        return float(s)
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    if s in _NULL:
        return None
    if s in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[s]
    return text


def format_value(v: Any) -> str:
    """How a value prints, Guild style: 1.0 -> 1.0, True -> yes, None -> null."""
    if v is None:
        return "null"
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if is_space(v):
        return format_space(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {format_value(x)}" for k, x in v.items()) + "}"
    s = str(v)
    # Quote a string only when it would otherwise read back as something else.
    if s == "" or decode(s) != s or _reads_as_space(s):
        return "'" + s.replace("'", "''") + "'"
    return s


def format_space(s: Space) -> str:
    """The space in the user's syntax: `[1, 2]`, `[-1.0:1.0]`, `loguniform[0.0001:0.1]`."""
    if isinstance(s, Values):
        return "[" + ", ".join(format_value(v) for v in s.values) + "]"
    parts = [format_value(s.low), format_value(s.high)]
    if s.initial is not None:
        parts.append(format_value(s.initial))
    prefix = "" if s.dist == "uniform" else s.dist
    return f"{prefix}[{':'.join(parts)}]"


def is_quoted(s: str) -> bool:
    return len(s) >= 2 and s[0] == s[-1] and s[0] in "'\""


def unquote(s: str) -> str:
    inner = s[1:-1]
    return inner.replace("''", "'") if s[0] == "'" else inner.replace('\\"', '"')


def _reads_as_space(s: str) -> bool:
    # a known space's syntax either parses or is refused: either way not a plain string
    m = SPACE_SYNTAX.fullmatch(s.strip())
    return m is not None and m.group(1) in SPACE_NAMES
