"""Resolving what an operation needs before it starts (`requires:`).

A requirement is the output of another operation (its latest completed run,
or the run the user names as `OPERATION=RUN`) or a file or directory of the
project. Both are resolved while the run is planned, so a missing run or
file fails with nothing appended; each resolution becomes a
`DependencyResolved` event naming the run, the files and their sha256, and
the files are linked (operation output) or copied (project files) into the
run directory, as Guild does, before the process starts. A `config:` file
is only looked for here: it is written with the run's flags when the run
is (ledger.executor.config_writes).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import DependencyError, ProjectError, RunRefError
from ledger.events import DependencyResolved, NewEvent, ResolvedFile
from ledger.executor.opdef import OpDef
from ledger.executor.project import resolve_op
from ledger.home import Home
from ledger.projections.refs import Filters
from ledger.projections.refs import resolve as resolve_run


@dataclass(frozen=True)
class Resolution:
    """One requirement, resolved: what the run will hold and where from."""

    kind: str  # operation | file
    name: str  # how the requirement is named (the operation, the file path)
    how: str  # link | copy
    files: tuple[ResolvedFile, ...]
    from_run: str | None = None
    from_dir: str = ""  # the folder `ResolvedFile.source` paths are relative to
    data: bytes | None = None  # a file's bytes as written for the run (a config file with its flags)

    def event(self, run: str) -> NewEvent:
        data = DependencyResolved(
            kind=self.kind, name=self.name, how=self.how, run=self.from_run, files=self.files  # type: ignore[arg-type]
        )
        return NewEvent(run, data)


def run_names(opdef: OpDef) -> set[str]:
    """The flag-like names a user may give a run for: `prepare=RUN`."""
    return {req["name"] for req in opdef.requires if req["kind"] == "operation"}


def resolve(home: Home, opdef: OpDef, project_dir: str, chosen: dict[str, str]) -> list[Resolution]:
    """Every requirement of `opdef`, resolved; `chosen` maps an operation
    requirement's name to the run the user named for it."""
    out = []
    for req in opdef.requires:
        if req["kind"] == "operation":
            _check_defined(home, opdef.name, req["source"], project_dir)
            out.append(_resolve_operation(home, opdef.name, req, chosen.get(req["name"])))
        elif req["kind"] == "config":
            # written with the run's flags when the run is (ledger.executor.config_writes): here only looked for
            _check_file(req, project_dir, opdef.name)
        else:
            out.append(_resolve_file(req, project_dir, opdef.name))
    return out


def materialise(run_dir: Path, resolutions: tuple[Resolution, ...]) -> None:
    """Link or copy the resolved files into the run directory."""
    for res in resolutions:
        for f in res.files:
            dest = Path(run_dir, f.path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if res.data is not None:  # written for the run: it replaces a source file of that name
                dest.unlink(missing_ok=True)
                dest.write_bytes(res.data)
                continue
            if dest.is_symlink() or dest.exists():
                continue  # the run's own source file of that name stays
            source = Path(res.from_dir, f.source)
            if res.how == "link":
                dest.symlink_to(source)
            else:
                shutil.copy2(source, dest)


# --- helpers -----------------------------------------------------------------


def _check_defined(home: Home, op: str, name: str, project_dir: str) -> None:
    try:
        resolve_op(project_dir, name, Path(home.path, "cache"))
    except ProjectError:
        raise ProjectError(
            f"operation '{op}' requires operation '{name}', which is not defined in this project; check `requires:`"
        ) from None


def _resolve_operation(home: Home, op: str, req: dict, ref: str | None) -> Resolution:
    name = req["source"]
    try:
        if ref:
            run = resolve_run(home, ref, Filters(ops=(name,)), flags=False)
        else:
            run = resolve_run(home, None, Filters(ops=(name,), statuses=("completed",)), flags=False)
    except RunRefError:
        if ref:
            raise DependencyError(
                f"run {ref!r} is not a run of '{name}', which operation '{op}' requires; see `ledger runs -Fo {name}`"
            ) from None
        raise DependencyError(
            f"operation '{op}' requires a completed run of '{name}' and there is none; run `ledger run {name}` first"
        ) from None
    if run["op"] != name:  # an id prefix names any run: it must be one of `name`
        raise DependencyError(
            f"run {ref!r} is not a run of '{name}', which operation '{op}' requires; see `ledger runs -Fo {name}`"
        )
    run_dir = home.run_dir(run["id"])
    files = _select(_run_files(run_dir), req["select"])
    if req["select"] and not files:
        raise DependencyError(
            f"run {run['id'][:8]} of '{name}' has no file matching {', '.join(req['select'])}, "
            f"which operation '{op}' requires; check `select:`"
        )
    return Resolution(
        kind="operation",
        name=name,
        how=req["target_type"],
        files=tuple(_resolved(run_dir, rel, req) for rel in files),
        from_run=run["id"],
        from_dir=str(run_dir),
    )


def _check_file(req: dict, project_dir: str, op: str) -> Path:
    path = Path(project_dir, req["source"])
    if not path.exists():
        raise DependencyError(
            f"operation '{op}' requires {'config ' if req['kind'] == 'config' else ''}file '{req['source']}',"
            f" which is not in {project_dir}; create it or fix `requires:`"
        )
    return path


def _resolve_file(req: dict, project_dir: str, op: str) -> Resolution:
    path = _check_file(req, project_dir, op)
    root = path.resolve().parent if path.is_dir() else path.parent
    if path.is_dir():
        rels = [f"{path.resolve().name}/{rel}" for rel in _select(_tree(path), req["select"])]
    else:
        rels = [path.name]
    return Resolution(
        kind="file",
        name=req["source"],
        how=req["target_type"],
        files=tuple(_resolved(root, rel, req) for rel in rels),
        from_dir=str(root),
    )


def _resolved(root: str | Path, rel: str, req: dict) -> ResolvedFile:
    data = Path(root, rel).read_bytes()
    target = rel
    for pattern, repl in req["rename"]:
        target = re.sub(pattern, repl, target)
    if req["target_path"]:
        target = f"{req['target_path']}/{target}"
    path = os.path.normpath(target)  # `target-path: ../x` is refused below: the run directory holds it
    if path.startswith("..") or os.path.isabs(path):
        raise ProjectError(f"requirement {req['source']!r}: target {target!r} is outside the run directory")
    return ResolvedFile(path=path, source=rel, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _run_files(run_dir: Path) -> list[str]:
    return [rel for rel in _tree(run_dir) if rel.split("/", 1)[0] != ".ledger"]


def _tree(root: Path) -> list[str]:
    """Files under `root`, as sorted POSIX paths relative to it (symlinks followed)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _select(files: list[str], patterns: list[str]) -> list[str]:
    if not patterns:
        return files
    return [f for f in files if any(re.fullmatch(p, f) for p in patterns)]
