"""Config files a run gets besides `flags-dest: config:FILE`, as Guild has them.

`flags-dest: multi-config:PATTERN` names several config files of the
project: a glob relative to the project file (`multi-config:flags.*`), or a
regular expression matched from the start of each file's path,
`multi-config:!regex!flags.[json|yml]`. Each matched YAML, JSON or INI file
(`.in` ones too; other kinds a pattern catches are left alone) becomes a
`config:` requirement of the operation when the operation is resolved, so a
run records which files matched and a proto of it replays the same ones.
With `flags-import`, the flags are those of all the matched files: the
files are read in sorted order and the first to give a key gives its
default. Nothing matched: the operation runs with no config file.

`requires: - config: FILE` (with `rename:` and `target-path:`) is a config
file written for the run with its flag values in, as `config:FILE` writes
one; it is named by its file name (without `.in` unless renamed).

Every run gets each such file with all of its flag values written in
(ledger.executor.config_dest writes them); the run's source code's copy of
a file is the one written over, else the project's.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ledger.errors import ProjectError
from ledger.executor import config_dest
from ledger.executor.config_dest import ConfigDest
from ledger.executor.opdef import FlagDef, OpDef

PREFIX = "multi-config:"
REGEX = "!regex!"


@dataclass(frozen=True)
class MultiConfig:
    """A `multi-config:` pattern: a glob, or a regular expression if `regex`."""

    pattern: str
    regex: bool = False


def parse_multi(dest: object) -> MultiConfig | None:
    """The pattern a `multi-config:` flags-dest gives, None for another
    flags-dest; ProjectError when the pattern cannot be used."""
    if not isinstance(dest, str) or not dest.startswith(PREFIX):
        return None
    spec = dest[len(PREFIX) :]
    regex = spec.startswith(REGEX)
    pattern = spec[len(REGEX) :] if regex else spec
    if not pattern:
        raise ProjectError("no pattern: write multi-config:GLOB or multi-config:!regex!PATTERN")
    if regex:
        try:
            re.compile(pattern)
        except re.error as e:
            raise ProjectError(f"invalid pattern {pattern!r}: {e}; fix the regular expression") from None
    return MultiConfig(pattern, regex)


def matched(spec: MultiConfig, project_dir: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """The project's files the pattern matches, as sorted POSIX paths
    relative to `project_dir`: the config files, and the others (left out)."""
    if spec.regex:
        found = [path for path in _project_files(Path(project_dir)) if re.match(spec.pattern, path)]
    else:
        found = [
            PurePosixPath(*Path(path).parts).as_posix()
            for path in glob.glob(spec.pattern, root_dir=project_dir, recursive=True)
            if Path(project_dir, path).is_file()
        ]
    configs = sorted(path for path in found if config_dest.format_of(path, strict=False))
    return configs, sorted(set(found) - set(configs))


def requirements(paths: list[str], declared: tuple) -> tuple[dict, ...]:
    """A `config:` requirement for each matched path the operation does not
    require already. Where `FILE` and `FILE.in` both matched, `FILE.in`
    keeps its name, so neither is written over the other."""
    required = {req["source"] for req in declared if req["kind"] == "config"}
    names = {PurePosixPath(path).name for path in paths}
    out = []
    for path in paths:
        if path in required:
            continue
        name = PurePosixPath(path).name
        keep = name.endswith(".in") and name[:-3] in names
        out.append(config_requirement(path, rename=[[f"^{re.escape(name)}$", name]] if keep else []))
    return tuple(out)


def config_requirement(source: str, rename: list | None = None, target_path: str = "") -> dict:
    """A `config:` requirement as requires_def normalises requirements."""
    return {
        "kind": "config",
        "source": source,
        "select": [],
        "target_path": target_path,
        "target_type": "copy",
        "rename": rename or [],
        "name": source,
    }


def flags_of(paths: list[str], project_dir: str | os.PathLike[str]) -> dict[str, FlagDef]:
    """The flags of all the files: the first file (in sorted order) to
    give a key gives its flag."""
    flags: dict[str, FlagDef] = {}
    for path in paths:
        for name, flagdef in config_dest.flags_of(dest_of(config_requirement(path)), project_dir).items():
            flags.setdefault(name, flagdef)
    return flags


def dest_of(req: dict) -> ConfigDest:
    """Where a `config:` requirement's file is written: its file name, renamed
    as `rename:` says (else without `.in`), under `target-path:`."""
    source = req["source"]
    fmt = config_dest.format_of(source)
    target = PurePosixPath(source).name
    if req["rename"]:
        for pattern, repl in req["rename"]:
            target = re.sub(pattern, repl, target)
    elif target.endswith(".in"):
        target = target[:-3]
    if req["target_path"]:
        target = f"{req['target_path']}/{target}"
    path = os.path.normpath(target)
    if path.startswith("..") or os.path.isabs(path):
        raise ProjectError(f"requirement {source!r}: target {target!r} is outside the run directory")
    return ConfigDest(source, PurePosixPath(*Path(path).parts).as_posix(), fmt)


def run_configs(opdef: OpDef) -> list[ConfigDest]:
    """Every config file a run of `opdef` gets: its `config:FILE` flags-dest,
    unless a `config:` requirement names that file (the requirement says
    where it goes), then each `config:` requirement in order."""
    required = [req for req in opdef.requires if req["kind"] == "config"]
    own = config_dest.of_op(opdef)
    out = [own] if own is not None and not any(req["source"] == own.source for req in required) else []
    out += [dest_of(req) for req in required]
    targets: dict[str, str] = {}
    for dest in out:
        other = targets.setdefault(dest.target, dest.source)
        if other != dest.source:
            raise ProjectError(
                f"operation '{opdef.name}': config files {other} and {dest.source} would both be written"
                f" as {dest.target}; rename one (`rename:`) or narrow the pattern"
            )
    return out


# --- helpers -----------------------------------------------------------------


def _project_files(root: Path) -> list[str]:
    """The project's files as POSIX paths relative to `root`; hidden folders
    (.git, .venv...) and __pycache__ are not looked into."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        rel = Path(folder).relative_to(root)
        out += [(rel / name).as_posix() for name in files]
    return out
