"""Output scalars: numbers a run prints, picked out line by line.

Patterns follow Guild AI (OpDef.output_scalars, normalised by project.py
into (key, regex) pairs):

- (key, regex): the regex's one group is the value of scalar `key`; the key
  `step` sets the step of the scalars that follow instead of being logged.
- (None, regex): named groups name scalars (`(?P<loss>\\value)`), except the
  groups `key`/`value`/`step`; without named groups, group 1 is the key,
  group 2 the value and an optional group 3 the step.

Guild's macros expand inside patterns: `\\key` (`\\name`), `\\value`, `\\step`.
With no patterns (None) Guild's default applies: `key: value` lines, with an
optional `(step)` after the value, ignoring the keys in `ignore` (the run's
flag names, which scripts often echo). A key seen again at the same step
advances the step by one, until the output states a step explicitly.

A step is an int64 in the index, read exactly from its digits (through a
float, 9223372036854775807 would round out of range). A printed step that is
a number but no int64 (1e23, inf) is not recorded: the scalars after it keep
the step they had, and the run is warned once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ledger.errors import ProjectError
from ledger.limits import fits_int64, is_digits

_MACROS = {
    r"\key": r"[^ \t]+",
    r"\name": r"[^ \t]+",
    r"\value": r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)",
    r"\step": r"\d+",
}
DEFAULT_PATTERNS = ((None, r"^(\key):\s+(\value)(?:\s+\((\step)\))?\s*$"),)
# The default pattern over many lines at once (re.MULTILINE): the same
# match, but neither the key nor the spaces may run into the next line.
_DEFAULT_OVER_LINES = re.compile(
    r"^([^ \t\n]+):[^\S\n]+(" + _MACROS[r"\value"] + r")(?:[^\S\n]+\((\d+)\))?[^\S\n]*$", re.MULTILINE
)
_RESERVED_GROUPS = {"key", "value", "step"}


def expand(pattern: str) -> str:
    for macro, regex in _MACROS.items():
        pattern = pattern.replace(macro, regex)
    return pattern


def check_pattern(key: str | None, pattern: Any) -> str | None:
    """Why (key, pattern) cannot be used, or None when it can."""
    if not isinstance(pattern, str):
        return f"pattern for {key or 'scalars'} must be a string, got {pattern!r}"
    try:
        compiled = re.compile(expand(pattern))
    except re.error as e:
        return f"invalid pattern {pattern!r}: {e}; fix the regular expression"
    if key is not None and compiled.groups != 1:
        return f"pattern {pattern!r} for '{key}' must have exactly one capture group, e.g. '{key}: (\\value)'"
    if key is None and compiled.groups < 2 and not set(compiled.groupindex) - _RESERVED_GROUPS:
        return f"pattern {pattern!r} needs named groups or (key)(value) groups, e.g. '(\\key)=(\\value)'"
    return None


def normalize_output_scalars(v: Any, where: str) -> tuple | None:
    """A project file's `output-scalars` as (key-or-None, regex) pairs; None
    for the default patterns, () when disabled (`no`)."""
    if v is None:
        return None
    if v is False:
        return ()
    items: list[tuple[str | None, Any]] = []
    for entry in v if isinstance(v, list) else [v]:
        if isinstance(entry, dict):
            items.extend((str(k), p) for k, p in entry.items())
        elif isinstance(entry, str):
            items.append((None, entry))
        else:
            raise ProjectError(f"{where}: output-scalars: {entry!r} is neither a pattern nor a map of key: pattern")
    for key, pattern in items:
        problem = check_pattern(key, pattern)
        if problem:
            raise ProjectError(f"{where}: output-scalars: {problem}")
    return tuple(items)


class ScalarParser:
    def __init__(self, patterns: tuple | None, ignore: tuple | set | frozenset = (),
                 warn: Callable[[str], None] | None = None) -> None:  # fmt: skip
        """`warn` is told, once, of the first printed step that cannot be
        recorded."""
        default = patterns is None
        # compiled at the first line: a run that prints nothing compiles nothing
        self._sources: tuple = DEFAULT_PATTERNS if default or patterns is None else patterns
        self._patterns: list | None = None
        # Guild's default pattern is `key: value`: a line without ':' never matches it
        self._needs_colon = default
        self._ignore = frozenset(ignore) if default else frozenset()
        self.step = 0
        self._explicit_step = False
        self._seen: set[str] = set()
        self._warn = warn

    def might_match(self, data: bytes) -> bool:
        """False when no line in `data` can hold a scalar: output without
        a ':' under the default pattern skips splitting into lines."""
        return not self._needs_colon or b":" in data

    def feed(self, line: str) -> list[tuple[str, float, int]]:
        """The scalars in one line of output: (key, value, step)."""
        line = line.rstrip("\r\n")
        if self._needs_colon and ":" not in line:
            return []
        if self._patterns is None:
            self._patterns = [(key, re.compile(expand(p))) for key, p in self._sources]
        found: list[tuple[str, str, float, str | None]] = []
        for key, pattern in self._patterns:
            m = pattern.search(line)
            if m:
                found.extend(self._matches(key, m))
        placed = (self._placed(key, raw, value, step) for key, raw, value, step in found)
        return [scalar for scalar in placed if scalar is not None]

    def feed_lines(self, text: str, longest: int) -> list[tuple[str, float, int]]:
        """The scalars in whole lines of output (`text` ends at a line's end),
        skipping lines longer than `longest`. The default pattern is matched
        over the text at once: printed metrics come by the million."""
        if self._sources is not DEFAULT_PATTERNS:
            out = []
            for line in text.split("\n"):
                if len(line) <= longest:
                    out += self.feed(line)
            return out
        out = []
        ignore, placed = self._ignore, self._placed
        for m in _DEFAULT_OVER_LINES.finditer(text):
            key, raw, raw_step = m.groups()
            if key in ignore or m.end() - m.start() > longest:
                continue
            scalar = placed(key, raw, float(raw), raw_step)
            if scalar is not None:
                out.append(scalar)
        return out

    def _placed(self, key: str, raw: str, value: float, step: str | None) -> tuple[str, float, int] | None:
        """A scalar found (`raw` as printed), at the step the rules give it
        (`step` as printed, if any); None for the key `step`, which sets the
        step of what follows instead."""
        if key == "step":
            self._set_step(raw)
            return None
        if step is not None:
            self._set_step(step)
        elif not self._explicit_step and key in self._seen:
            self.step += 1
            self._seen = set()
        self._seen.add(key)
        return key, value, self.step

    def _set_step(self, text: str) -> None:
        step = _int64(text)
        if step is None:
            # infinity, NaN or 1e23 is no int64: the line's other scalars keep the current step
            if self._warn is not None and _number(text) is not None:
                shown = text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"
                self._warn(
                    f"printed step {shown} is not a 64-bit integer: it is not recorded, and the"
                    f" scalars after it keep step {self.step} (further such steps are not reported)"
                )
                self._warn = None
            return
        self.step = step
        self._explicit_step = True
        self._seen = set()

    def _matches(self, key: str | None, m: re.Match):
        """(key, value as printed, value, step as printed or None) of each scalar."""
        if key is not None:
            raw = m.group(1)
            value = _number(raw)
            if value is not None:
                yield key, raw, value, None
            return
        groups = m.groupdict()
        step = groups.get("step")
        named = [n for n in groups if n not in _RESERVED_GROUPS]
        if named:
            for name in named:
                value = _number(groups[name])
                if value is not None and name not in self._ignore:
                    yield name, groups[name], value, step
            return
        if "key" in groups and "value" in groups:
            k, raw = groups["key"], groups["value"]
        else:
            k, raw = m.group(1), m.group(2)
            if m.re.groups >= 3 and m.group(3) is not None:
                step = m.group(3)
        value = _number(raw)
        if k and value is not None and k not in self._ignore:
            yield k, raw, value, step


def _number(text: str | None) -> float | None:
    try:
        return float(text)  # type: ignore[arg-type]  # None is a TypeError, as bad text is a ValueError
    except (TypeError, ValueError):
        return None


def _int64(text: str) -> int | None:
    """The step `text` states, or None when it is no int64 (or no number).
    Digits are read as an int, exactly; other numbers (2.0, 1e3) through a
    float, as Guild reads them."""
    s = text.strip()
    digits = s.lstrip("+-")
    if is_digits(digits) and len(s) - len(digits) <= 1:
        digits = digits.lstrip("0") or "0"
        if len(digits) > 19:  # out of range; and Python refuses int() of more than 4300 digits
            return None
        n = -int(digits) if s.startswith("-") else int(digits)
    else:
        try:
            n = int(float(s))
        except (OverflowError, ValueError):
            return None
    return n if fits_int64(n) else None
