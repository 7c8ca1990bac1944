"""Project files (`ledger.yml`, else `guild.yml`) and resolved operations.

The file is Guild AI's format. Parsing and checking it (ledger.executor.guildfile) needs
yaml, which costs more than a whole `ledger run` may; so `load_project`
keeps the normalised operations as JSON in a cache keyed by the sha256 of
the file's bytes, and a cache hit imports neither yaml nor pydantic.

What depends on the scripts themselves (imported flags, the detected flags
destination) is worked out by `Project.op` on each call, because scripts
change without the project file changing; what a script's AST says is
cached by the script's own sha256 (`script_analysis`), so an unchanged
script is not parsed again, nor `ast` imported.
"""

from __future__ import annotations

import _thread
import dataclasses
import json
import os
import shlex
from dataclasses import dataclass, field
from hashlib import sha256

from ledger.errors import ProjectError

TYPE_CHECKING = False
if TYPE_CHECKING:  # importing typing is a cost on every run's start-up
    from typing import Any

    StrPath = str | os.PathLike[str]

PROJECT_FILES = ("ledger.yml", "guild.yml")
CACHE_FORMAT = 1  # bump when the normalised form changes
SCRIPT_CACHE_FORMAT = 1  # bump when ledger.executor.script_ast's output changes


@dataclass(frozen=True)
class FlagDef:
    name: str
    default: Any = None
    type: str | None = None
    choices: tuple | None = None
    min: float | int | None = None
    max: float | int | None = None
    description: str = ""
    arg_name: str | None = None
    required: bool = False
    arg_switch: Any = None  # argparse store_true/false: pass `--name` alone when value == arg_switch
    arg_skip: bool = False
    null_label: str | None = None

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if self.choices is not None:
            d["choices"] = list(self.choices)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FlagDef:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if kw.get("choices") is not None:
            kw["choices"] = tuple(kw["choices"])
        return cls(**kw)


@dataclass(frozen=True)
class OpDef:
    """A resolved operation. Stored in RunCreated events: JSON round-trippable.

    `flags_dest` is None only in a declared operation (from the project file)
    that leaves it to detection; `Project.op` always returns "globals" or
    "args". `flags_import` (True = all, a tuple = those names) and
    `flags_import_skip` say which script flags `Project.op` merges in.
    `sourcecode` is a tuple of (action, pattern, type) rules, action
    "include"/"exclude", type None/"text"/"binary"/"dir", applied after the
    default rules (see ledger.executor.sourcecode); `sourcecode_root` is the folder,
    relative to the project, that source code is copied from.
    """

    name: str
    main: str | None = None
    exec: str | None = None
    description: str = ""
    flags: dict[str, FlagDef] = field(default_factory=dict)
    flags_dest: str | None = "globals"
    output_scalars: tuple | None = None
    compare: tuple | None = None
    label: str | None = None
    sourcecode: tuple | None = None
    sourcecode_root: str | None = None
    objective: dict = field(default_factory=lambda: {"minimize": "loss"})
    optimizers: dict[str, dict] = field(default_factory=dict)
    default: bool = False
    flags_import: Any = False
    flags_import_skip: tuple = ()

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["flags"] = {n: fd.to_dict() for n, fd in self.flags.items()}
        for key in ("output_scalars", "compare", "sourcecode"):
            if d[key] is not None:
                d[key] = [list(x) if isinstance(x, tuple) else x for x in d[key]]
        if isinstance(self.flags_import, tuple):
            d["flags_import"] = list(self.flags_import)
        d["flags_import_skip"] = list(self.flags_import_skip)
        return json.loads(json.dumps(d))  # a plain, detached copy

    @classmethod
    def from_dict(cls, d: dict) -> OpDef:
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["flags"] = {n: FlagDef.from_dict(fd) for n, fd in (d.get("flags") or {}).items()}
        for key in ("output_scalars", "sourcecode"):
            if kw.get(key) is not None:
                kw[key] = tuple(tuple(x) for x in kw[key])
        if kw.get("compare") is not None:
            kw["compare"] = tuple(kw["compare"])
        if isinstance(kw.get("flags_import"), list):
            kw["flags_import"] = tuple(kw["flags_import"])
        kw["flags_import_skip"] = tuple(kw.get("flags_import_skip") or ())
        return cls(**kw)

    def main_parts(self) -> tuple[str, list[str]]:
        """`main: pkg.train --mode x` -> ("pkg.train", ["--mode", "x"])."""
        parts = shlex.split(self.main or "")
        if not parts:
            raise ProjectError(f"operation '{self.name}' has no main module; set `main` or `exec`")
        return parts[0], parts[1:]

    @property
    def minimize(self) -> tuple[str, bool]:
        """(scalar name, True to minimise / False to maximise)."""
        if "maximize" in self.objective:
            return self.objective["maximize"], False
        return self.objective.get("minimize", "loss"), True


class Project:
    """A project file's operations. `ops` are as declared; `op(name)` adds
    what comes from the scripts (imported flags, detected destination)."""

    def __init__(self, path: str, ops: dict[str, OpDef], cache_dir: StrPath | None = None) -> None:
        self.path = path
        self.dir = os.path.dirname(path)
        self.ops = ops
        self.cache_dir = cache_dir

    def op(self, name: str) -> OpDef:
        opdef = self.ops.get(name)
        if opdef is None:
            defined = ", ".join(sorted(self.ops)) or "none"
            raise ProjectError(
                f"operation '{name}' is not defined in {os.path.basename(self.path)} (defined: {defined}); "
                "check the name, or run a script by its path, e.g. train.py"
            )
        return complete_op(opdef, self.dir, os.path.basename(self.path), self.cache_dir)

    def default_op(self) -> OpDef | None:
        marked = [op for op in self.ops.values() if op.default]
        if marked:
            return self.op(marked[0].name)
        if len(self.ops) == 1:
            return self.op(next(iter(self.ops)))
        return None


def find_project_file(project_dir: StrPath) -> str | None:
    for name in PROJECT_FILES:
        path = os.path.join(project_dir, name)
        if os.path.isfile(path):
            return path
    return None


def load_project(project_dir: StrPath, cache_dir: StrPath | None = None) -> Project | None:
    """The project in `project_dir`, or None when it has no project file."""
    path = find_project_file(project_dir)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ProjectError(f"cannot read {path}: {e.strerror}; check the file's permissions") from None
    cache_path = _cache_path(cache_dir, f"project-v{CACHE_FORMAT}", data)
    cached = _read_cache(cache_path)
    try:
        ops = {name: OpDef.from_dict(d) for name, d in cached["ops"].items()}  # type: ignore[index]
    except (KeyError, TypeError, AttributeError):  # missing or damaged: parse the file again
        from ledger.executor.guildfile import parse_project_file

        ops = parse_project_file(data, os.path.basename(path))
        _write_cache(cache_path, {"format": CACHE_FORMAT, "ops": {n: op.to_dict() for n, op in ops.items()}})
    return Project(path, ops, cache_dir)


def resolve_op(project_dir: StrPath, spec: str, cache_dir: StrPath | None = None) -> OpDef:
    """The operation `spec` names: an operation of the project file, else a
    script path relative to `project_dir` (its flags read from the script)."""
    project_dir = os.fspath(project_dir)
    project = load_project(project_dir, cache_dir)
    if project is not None and spec in project.ops:
        return project.op(spec)
    if spec and os.path.isfile(os.path.join(project_dir, spec)):
        return script_op(project_dir, spec, cache_dir)
    if spec.endswith(".py") or "/" in spec:
        raise ProjectError(f"script {spec} not found in {project_dir}; check the path (it is relative to this folder)")
    if project is not None:
        project.op(spec)  # raises, naming the defined operations
    raise ProjectError(
        f"cannot find operation or script '{spec}' in {project_dir}; "
        "pass a script path such as train.py, or define the operation in guild.yml"
    )


def script_op(project_dir: StrPath, spec: str, cache_dir: StrPath | None = None) -> OpDef:
    """A bare script as an operation named by its path as typed."""
    path = os.path.join(project_dir, spec)
    if os.path.splitext(path)[1] != ".py":
        # Not Python: run it as a program, flags as --name value arguments.
        command = shlex.quote(spec if "/" in spec else "./" + spec)
        return OpDef(name=spec, exec=command + " ${flag_args}", flags_dest="args")
    flags, dest = _script_flags(path, spec, cache_dir)
    return OpDef(name=spec, main=spec, flags=flags, flags_dest=dest)


def complete_op(
    opdef: OpDef, project_dir: StrPath, file_name: str = "guild.yml", cache_dir: StrPath | None = None
) -> OpDef:
    """Merge a declared operation with what its main script provides."""
    wants_import = opdef.flags_import is True or (isinstance(opdef.flags_import, tuple) and opdef.flags_import)
    if not opdef.main or not (wants_import or opdef.flags_dest is None):
        return opdef if opdef.flags_dest else _replace(opdef, flags_dest="args" if opdef.exec else "globals")
    module, _args = opdef.main_parts()
    script = find_main_script(project_dir, module)
    if script is None:
        if wants_import:
            raise ProjectError(
                f"{file_name}: operation '{opdef.name}': cannot import flags: main module '{module}' "
                f"not found under {project_dir}; check `main` or set `flags-import: no`"
            )
        return _replace(opdef, flags_dest="globals")
    found, dest = _script_flags(script, os.path.relpath(script, project_dir), cache_dir)
    flags = dict(opdef.flags)
    if wants_import:
        names = set(found) if opdef.flags_import is True else set(opdef.flags_import) & set(found)
        for name in sorted(names - set(opdef.flags_import_skip)):
            flags[name] = _merge_flag(opdef.flags.get(name), found[name])
    return _replace(opdef, flags=flags, flags_dest=opdef.flags_dest or dest)


def find_main_script(project_dir: StrPath, module: str) -> str | None:
    """The file a `main` names: `echo` -> echo.py, `pkg.train` -> pkg/train.py,
    `src/train` -> src/train.py, `echo.py` as is."""
    if module.endswith(".py") or "/" in module:
        rel = module if module.endswith(".py") else module + ".py"
        candidates = [os.path.join(project_dir, rel)]
    else:
        rel = module.replace(".", "/")
        candidates = [os.path.join(project_dir, f"{rel}.py"), os.path.join(project_dir, rel, "__main__.py")]
    return next((c for c in candidates if os.path.isfile(c)), None)


# --- helpers -----------------------------------------------------------------


def script_analysis(data: bytes, shown: str, cache_dir: StrPath | None = None) -> dict[str, Any]:
    """ledger.executor.script_ast.analyse of a script's bytes, from the cache when
    they were analysed before. `shown` names the script in errors."""
    from ledger.executor.op_main import read_source

    cache_path = _cache_path(cache_dir, f"script-v{SCRIPT_CACHE_FORMAT}", data)
    cached = _read_cache(cache_path)
    if cached is not None and _is_analysis(cached):
        return cached
    from ledger.executor.script_ast import analyse

    try:
        analysis = analyse(read_source(data))
    except UnicodeDecodeError as e:
        raise ProjectError(f"cannot read {shown}: {e}; check the file") from None
    except ProjectError as e:
        raise ProjectError(f"{shown}: {e}") from None
    _write_cache(cache_path, analysis)
    return analysis


def _script_flags(path: StrPath, shown: str, cache_dir: StrPath | None) -> tuple[dict[str, FlagDef], str]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ProjectError(f"cannot read {shown}: {e.strerror}; check the file") from None
    analysis = script_analysis(data, shown, cache_dir)
    return {n: FlagDef.from_dict(d) for n, d in analysis["flags"].items()}, analysis["dest"]


def _is_analysis(d: dict) -> bool:
    """Whether a cache entry has analyse's shape: anything else (a damaged
    or foreign file) is analysed afresh rather than trusted."""
    flags, slots = d.get("flags"), d.get("slots")
    return (
        d.get("dest") in ("globals", "args")
        and isinstance(flags, dict)
        and all(isinstance(f, dict) for f in flags.values())
        and isinstance(slots, list)
        and all(
            isinstance(slot, list) and len(slot) == 5 and isinstance(slot[0], str)
            and all(isinstance(n, int) for n in slot[1:])
            for slot in slots
        )
    )  # fmt: skip


def _merge_flag(declared: FlagDef | None, imported: FlagDef) -> FlagDef:
    """Declared attributes win; imported ones fill what was left unset."""
    if declared is None:
        return imported
    unset = FlagDef(name=declared.name)
    kw = {
        name: getattr(imported, name) if getattr(declared, name) == getattr(unset, name)
        else getattr(declared, name)
        for name in (f.name for f in dataclasses.fields(FlagDef))
    }
    return FlagDef(**kw)


def _replace(opdef: OpDef, **changes: Any) -> OpDef:
    return dataclasses.replace(opdef, **changes)


def _cache_path(cache_dir: StrPath | None, kind: str, data: bytes) -> str | None:
    return os.path.join(cache_dir, f"{kind}-{sha256(data).hexdigest()}.json") if cache_dir else None


def _read_cache(path: str | None) -> dict | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError):
        return None  # missing or damaged: worked out again
    return raw if isinstance(raw, dict) else None


def _write_cache(path: str | None, payload: dict) -> None:
    """Atomically, so a reader never sees half a file; a cache that cannot
    be written only costs speed."""
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.{_thread.get_ident()}.tmp"  # a batch's trials may write at once
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
