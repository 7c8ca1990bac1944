"""The files of a run directory as `ledger ls` lists them, Guild's way.

Each file is source code (the run's last SourcecodeCopied names it), a
dependency (a DependencyResolved put it there) or generated (anything else
the run wrote, outside the .ledger folder); `-s`, `-d` and `-g` pick kinds.
Names starting with a dot are left out unless `all_` or `sourcecode`, or a
pattern names them. A PATTERN with `*` or `?` matches path parts one by one (`*.txt`,
`out/*`); without, it is a path: that file, or the folder and all under it.
Folders are listed too, with a trailing `/`.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from ledger import verified
from ledger.errors import LedgerError
from ledger.events import DependencyResolved, SourcecodeCopied
from ledger.home import Home
from ledger.projections import rundir


@dataclass(frozen=True)
class Listing:
    pattern: str | None = None
    sourcecode: bool = False
    dependencies: bool = False
    generated: bool = False
    all_: bool = False
    follow_links: bool = False

    @property
    def dot_names(self) -> bool:
        """Source files are listed whatever their names, as Guild lists them."""
        return self.all_ or self.sourcecode

    @property
    def kinds(self) -> set[str]:
        return {k for k, on in (("s", self.sourcecode), ("d", self.dependencies), ("g", self.generated)) if on}


def list_files(home: Home, run_id: str, how: Listing = Listing()) -> list[str]:
    """Paths relative to the run directory, folders ending in `/`, sorted."""
    if how.pattern and (how.pattern.startswith("/") or ".." in PurePosixPath(how.pattern).parts):
        raise LedgerError(f"-p {how.pattern}: give a path inside the run directory, relative to it")
    events = verified.stream(home.store, run_id)  # a run whose events were altered is not listed as if intact
    kinds = how.kinds
    kind_of: dict[str, str] = {}
    if kinds:
        for ev in events:
            if isinstance(ev.data, SourcecodeCopied):
                kind_of = {p: k for p, k in kind_of.items() if k != "s"} | {f.path: "s" for f in ev.data.files}
            elif isinstance(ev.data, DependencyResolved):
                kind_of.update({f.path: "d" for f in ev.data.files})
    wanted = _pattern(how.pattern)
    root = home.run_dir(run_id)
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=how.follow_links):
        rel_dir = PurePosixPath(_relative(dirpath, root))
        dirnames.sort()
        for name in [*dirnames, *filenames]:
            rel = (rel_dir / name).as_posix()
            parts = rel.split("/")
            is_dir = name in dirnames
            shown = (how.dot_names or _hidden_allowed(parts, how.pattern)) and wanted(parts)
            if kinds and shown:
                kind = kind_of.get(rel)
                shown = not is_dir and (kind or ("g" if parts[0] != rundir.META else "")) in kinds
            if shown:
                out.append(rel + "/" if is_dir else rel)
        # a folder nothing below could match is not walked
        dirnames[:] = [d for d in dirnames if _may_walk(rel_dir / d, how)]
    return sorted(out)


def _relative(dirpath: str, root: os.PathLike[str]) -> str:
    rel = os.path.relpath(dirpath, root)
    return "" if rel == "." else rel


def _may_walk(folder: PurePosixPath, how: Listing) -> bool:
    return (how.dot_names or _hidden_allowed(list(folder.parts), how.pattern)) and _may_hold(how.pattern, folder)


def _hidden_allowed(parts: list[str], pattern: str | None) -> bool:
    """A dot-name is shown only where the pattern names it with a dot too."""
    named = pattern.split("/") if pattern else []
    return all(
        not part.startswith(".") or (i < len(named) and named[i].startswith(".")) for i, part in enumerate(parts)
    )


def _pattern(pattern: str | None):
    if not pattern:
        return lambda parts: True
    named = [p for p in pattern.split("/") if p]
    if "*" in pattern or "?" in pattern:
        return lambda parts: len(parts) >= len(named) and all(fnmatch.fnmatch(a, b) for a, b in zip(parts, named))
    return lambda parts: parts[: len(named)] == named


def _may_hold(pattern: str | None, folder: PurePosixPath) -> bool:
    if not pattern or "*" in pattern or "?" in pattern:
        return True
    named = [p for p in pattern.split("/") if p]
    parts = list(folder.parts)
    shared = min(len(parts), len(named))
    return parts[:shared] == named[:shared]
