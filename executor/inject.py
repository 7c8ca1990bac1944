"""Rewrite a Python script's flags in its text.

Each flag's value replaces the text of the module-level assignment it names
(`x = 1.0`), at the line/column offsets found by ledger.executor.script_ast, so
comments, layout and line numbers (hence tracebacks) stay the user's own.
The offsets ("slots") are cached with a script's other AST facts
(ledger.executor.project.script_analysis), so an unchanged script is not
parsed again.
"""

from __future__ import annotations

import math
from typing import Any


def rewrite_globals(source: str, flags: dict[str, Any], slots: list) -> str:
    """`source` with each module-level `name = <literal>` of a flag given the
    flag's value; everything else is left exactly as written. `slots` are
    `script_ast.literal_slots(source)`."""
    if not flags:
        return source
    lines = source.splitlines(keepends=True)
    edits = [slot for slot in slots if slot[0] in flags]
    # Apply from the end so earlier offsets stay valid.
    for slot in sorted(edits, key=lambda s: (s[1], s[2]), reverse=True):
        _replace(lines, slot, python_literal(flags[slot[0]]))
    return "".join(lines)


def rewrite_param(source: str, slot: list, kind: str, value: dict, flags: dict[str, Any]) -> str:
    """`source` with the dict or SimpleNamespace assigned at `slot` ([line,
    col, end_line, end_col] of its value) given the flags: a dotted flag
    name sets a nested key (`a.b` -> value["a"]["b"])."""
    merged = merge_dotted(value, flags)
    text = python_literal(merged)
    if kind == "namespace":
        text = f"__import__('types').SimpleNamespace(**{text})"
    lines = source.splitlines(keepends=True)
    _replace(lines, ["", *slot], text)
    return "".join(lines)


def merge_dotted(value: dict, flags: dict[str, Any]) -> dict:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in value.items()}
    for name, flag in flags.items():
        *path, last = name.split(".")
        d = out
        for part in path:
            if not isinstance(d.get(part), dict):
                d[part] = {}
            d = d[part]
        d[last] = flag
    return out


def python_literal(value: Any) -> str:
    """Python source for a flag value (floats keep their type: 2 -> 2.0 stays 2.0)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(python_literal(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(k)}: {python_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _replace(lines: list[str], slot: list, text: str) -> None:
    # AST columns are UTF-8 byte offsets.
    _, lineno, col, end_lineno, end_col = slot
    first, last = lineno - 1, end_lineno - 1
    head = lines[first].encode()[:col].decode()
    tail = lines[last].encode()[end_col:].decode()
    if first == last:
        lines[first] = head + text + tail
        return
    # A value over several lines (a triple-quoted string): backslash
    # continuations keep the line count, so later line numbers stay right.
    lines[first] = head + text + " \\\n"
    for i in range(first + 1, last):
        lines[i] = "\\\n"
    lines[last] = tail
