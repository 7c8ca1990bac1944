"""Flags of a run with Guild AI's semantics: parse, type, check, render.

How a single value is written and read is ledger.executor.values; what a
flag may take is its FlagDef (ledger.executor.opdef).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ledger.errors import FlagError
from ledger.executor.opdef import FlagDef, OpDef
from ledger.executor.spaces import parse_space
from ledger.executor.values import Range, Values, decode, format_value, is_quoted, is_space, unquote
from ledger.limits import fits_int64

FLAG_TYPES = ("int", "float", "number", "boolean", "string", "path", "existing-path", "auto")
_LABEL_REF = re.compile(r"\$\{([^}|]+)(?:\|([^}]*))?\}")
_EXEC_REF = re.compile(r"\$\{([\w\-.]+)\}")
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "number": "a number",
    "boolean": "yes or no",
}


def parse_assignments(args: list[str]) -> dict[str, str]:
    """`["x=2", "z=b"]` -> `{"x": "2", "z": "b"}`; later assignments win."""
    out: dict[str, str] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        name = name.strip()
        if not sep or not name:
            raise FlagError(f"invalid flag assignment {arg!r}: use NAME=VALUE, e.g. x=1.0")
        out[name] = value
    return out


def coerce(value: Any, flagdef: FlagDef, op: str | None = None) -> Any:
    """`value` converted to the flag's type and checked against its choices,
    min and max. Raises FlagError naming the flag and what it accepts."""
    if value is None:
        return None
    converted = convert_type(value, flagdef, op)
    converted = _match_string_choice(converted, flagdef)
    _check_choice(converted, flagdef, op)
    _check_bounds(converted, flagdef, op)
    return converted


def convert_type(value: Any, flagdef: FlagDef, op: str | None = None) -> Any:
    """Type conversion only (no choices or bounds)."""
    kind = flagdef.type
    if value is None or kind in (None, "auto"):
        return value
    if kind in ("string", "path", "existing-path"):
        return value if isinstance(value, str) else format_value(value)
    if isinstance(value, str):
        value = decode(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value)
    elif isinstance(value, bool):
        pass  # True is not a number a user means
    elif kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer() and fits_int64(int(value)):
            return int(value)
    elif kind == "float":
        if isinstance(value, (int, float)):
            return float(value)
    elif kind == "number":
        if isinstance(value, (int, float)):
            return value
    raise FlagError(
        f"invalid value {format_value(value)} for flag '{flagdef.name}'{_of(op)}: expected {_TYPE_WORDS[kind]}"
        f"{_example(flagdef)}"
    )


def resolve(
    opdef: OpDef,
    given: dict[str, Any],
    *,
    origin: str = "user",
    base: dict[str, Any] | None = None,
) -> dict[str, tuple[Any, str]]:
    """The flags of a run: name -> (value, origin).

    Starts from `base` (origin "proto") for the flags the operation defines,
    else each flag's default (origin "default"), then applies `given`.
    Strings in `given` are decoded (or parsed as a search space); values that
    are already typed are accepted as they are, then checked.
    """
    out: dict[str, tuple[Any, str]] = {}
    base = base or {}
    for name, flagdef in opdef.flags.items():
        if name in base:
            out[name] = (_coerce_any(base[name], flagdef, opdef.name), "proto")
        else:
            # A list default is a grid, as in Guild (`l: [1, 2.3, foo]`).
            default = Values(tuple(flagdef.default)) if isinstance(flagdef.default, list) else flagdef.default
            out[name] = (default, "default")
    for name, raw in given.items():
        if name not in opdef.flags:
            known = ", ".join(sorted(opdef.flags)) or "none"
            raise FlagError(
                f"unknown flag '{name}' for operation '{opdef.name}' (flags: {known}); "
                "check the name, define the flag in the project file, or run with --force-flags"
            )
        flagdef = opdef.flags[name]
        out[name] = (_coerce_any(_parse_given(raw, flagdef), flagdef, opdef.name), origin)
    for name, flagdef in opdef.flags.items():
        if flagdef.required and out[name][0] in (None, ""):
            raise FlagError(f"flag '{name}' of operation '{opdef.name}' is required; pass it as {name}=VALUE")
    return out


def render_label(template: str | None, flags: dict[str, Any]) -> str:
    """A run label. `${x|%.2f}` formats x with `%.2f`; `${x}` uses
    format_value; `${default_label}` is the label without a template;
    an unknown name renders as nothing."""
    # as Guild: a flag without a value (None) is left out of the label
    default = " ".join(
        f"{name}={_shell_safe(format_value(flags[name]))}" for name in sorted(flags) if flags[name] is not None
    )
    if template is None:
        return default

    def sub(m: re.Match) -> str:
        name, fmt = m.group(1).strip(), m.group(2)
        if name == "default_label":
            return default
        if name not in flags:
            return ""
        value = flags[name]
        if fmt and fmt.startswith("%") and value is not None and not is_space(value):
            try:
                return fmt % value
            except (TypeError, ValueError):
                pass
        return format_value(value)

    return _LABEL_REF.sub(sub, template)


def flag_args(flags: dict[str, Any], opdef: OpDef) -> list[str]:
    """`--name value` arguments, sorted by name, as Guild passes them.

    None values and `arg_skip` flags are left out; a flag with `arg_switch`
    appears as a bare `--name` when its value equals the switch value and is
    omitted otherwise (argparse `store_true`). Flags written into a
    config file are not arguments: the run reads that file."""
    args: list[str] = []
    if opdef.flags_in_config:
        return args
    for name in sorted(flags):
        value = flags[name]
        flagdef = opdef.flags.get(name)
        if value is None or (flagdef is not None and flagdef.arg_skip):
            continue
        arg = "--" + ((flagdef.arg_name if flagdef is not None else None) or name)
        if flagdef is not None and flagdef.arg_switch is not None:
            if value == flagdef.arg_switch:
                args.append(arg)
            continue
        if flagdef is not None and flagdef.arg_split not in (None, False) and isinstance(value, (str, list, tuple)):
            args.extend([arg, *split_arg(value, flagdef.arg_split)])
            continue
        if flagdef is not None and flagdef.arg_bool and value is False:
            args.extend([arg, ""])  # argparse's type=bool reads any text but '' as True
            continue
        args.extend([arg, value if isinstance(value, str) else format_value(value)])
    return args


def split_arg(value: Any, how: Any) -> list[str]:
    """`arg-split`: a list's items, or a string split on blanks (yes) or
    on the separator given, as separate arguments."""
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) else format_value(v) for v in value]
    if how is True or how in ("yes", "true"):
        return shlex.split(value)
    return [part.strip() for part in value.split(str(how)) if part.strip()]


def split_value(value: Any, flagdef: FlagDef | None) -> Any:
    """The value a script's data gets for a flag: an `arg-split` flag given
    as text (`l='a b 123'`) is the list of its items, each read as a value;
    one value that is not text (`y=1`) is a list of one."""
    if flagdef is None or flagdef.arg_split in (None, False) or value is None:
        return value
    if isinstance(value, str):
        return [decode(part) for part in split_arg(value, flagdef.arg_split)]
    return value if isinstance(value, (list, tuple)) else [value]


def render_exec(template: str, flags: dict[str, Any], opdef: OpDef, extra: dict[str, str] | None = None) -> list[str]:
    """The argv of an `exec` operation: `${flag_args}` expands to
    flag_args(); `${name}` to a flag's value or an `extra` variable
    (e.g. project_dir); unknown references are left as typed."""
    values = {**(extra or {}), **{k: v if isinstance(v, str) else format_value(v) for k, v in flags.items()}}
    argv: list[str] = []
    for token in shlex.split(template):
        if token == "${flag_args}":
            argv.extend(flag_args(flags, opdef))
            continue
        argv.append(_EXEC_REF.sub(lambda m: values.get(m.group(1), m.group(0)), token))
    return argv


# --- helpers -----------------------------------------------------------------


def _parse_given(raw: Any, flagdef: FlagDef) -> Any:
    if not isinstance(raw, str):
        if isinstance(raw, list):
            return Values(tuple(raw))
        return raw
    space = parse_space(raw)
    if space is not None:
        return space
    if flagdef.type in ("string", "path", "existing-path"):
        s = raw.strip()
        return unquote(s) if is_quoted(s) else raw
    return decode(raw)


def _coerce_any(value: Any, flagdef: FlagDef, op: str) -> Any:
    if isinstance(value, Values):
        return Values(tuple(coerce(v, flagdef, op) for v in value.values))
    if isinstance(value, Range):
        return _coerce_range(value, flagdef, op)
    return coerce(value, flagdef, op)


def _coerce_range(r: Range, flagdef: FlagDef, op: str) -> Range:
    if flagdef.choices:
        choices = ", ".join(format_value(c) for c in flagdef.choices)
        raise FlagError(
            f"flag '{flagdef.name}'{_of(op)} takes one of {choices}: a range cannot be used; "
            f"list the values instead, e.g. {flagdef.name}=[{format_value(flagdef.choices[0])}]"
        )
    if flagdef.type in ("string", "path", "existing-path", "boolean"):
        raise FlagError(f"flag '{flagdef.name}'{_of(op)} is a {flagdef.type} flag: a numeric range cannot be used")
    low, high = convert_type(r.low, flagdef, op), convert_type(r.high, flagdef, op)
    initial = convert_type(r.initial, flagdef, op) if r.initial is not None else None
    _check_bounds(low, flagdef, op)
    _check_bounds(high, flagdef, op)
    return Range(low, high, r.dist, initial)


def _match_string_choice(value: Any, flagdef: FlagDef) -> Any:
    # An untyped flag with choices ['1', '2'] gets 1 from decode("1").
    if flagdef.choices and value not in flagdef.choices and not isinstance(value, str):
        text = format_value(value)
        if text in flagdef.choices:
            return text
    return value


def _check_choice(value: Any, flagdef: FlagDef, op: str | None) -> None:
    if not flagdef.choices or value in flagdef.choices:
        return
    # 1 == 1.0 in Python; a float flag's choice [1, 2] accepts 1.0 already.
    choices = ", ".join(format_value(c) for c in flagdef.choices)
    raise FlagError(f"invalid value {format_value(value)} for flag '{flagdef.name}'{_of(op)}: choose one of {choices}")


def _check_bounds(value: Any, flagdef: FlagDef, op: str | None) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if flagdef.min is not None and value < flagdef.min:
        raise FlagError(
            f"invalid value {format_value(value)} for flag '{flagdef.name}'{_of(op)}: "
            f"below the minimum {format_value(flagdef.min)}"
        )
    if flagdef.max is not None and value > flagdef.max:
        raise FlagError(
            f"invalid value {format_value(value)} for flag '{flagdef.name}'{_of(op)}: "
            f"above the maximum {format_value(flagdef.max)}"
        )


def _of(op: str | None) -> str:
    return f" of operation '{op}'" if op else ""


def _example(flagdef: FlagDef) -> str:
    if flagdef.default is not None:
        return f", e.g. {flagdef.name}={format_value(flagdef.default)}"
    examples = {"int": f", e.g. {flagdef.name}=1", "boolean": f", e.g. {flagdef.name}=yes"}
    return examples.get(flagdef.type or "", f", e.g. {flagdef.name}=1.0")


def _shell_safe(s: str) -> str:
    if s and not any(ch.isspace() for ch in s):
        return s
    return shlex.quote(s) if s else "''"
