"""Project files (`ledger.yml`, else `guild.yml`) and resolved operations.

The file is Guild AI's format. Parsing and checking it (ledger.executor.guildfile)
needs yaml, which costs more than a whole `ledger run` may; so
`load_project` keeps the normalised operations as JSON in a cache keyed by
the file's bytes and by the code that reads them (`CODE_VERSION`): an
upgrade of ledger never trusts an entry an older ledger wrote, and a cache
hit imports no yaml.

What depends on the scripts themselves (imported flags, the detected flags
destination) is worked out by `Project.op` on each call, because scripts
change without the project file changing; what a script's AST says is
cached the same way, by the script's bytes (`script_analysis`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shlex
import threading
from pathlib import Path
from typing import Any

import ledger
from ledger.errors import ProjectError
from ledger.executor import config_dest, config_files, guildfile, script_ast
from ledger.executor.op_main import find_main
from ledger.executor.opdef import FlagDef, OpDef

StrPath = str | os.PathLike[str]
PROJECT_FILES = ("ledger.yml", "guild.yml")
PACKAGE = Path(ledger.__file__).parent


def _code_version(package: Path = PACKAGE) -> str:
    """Which code this is: every module of the package, by name, size and
    modification time. The caches hold what this code made of a project
    file or a script, so a change to any of it (a new release, an edit in a
    checkout) is a different key. The whole package rather than a list of
    the modules that parse: a list drifts from what they import. Sizes and
    times rather than bytes: an edit changes the time, and reading every
    module cost each run 3 ms where a stat of each costs 0.5."""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(package, followlinks=True):  # a checkout links the subpackages in
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            stat = os.stat(path)
            digest.update(f"{os.path.relpath(path, package)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


class Project:
    """A project file's operations. `ops` are as declared; `op(name)` adds
    what comes from the scripts (imported flags, detected destination)."""

    def __init__(self, path: Path, ops: dict[str, OpDef], cache_dir: StrPath | None = None) -> None:
        self.path = path
        self.dir = path.parent
        self.ops = ops
        self.cache_dir = cache_dir

    def op(self, name: str) -> OpDef:
        opdef = self.ops.get(name)
        if opdef is None:
            defined = ", ".join(sorted(self.ops)) or "none"
            raise ProjectError(
                f"operation '{name}' is not defined in {self.path.name} (defined: {defined}); "
                "check the name, or run a script by its path, e.g. train.py"
            )
        if opdef.problem:
            raise ProjectError(opdef.problem)
        return complete_op(opdef, self.dir, self.path.name, self.cache_dir)

    def default_op(self) -> OpDef | None:
        """The operation `ledger run` runs when none is named: the one marked
        `default: yes`, else the only one."""
        marked = [op for op in self.ops.values() if op.default]
        if marked:
            return self.op(marked[0].name)
        if len(self.ops) == 1:
            return self.op(next(iter(self.ops)))
        return None


def find_project_file(project_dir: StrPath) -> Path | None:
    return next((path for name in PROJECT_FILES if (path := Path(project_dir, name)).is_file()), None)


def load_project(project_dir: StrPath, cache_dir: StrPath | None = None) -> Project | None:
    """The project in `project_dir`, or None when it has no project file."""
    path = find_project_file(project_dir)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ProjectError(f"cannot read {path}: {e.strerror}; check the file's permissions") from None
    cache_path = _cache_path(cache_dir, "project", data)
    cached = _read_cache(cache_path)
    try:
        ops = {name: OpDef.from_dict(d) for name, d in cached["ops"].items()}  # type: ignore[index]
    except (KeyError, TypeError, AttributeError):  # missing or damaged: parse the file again
        ops = _parse_project_file(data, path.name)
        _write_cache(cache_path, {"ops": {n: op.to_dict() for n, op in ops.items()}})
    return Project(path, ops, cache_dir)


def _parse_project_file(data: bytes, name: str) -> dict[str, OpDef]:
    """guildfile.parse_project_file, with the limits of Python's own
    readers (nesting depth, digits in an integer) as one-line errors."""
    try:
        return guildfile.parse_project_file(data, name)
    except RecursionError:
        raise ProjectError(f"{name}: nested too deeply to read; flatten the file's structure") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise ProjectError(f"{name}: cannot read a value: {str(e).splitlines()[0]}; fix the value") from None


def resolve_op(project_dir: StrPath, spec: str | None, cache_dir: StrPath | None = None) -> OpDef:
    """The operation `spec` names: an operation of the project file, else a
    script path relative to `project_dir` (its flags read from the script).
    No `spec`: the project's default operation."""
    project_dir = Path(project_dir)
    project = load_project(project_dir, cache_dir)
    if not spec:
        default = project.default_op() if project is not None else None
        if default is None:
            defined = f" (defined: {', '.join(sorted(project.ops))})" if project is not None and project.ops else ""
            raise ProjectError(
                f"no operation given{defined}: name one, mark one `default: yes` in the project file,"
                " or run a script, e.g. `ledger run train.py`"
            )
        return default
    if project is not None and spec in project.ops:
        return project.op(spec)
    if (project_dir / spec).is_file():
        return script_op(project_dir, spec, cache_dir)
    if (project_dir / spec).is_dir():
        script = main_script(project_dir, spec)
        if script is None:
            raise ProjectError(f"{spec} is a folder without __main__.py in {project_dir}; give a script or a package")
        return package_op(project_dir, spec, script, cache_dir)
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
    path = Path(project_dir, spec)
    if path.suffix != ".py":
        # Not Python: run it as a program, flags as --name value arguments.
        command = shlex.quote(spec if "/" in spec else "./" + spec)
        return OpDef(name=spec, exec=command + " ${flag_args}", flags_dest="args")
    flags, dest = _script_flags(path, spec, cache_dir)
    return OpDef(name=spec, main=shlex.quote(spec), flags=flags, flags_dest=dest)  # quoted: `sp ace.py` is one file


def package_op(project_dir: StrPath, spec: str, script: Path, cache_dir: StrPath | None = None) -> OpDef:
    """A package's folder typed as the operation (`ledger run src/train`): the
    `main` it names (src/train/__main__.py, see op_main.find_main) runs, as
    `main: src/train` in a project file would, its flags read from it."""
    flags, dest = _script_flags(script, script.relative_to(project_dir).as_posix(), cache_dir)
    return OpDef(name=spec, main=shlex.quote(spec), flags=flags, flags_dest=dest)


def complete_op(
    opdef: OpDef, project_dir: StrPath, file_name: str = "guild.yml", cache_dir: StrPath | None = None
) -> OpDef:
    """Merge a declared operation with what its main script provides."""
    wants_import = opdef.flags_import is True or (isinstance(opdef.flags_import, tuple) and opdef.flags_import)
    config = config_dest.of_op(opdef)
    if config is not None:
        found = config_dest.flags_of(config, project_dir)
        return opdef.replace(flags=_imported(opdef, found)) if wants_import else opdef
    multi = config_files.parse_multi(opdef.flags_dest)
    if multi is not None:
        # the files matched now are the run's requirements: a proto of it replays these
        paths, others = config_files.matched(multi, project_dir)
        opdef = opdef.replace(requires=opdef.requires + config_files.requirements(paths, opdef.requires))
        if others:  # Guild warns of these too
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            kind = "is not a config file" if len(others) == 1 else "are not config files"
            opdef = opdef.replace(notes=(*opdef.notes, (
                f"WARNING: {file_name}: operation '{opdef.name}': {opdef.flags_dest} matched {shown},"
                f" which {kind} (YAML, JSON, INI): left out"
            )))  # fmt: skip
        config_files.run_configs(opdef)  # two files written as one name fail here, before any run
        if wants_import:
            opdef = opdef.replace(flags=_imported(opdef, config_files.flags_of(paths, project_dir)))
        return opdef
    if opdef.is_no_op:
        return opdef.replace(flags_dest=opdef.flags_dest or "globals")
    if not opdef.main or not (wants_import or opdef.flags_dest is None):
        return opdef if opdef.flags_dest else opdef.replace(flags_dest="args" if opdef.exec else "globals")
    module, _args = opdef.main_parts()
    # the main module is found where the run will find it: under `sourcecode: root`
    script = main_script(Path(project_dir, opdef.sourcecode_root or ""), module)
    if script is None:
        if wants_import:
            raise ProjectError(
                f"{file_name}: operation '{opdef.name}': cannot import flags: main module '{module}' "
                f"not found under {project_dir}; check `main` or set `flags-import: no`"
            )
        return opdef.replace(flags_dest="globals")
    found, dest = _script_flags(script, script.relative_to(project_dir).as_posix(), cache_dir, opdef.flags_dest)
    flags = _imported(opdef, found) if wants_import else dict(opdef.flags)
    return opdef.replace(flags=flags, flags_dest=opdef.flags_dest or dest)


def _imported(opdef: OpDef, found: dict[str, FlagDef]) -> dict[str, FlagDef]:
    """The declared flags with those `flags-import` takes from `found`; a
    name a declared flag already sends its value to (its arg-name) is not
    imported again."""
    flags = dict(opdef.flags)
    names = set(found) if opdef.flags_import is True else set(opdef.flags_import) & set(found)
    names -= set(opdef.flags_import_skip)
    # a declared flag whose arg-name is an imported name takes that one's place
    renamed = {f.arg_name: n for n, f in opdef.flags.items() if f.arg_name in names and f.arg_name != n}
    for name in sorted(names):
        if name in renamed:
            declared = opdef.flags[renamed[name]]
            flags[declared.name] = _merge_flag(declared, dataclasses.replace(found[name], name=declared.name))
        else:
            flags[name] = _merge_flag(opdef.flags.get(name), found[name])
    return flags


def main_script(project_dir: StrPath, module: str) -> Path | None:
    """The file a `main` names under `project_dir` (see op_main.find_main), or None."""
    found = find_main(module, lambda rel: Path(project_dir, rel).is_file())
    return Path(project_dir, found[0]) if found else None


# --- helpers -----------------------------------------------------------------


def script_analysis(data: bytes, shown: str, cache_dir: StrPath | None = None) -> dict[str, Any]:
    """ledger.executor.script_ast.analyse of a script's bytes, from the cache when
    they were analysed before. `shown` names the script in errors."""
    cache_path = _cache_path(cache_dir, "script", data)
    cached = _read_cache(cache_path)
    if cached is not None and _is_analysis(cached):
        return cached
    try:
        analysis = script_ast.analyse(script_ast.read_source(data))
    except UnicodeDecodeError as e:
        raise ProjectError(f"cannot read {shown}: {e}; check the file") from None
    except ProjectError as e:
        raise ProjectError(f"{shown}: {e}") from None
    _write_cache(cache_path, analysis)
    return analysis


def _script_flags(path: StrPath, shown: str, cache_dir: StrPath | None,
                  dest: str | None = None) -> tuple[dict[str, FlagDef], str]:  # fmt: skip
    """A script's flags for `dest` (detected when None): its globals, its
    argparse options, or the keys of the global dict/namespace `dest` names."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ProjectError(f"cannot read {shown}: {e.strerror}; check the file") from None
    analysis = script_analysis(data, shown, cache_dir)
    if dest == "args:click":
        return {n: FlagDef.from_dict(d) for n, d in analysis["click"].items()}, dest
    if dest and ":" in dest:
        param = analysis["params"].get(dest.partition(":")[2])
        return {n: FlagDef.from_dict(d) for n, d in (param["flags"] if param else {}).items()}, dest
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
        and isinstance(d.get("params"), dict)
        and isinstance(d.get("click"), dict)
        and all(
            isinstance(slot, list) and len(slot) == 5 and isinstance(slot[0], str)
            and all(isinstance(n, int) for n in slot[1:])
            for slot in slots
        )
    )  # fmt: skip


def _merge_flag(declared: FlagDef | None, imported: FlagDef) -> FlagDef:
    """Declared attributes win; imported ones fill what was left unset."""
    return imported if declared is None else declared.merged_over(imported)


def _cache_path(cache_dir: StrPath | None, kind: str, data: bytes) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir, f"{kind}-{CODE_VERSION}-{hashlib.sha256(data).hexdigest()}.json")


def _read_cache(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or damaged: worked out again
    return raw if isinstance(raw, dict) else None


def _write_cache(path: Path | None, payload: dict) -> None:
    """Atomically, so a reader never sees half a file; a cache that cannot
    be written only costs speed."""
    if path is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # a batch's trials may write at once
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)
