"""Parsing a project file in Guild AI's format into operations.

Only on a cache miss (see ledger.executor.project.load_project): this is where
yaml is imported. A malformed file is a ProjectError that says where and
what: "guild.yml: <where>: <what>; <how to fix>".
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from ledger.errors import FlagError, ProjectError
from ledger.executor import config_dest, config_files
from ledger.executor.flags import FLAG_TYPES, convert_type
from ledger.executor.opdef import FlagDef, OpDef
from ledger.executor.requires_def import normalize_env, normalize_requires
from ledger.executor.scalars import normalize_output_scalars
from ledger.executor.sourcecode import normalize_rules

_TYPE_ALIASES = {"bool": "boolean", "str": "string", "integer": "int"}
# YAML 1.1 reads 1e-3 as a string; users mean a number. Unsigned `12e3`
# stays a string, as Guild keeps run-id-like values.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+)[eE][-+]?\d+$|^[-+]?\d+[eE][-+]\d+$")


# Keys of an operation that ledger acts on.
SUPPORTED_KEYS = frozenset({
    "main", "exec", "steps", "description", "flags", "flags-dest", "flags-import", "flags-import-skip",
    "output-scalars", "compare", "label", "sourcecode", "objective", "optimizer", "optimizers", "default",
    "requires", "env", "delete-on-success", "default-max-trials",
})  # fmt: skip
# Guild keys for things ledger has no counterpart of (plugins, pip freeze,
# publishing, debugger hooks): they do not change what a run computes.
NO_EFFECT_KEYS = frozenset({
    "disable-plugins", "plugins", "pip-freeze", "publish", "stoppable", "handle-keyboard-interrupt",
    "set-trace", "can-stage-trials", "help", "name", "python-requires",
})  # fmt: skip
# Guild keys that change how a run behaves and that ledger does not
# implement: only the operation that uses one refuses to run.
UNSUPPORTED_KEYS = frozenset({
    "python-path", "run-attrs", "env-secrets", "tags", "default-flag-arg-skip", "flag-encoder",
    "flags-import-skip-args", "output-scalars-format", "resources", "sourcecode-root",
})  # fmt: skip


def parse_project_file(data: bytes, fname: str) -> dict[str, OpDef]:
    """Normalised operations of a project file's bytes; ProjectError when the
    file as a whole is malformed. A problem inside one operation is kept in
    that operation (`OpDef.problem`) and raised only when it is run."""
    raw = _load_yaml(data, fname)
    ops = {}
    for name, op, model_sc in _iter_ops(raw, fname):
        try:
            ops[name] = _opdef(name, op, model_sc, fname)
        except ProjectError as e:
            ops[name] = OpDef(name=name, problem=str(e))
    return ops



def _load_yaml(data: bytes, fname: str) -> Any:
    import yaml  # heavy: only when the project file changed (load_project caches the result)

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))
    try:
        return yaml.load(data, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ProjectError(f"{fname}: invalid YAML{where}: {problem}; fix the syntax") from None


def _iter_ops(raw: Any, fname: str):
    """(name, op data, model-level sourcecode) for each operation."""
    if raw is None:
        return
    if isinstance(raw, dict):  # operation-only format
        for name, op in raw.items():
            yield str(name), op, None
        return
    if not isinstance(raw, list):
        raise ProjectError(
            f"{fname}: the top level must be a map of operations or a list of models; "
            "write e.g. `train: {main: train}`"
        )
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise ProjectError(f"{fname}: item {i} of the top-level list is not a map; write `- model: ''` items")
        if "model" not in item and "operations" not in item:
            continue  # `config`, `package`: nothing to run (config inheritance is not supported)
        model = item.get("model") or ""
        defaults = item.get("operation-defaults") or {}
        operations = item.get("operations") or {}
        for what, value in (("operation-defaults", defaults), ("operations", operations)):
            if not isinstance(value, dict):
                raise ProjectError(f"{fname}: model '{model}': `{what}` must be a map of attributes")
        for name, op in operations.items():
            if op is not None and not isinstance(op, dict):
                yield (f"{model}:{name}" if model else str(name)), op, None
                continue
            merged = {**defaults, **(op or {})}
            yield (f"{model}:{name}" if model else str(name)), merged, item.get("sourcecode")


def _opdef(name: str, d: Any, model_sourcecode: Any, fname: str) -> OpDef:
    where = f"{fname}: operation '{name}'"
    if d is None:
        d = {}
    if not isinstance(d, dict):
        raise ProjectError(f"{where}: expected a map of attributes, got {d!r}; write e.g. `{name}: {{main: {name}}}`")
    notes = []
    for key in d:
        key = str(key)
        if key in UNSUPPORTED_KEYS:
            raise ProjectError(f"{where}: `{key}` is not supported by ledger; remove it to run this operation")
        if key not in SUPPORTED_KEYS and key not in NO_EFFECT_KEYS:
            notes.append(f"WARNING: {where}: unknown key `{key}` ignored")
    main, exec_ = _opt_str(d, "main", where), _opt_str(d, "exec", where)
    steps = d.get("steps")
    if steps is not None and (main is not None or exec_ is not None):
        raise ProjectError(f"{where}: `steps` cannot be used with `main` or `exec`; keep one of them")
    if main is None and exec_ is None and steps is None:
        main = name  # Guild runs the module named like the operation
    flags_data = d.get("flags") or {}
    if not isinstance(flags_data, dict):
        raise ProjectError(f"{where}: `flags` must be a map of flag names, e.g. `flags: {{lr: 0.1}}`")
    dest = _flags_dest(d.get("flags-dest", flags_data.get("$dest")), where)
    flags = {
        str(n): flagdef_from_data(str(n), v, f"{where}: flag '{n}'")
        for n, v in flags_data.items()
        if not str(n).startswith("$")
    }
    rules, root = normalize_rules(d.get("sourcecode"), model_sourcecode, where)
    return OpDef(
        name=name,
        main=None if exec_ or steps is not None else main,
        exec=exec_,
        description=str(d.get("description") or "").strip(),
        flags=flags,
        flags_dest=dest,
        output_scalars=normalize_output_scalars(d.get("output-scalars"), where),
        compare=_compare(d.get("compare"), where),
        label=_opt_str(d, "label", where),
        sourcecode=rules,
        sourcecode_root=root,
        objective=_objective(d.get("objective"), where),
        optimizers=_optimizers(d, where),
        default=d.get("default") is True,
        flags_import=_flags_import(d.get("flags-import"), where),
        flags_import_skip=tuple(str(x) for x in _as_list(d.get("flags-import-skip"))),
        requires=normalize_requires(d.get("requires"), where),
        env=normalize_env(d.get("env"), where),
        steps=_steps(steps, where),
        delete_on_success=_yes(d.get("delete-on-success")),
        default_max_trials=_opt_int(d, "default-max-trials", where),
        notes=tuple(notes),
    )


def flagdef_from_data(name: str, v: Any, where: str) -> FlagDef:
    """A FlagDef from a project file's `flags:` entry (a bare default or a
    map); ProjectError, prefixed with `where`, when it cannot be used."""
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
        arg_split=v.get("arg-split"),
    )


def _flags_dest(dest: Any, where: str) -> str | None:
    """globals, args, `args:click` (a Click command's options), a module
    global holding the flags: `global:NAME` or `dict:NAME` (a dict),
    `namespace:NAME` (a SimpleNamespace), or a config file the flags are
    written into: `config:FILE` (or the legacy `config.yml`), or several:
    `multi-config:PATTERN`."""
    if dest in (None, "globals", "args", "args:click"):
        return dest
    if isinstance(dest, str):
        kind, sep, name = dest.partition(":")
        if sep and kind in ("global", "dict", "namespace") and name.isidentifier():
            return f"{kind}:{name}"
        try:
            if config_dest.parse_dest(dest) is not None or config_files.parse_multi(dest) is not None:
                return dest
        except ProjectError as e:
            raise ProjectError(f"{where}: flags-dest {dest!r}: {e}") from None
    raise ProjectError(
        f"{where}: unsupported flags-dest {dest!r}; use globals, args, args:click, global:NAME, dict:NAME,"
        " namespace:NAME, config:FILE or multi-config:PATTERN"
    )


def _steps(v: Any, where: str) -> tuple | None:
    """Steps as ({"run": OPSPEC, "name": NAME, "flags": {...}, "needed": bool}, ...)."""
    if v is None:
        return None
    if not isinstance(v, list):
        raise ProjectError(f"{where}: invalid steps data {v!r}: expected a list of operations")
    out = []
    for item in v:
        if isinstance(item, str):
            item = {"run": item}
        if not isinstance(item, dict):
            raise ProjectError(f"{where}: invalid step data {item!r}; write `- OPERATION` or `- run: OPERATION`")
        spec = str(item.get("run") or "").strip()
        if not spec:
            raise ProjectError(f"{where}: invalid step {item!r}: must define run")
        op, *args = shlex.split(spec)
        flags = item.get("flags") or {}
        if not isinstance(flags, dict):
            raise ProjectError(f"{where}: step {op!r}: `flags` must be a map of NAME: VALUE")
        for arg in args:
            if arg == "--needed":
                item = {**item, "needed": True}
            elif "=" in arg:
                fname, _, value = arg.partition("=")
                flags = {fname: value, **flags}
            else:
                raise ProjectError(f"{where}: step {op!r}: unsupported argument {arg!r}; pass flags as NAME=VALUE")
        out.append({"run": op, "name": str(item.get("name") or op), "flags": {str(k): x for k, x in flags.items()},
                    "needed": _yes(item.get("needed"))})  # fmt: skip
    return tuple(out)


def _yes(v: Any) -> bool:
    return v is True or v in ("yes", "true", "on")


def _opt_int(d: dict, key: str, where: str) -> int | None:
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ProjectError(f"{where}: `{key}` must be a whole number of at least 1, got {v!r}")
    return v


def _compare(v: Any, where: str) -> tuple | None:
    if v is None:
        return None
    if not all(isinstance(x, str) for x in _as_list(v)):
        raise ProjectError(f"{where}: `compare` must be a list of column specs, e.g. `compare: [=x, loss]`")
    return tuple(_as_list(v))


def _objective(v: Any, where: str) -> dict:
    if v is None:
        return {"minimize": "loss"}
    if isinstance(v, str) and v:
        return {"maximize": v[1:]} if v.startswith("-") else {"minimize": v}
    if isinstance(v, dict) and len(v) == 1:
        (key, name), = v.items()
        if key in ("minimize", "maximize") and isinstance(name, str):
            return {key: name}
    raise ProjectError(f"{where}: invalid objective {v!r}; use a scalar name, or `maximize: NAME` / `minimize: NAME`")


def _optimizers(d: dict, where: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    single = d.get("optimizer")
    if single is not None:
        name, spec = _optimizer(None, single, where)
        out[name] = {**spec, "default": True}
    many = d.get("optimizers") or {}
    if isinstance(many, list):  # a list of names or of maps with a name or algorithm
        items: list[tuple[str, Any]] = []
        for value in many:
            if isinstance(value, dict) and ("name" in value or "algorithm" in value):
                items.append((str(value.get("name") or value["algorithm"]), value))
            elif isinstance(value, str):
                items.append((value, value))
            else:
                raise ProjectError(f"{where}: invalid optimizer {value!r} in `optimizers`; give a name or a map")
        many = dict(items)
    if not isinstance(many, dict):
        raise ProjectError(f"{where}: `optimizers` must be a map or a list of optimizers")
    for name, value in many.items():
        name, spec = _optimizer(str(name), value, where)
        out[name] = spec
    return out


def _optimizer(name: str | None, v: Any, where: str) -> tuple[str, dict]:
    if isinstance(v, str):
        return name or v, {"algorithm": v, "default": False, "flags": {}}
    if v is None:
        v = {}
    if not isinstance(v, dict):
        raise ProjectError(f"{where}: invalid optimizer {v!r}; write e.g. `optimizer: {{algorithm: gp}}`")
    algorithm = v.get("algorithm") or name
    if not algorithm:
        raise ProjectError(f"{where}: the optimizer has no algorithm; add e.g. `algorithm: gp`")
    flags = {str(k): x for k, x in v.items() if k not in ("algorithm", "default", "description", "name")}
    return name or algorithm, {"algorithm": algorithm, "default": _yes(v.get("default")), "flags": flags}


def _flags_import(v: Any, where: str) -> Any:
    if v in (None, False, "no", "off"):
        return False
    if v in (True, "all", "yes"):
        return True
    if isinstance(v, (str, list)):
        return tuple(str(x) for x in _as_list(v))
    raise ProjectError(f"{where}: invalid flags-import {v!r}; use yes, no or a list of flag names")


def _opt_str(d: dict, key: str, where: str) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ProjectError(f"{where}: `{key}` must be a string, got {v!r}")
    return v


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]
