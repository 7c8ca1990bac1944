"""Flag values with Guild AI's semantics: parse, type, check, format.

Stdlib only (no yaml): `decode` is a small YAML-1.1-style scalar decoder
with Guild's exceptions (`1_2_3` and short run ids like `12e3` stay strings).
"""

from __future__ import annotations

import math
import re
import shlex

from ledger.errors import FlagError
from ledger.executor.spaces import Range, Values, format_space, is_space, parse_space
from ledger.limits import fits_int64

TYPE_CHECKING = False  # importing typing is a cost on every run's start-up
if TYPE_CHECKING:
    from typing import Any

    from ledger.executor.project import FlagDef, OpDef

FLAG_TYPES = ("int", "float", "number", "boolean", "string", "path", "existing-path", "auto")
# patterns as text, compiled (and cached by `re`) on first use: compiling
# them all on import was a cost on every run's start-up
_INT = r"^[-+]?\d+$"
_FLOAT = r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$"
_SHORT_ID = r"^\d+e\d+$"  # Guild keeps run-id-like `12e3` a string
_TRUE = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULL = {"null", "Null", "NULL", "~"}
_SPECIAL_FLOATS = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
_LABEL_REF = r"\$\{([^}|]+)(?:\|([^}]*))?\}"
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


def decode(text: str) -> Any:
    """A typed value from how a user writes it: `2` -> 2, `yes` -> True..."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return _unquote(s)
    if re.match(_INT, s) and "_" not in s:
        n = int(s)
        if not fits_int64(n):
            raise FlagError(
                f"{s} is too large for an integer flag value (64 bits, at most 9223372036854775807);"
                f" write it as a float ({float(n)!r}) or quote it as text"
            )
        return n
    if re.match(_FLOAT, s) and not (re.match(_SHORT_ID, s) and 3 <= len(s) <= 32):
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


def coerce(value: Any, fd: FlagDef, op: str | None = None) -> Any:
    """`value` converted to the flag's type and checked against its choices,
    min and max. Raises FlagError naming the flag and what it accepts."""
    if value is None:
        return None
    converted = convert_type(value, fd, op)
    converted = _match_string_choice(converted, fd)
    _check_choice(converted, fd, op)
    _check_bounds(converted, fd, op)
    return converted


def convert_type(value: Any, fd: FlagDef, op: str | None = None) -> Any:
    """Type conversion only (no choices or bounds)."""
    kind = fd.type
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
        f"invalid value {format_value(value)} for flag '{fd.name}'{_of(op)}: expected {_TYPE_WORDS[kind]}"
        f"{_example(fd)}"
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
    for name, fd in opdef.flags.items():
        if name in base:
            out[name] = (_coerce_any(base[name], fd, opdef.name), "proto")
        else:
            # A list default is a grid, as in Guild (`l: [1, 2.3, foo]`).
            default = Values(tuple(fd.default)) if isinstance(fd.default, list) else fd.default
            out[name] = (default, "default")
    for name, raw in given.items():
        fd = opdef.flags.get(name)
        if fd is None:
            known = ", ".join(sorted(opdef.flags)) or "none"
            raise FlagError(
                f"unknown flag '{name}' for operation '{opdef.name}' (flags: {known}); "
                "check the name or define the flag in the project file"
            )
        out[name] = (_coerce_any(_parse_given(raw, fd), fd, opdef.name), origin)
    for name, fd in opdef.flags.items():
        if fd.required and out[name][0] in (None, ""):
            raise FlagError(f"flag '{name}' of operation '{opdef.name}' is required; pass it as {name}=VALUE")
    return out


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


def render_label(template: str | None, flags: dict[str, Any]) -> str:
    """A run label. `${x|%.2f}` formats x with `%.2f`; `${x}` uses
    format_value; `${default_label}` is the label without a template;
    an unknown name renders as nothing."""
    default = " ".join(f"{name}={_shell_safe(format_value(flags[name]))}" for name in sorted(flags))
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

    return re.sub(_LABEL_REF, sub, template)


def flag_args(flags: dict[str, Any], opdef: OpDef) -> list[str]:
    """`--name value` arguments, sorted by name, as Guild passes them.

    None values and `arg_skip` flags are left out; a flag with `arg_switch`
    appears as a bare `--name` when its value equals the switch value and is
    omitted otherwise (argparse `store_true`)."""
    args: list[str] = []
    for name in sorted(flags):
        value = flags[name]
        fd = opdef.flags.get(name)
        if value is None or (fd is not None and fd.arg_skip):
            continue
        arg = "--" + ((fd.arg_name if fd is not None else None) or name)
        if fd is not None and fd.arg_switch is not None:
            if value == fd.arg_switch:
                args.append(arg)
            continue
        args.extend([arg, value if isinstance(value, str) else format_value(value)])
    return args


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
        argv.append(re.sub(r"\$\{([\w\-.]+)\}", lambda m: values.get(m.group(1), m.group(0)), token))
    return argv


# --- helpers -----------------------------------------------------------------


def _parse_given(raw: Any, fd: FlagDef) -> Any:
    if not isinstance(raw, str):
        if isinstance(raw, list):
            return Values(tuple(raw))
        return raw
    space = parse_space(raw)
    if space is not None:
        return space
    if fd.type in ("string", "path", "existing-path"):
        s = raw.strip()
        return _unquote(s) if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"" else raw
    return decode(raw)


def _coerce_any(value: Any, fd: FlagDef, op: str) -> Any:
    if isinstance(value, Values):
        return Values(tuple(coerce(v, fd, op) for v in value.values))
    if isinstance(value, Range):
        return _coerce_range(value, fd, op)
    return coerce(value, fd, op)


def _coerce_range(r: Range, fd: FlagDef, op: str) -> Range:
    if fd.choices:
        choices = ", ".join(format_value(c) for c in fd.choices)
        raise FlagError(
            f"flag '{fd.name}'{_of(op)} takes one of {choices}: a range cannot be used; "
            f"list the values instead, e.g. {fd.name}=[{format_value(fd.choices[0])}]"
        )
    if fd.type in ("string", "path", "existing-path", "boolean"):
        raise FlagError(f"flag '{fd.name}'{_of(op)} is a {fd.type} flag: a numeric range cannot be used")
    low, high = convert_type(r.low, fd, op), convert_type(r.high, fd, op)
    initial = convert_type(r.initial, fd, op) if r.initial is not None else None
    _check_bounds(low, fd, op)
    _check_bounds(high, fd, op)
    return Range(low, high, r.dist, initial)


def _match_string_choice(value: Any, fd: FlagDef) -> Any:
    # An untyped flag with choices ['1', '2'] gets 1 from decode("1").
    if fd.choices and value not in fd.choices and not isinstance(value, str):
        text = format_value(value)
        if text in fd.choices:
            return text
    return value


def _check_choice(value: Any, fd: FlagDef, op: str | None) -> None:
    if not fd.choices or value in fd.choices:
        return
    # 1 == 1.0 in Python; a float flag's choice [1, 2] accepts 1.0 already.
    choices = ", ".join(format_value(c) for c in fd.choices)
    raise FlagError(f"invalid value {format_value(value)} for flag '{fd.name}'{_of(op)}: choose one of {choices}")


def _check_bounds(value: Any, fd: FlagDef, op: str | None) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if fd.min is not None and value < fd.min:
        raise FlagError(
            f"invalid value {format_value(value)} for flag '{fd.name}'{_of(op)}: "
            f"below the minimum {format_value(fd.min)}"
        )
    if fd.max is not None and value > fd.max:
        raise FlagError(
            f"invalid value {format_value(value)} for flag '{fd.name}'{_of(op)}: "
            f"above the maximum {format_value(fd.max)}"
        )


def _of(op: str | None) -> str:
    return f" of operation '{op}'" if op else ""


def _example(fd: FlagDef) -> str:
    if fd.default is not None:
        return f", e.g. {fd.name}={format_value(fd.default)}"
    return {"int": f", e.g. {fd.name}=1", "boolean": f", e.g. {fd.name}=yes"}.get(fd.type, f", e.g. {fd.name}=1.0")


def _unquote(s: str) -> str:
    inner = s[1:-1]
    return inner.replace("''", "'") if s[0] == "'" else inner.replace('\\"', '"')


def _reads_as_space(s: str) -> bool:
    try:
        return parse_space(s) is not None
    except FlagError:
        return True


def _shell_safe(s: str) -> str:
    if s and not any(ch.isspace() for ch in s):
        return s
    return shlex.quote(s) if s else "''"


# --- flag definitions from a project file -----------------------------------

_TYPE_ALIASES = {"bool": "boolean", "str": "string", "integer": "int"}


def flagdef_from_data(name: str, v: Any, where: str) -> FlagDef:
    """A FlagDef from a project file's `flags:` entry (a bare default or a
    map); ProjectError, prefixed with `where`, when it cannot be used."""
    from ledger.errors import ProjectError
    from ledger.executor.project import FlagDef

    if not isinstance(v, dict):
        v = {"default": v}
    kind = v.get("type")
    if kind is not None:
        kind = _TYPE_ALIASES.get(kind, kind)
        if kind not in FLAG_TYPES:
            raise ProjectError(f"{where}: unknown type {v.get('type')!r}; use one of {', '.join(FLAG_TYPES)}")
    lo, hi = v.get("min"), v.get("max")
    for label, bound in (("min", lo), ("max", hi)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
            raise ProjectError(f"{where}: `{label}` must be a number, got {bound!r}")
    if lo is not None and hi is not None and lo > hi:
        raise ProjectError(f"{where}: min ({lo}) is greater than max ({hi}); swap them")
    choices = v.get("choices")
    if choices is not None and (not isinstance(choices, list) or not choices):
        raise ProjectError(f"{where}: `choices` must be a non-empty list, e.g. `choices: [a, b]`")
    typed = FlagDef(name=name, type=kind)
    try:
        default = v.get("default")
        if default is not None and not isinstance(default, (list, dict)):
            default = convert_type(default, typed)
        if choices is not None:
            choices = tuple(convert_type(c.get("value") if isinstance(c, dict) else c, typed) for c in choices)
    except FlagError as e:
        raise ProjectError(f"{where}: {e}; fix the value or the type") from None
    return FlagDef(
        name=name,
        default=default,
        type=kind,
        choices=choices,
        min=lo,
        max=hi,
        description=str(v.get("description") or "").strip(),
        arg_name=v.get("arg-name"),
        required=v.get("required") is True,
        arg_switch=v.get("arg-switch"),
        arg_skip=v.get("arg-skip") is True,
        null_label=v.get("null-label"),
    )
