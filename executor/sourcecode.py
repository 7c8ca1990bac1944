"""Which files are a run's source code, and their digest.

Selection follows Guild AI: default rules first (skip `__pycache__`, hidden
and `.guild-nocopy`/`.ledger-nocopy` folders, virtualenvs, `build`,
`*.egg-info`; take text files under 1 MiB, at most 100 of them), then the
operation's rules; the last rule that matches a file decides. Patterns are
globs matched against the file name, or against the path relative to the
project when they contain a `/`. `.guildignore`/`.ledgerignore` (one glob a
line, `#` comments) exclude more files.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import ProjectError

MAX_FILE_SIZE = 1024 * 1024
MAX_FILES = 100
IGNORE_FILES = (".guildignore", ".ledgerignore")
_NOCOPY = (".guild-nocopy", ".ledger-nocopy")
_VENV_MARKERS = ("pyvenv.cfg", "bin/activate")
# a ledger (or Guild) home, or a run directory, inside the project: runs are
# not source code, and walking their thousands of files would be most of a run
_RUN_MARKERS = ("events/LOCK", ".ledger/attrs", ".guild/attrs")


@dataclass
class _Rule:
    """One include or exclude rule of an operation's `sourcecode:` selection."""

    include: bool
    pattern: str
    type: str | None = None  # None | "text" | "binary" | "dir"
    sentinels: tuple[str, ...] = ()
    size_limit: int | None = None
    max_matches: int | None = None
    matches: int = 0
    default: bool = False


# why a file was left out, for the warnings and for a main module that is missing
SKIPPED_SIZE = "it is over 1 MiB"
SKIPPED_LIMIT = f"only the first {MAX_FILES} source files are copied"
SKIPPED_SPECIAL = "it is not a regular file (a FIFO, socket, device or broken link)"
SKIPPED_UNREADABLE = "it cannot be read"
_SHOWN_SKIPPED = 5  # files a warning names


@dataclass
class Selection:
    """The source files (sorted posix paths relative to the source root),
    the warnings to show, and why some files were left out."""

    files: list[str]
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def select(
    project_dir: str | os.PathLike[str],
    rules: tuple | None = None,
    skip_dirs: tuple[str | os.PathLike[str], ...] = (),
    root: str | None = None,
) -> list[str]:
    """Sorted posix paths, relative to the source root, of the source files."""
    return select_explained(project_dir, rules, skip_dirs, root).files


def select_with_warnings(
    project_dir: str | os.PathLike[str],
    rules: tuple | None = None,
    skip_dirs: tuple[str | os.PathLike[str], ...] = (),
    root: str | None = None,
) -> tuple[list[str], list[str]]:
    """(files, warnings): warnings say which files the default limits left out."""
    selection = select_explained(project_dir, rules, skip_dirs, root)
    return selection.files, selection.warnings


def select_explained(
    project_dir: str | os.PathLike[str],
    rules: tuple | None = None,
    skip_dirs: tuple[str | os.PathLike[str], ...] = (),
    root: str | None = None,
) -> Selection:
    """The selection, with the files the default limits left out named in
    warnings that say how to take them, and the reason each file that is
    not a plain readable file was passed over. Only regular files are ever
    opened: reading a FIFO would wait forever."""
    src = os.path.join(project_dir, root) if root else os.fspath(project_dir)
    if root and not os.path.isdir(src):
        raise ProjectError(f"sourcecode root {root!r} is not a folder of {project_dir}; check `sourcecode: root:`")
    skip = {os.path.realpath(p) for p in skip_dirs}
    all_rules = _default_rules() + _ignore_file_rules(src) + [_user_rule(r, src) for r in rules or ()]
    file_rules = [r for r in all_rules if r.type != "dir"]
    dir_rules = [r for r in all_rules if r.type == "dir"]
    selected: list[str] = []
    skipped: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        dirnames[:] = [
            d for d in sorted(dirnames)
            if os.path.realpath(os.path.join(dirpath, d)) not in skip
            and _keep_dir(dir_rules, os.path.join(dirpath, d), _join(rel_dir, d))
        ]
        for name in sorted(filenames):
            rel = _join(rel_dir, name)
            info = _FileInfo(os.path.join(dirpath, name))
            if not info.is_regular:
                skipped[rel] = SKIPPED_SPECIAL
                continue
            chosen, decided_by = _select_file(file_rules, info, rel)
            if chosen:
                selected.append(rel)
                continue
            if info.unreadable:
                skipped[rel] = SKIPPED_UNREADABLE
                continue
            reason = _default_refusal(file_rules, info, rel) if decided_by is None else None
            if reason == "max matches":
                skipped[rel] = SKIPPED_LIMIT
            elif reason == "size":
                skipped[rel] = SKIPPED_SIZE
    return Selection(sorted(selected), _warnings(skipped), skipped)


def describe_rules(project_dir: str | os.PathLike[str], rules: tuple | None = None,
                   root: str | None = None) -> list[str]:  # fmt: skip
    """The rules a selection applies, in order (the last that matches a
    file decides), one line each: `exclude dir '.*'`, `include text '*'
    size < 1048576, max match 100`."""
    src = os.path.join(project_dir, root) if root else os.fspath(project_dir)
    lines = []
    for rule in _default_rules() + _ignore_file_rules(src) + [_user_rule(r, src) for r in rules or ()]:
        words = ["include" if rule.include else "exclude", *([rule.type] if rule.type else []), repr(rule.pattern)]
        if rule.sentinels:
            words.append("with " + " or ".join(repr(s) for s in rule.sentinels))
        limits = ([f"size < {rule.size_limit}"] if rule.size_limit else []) + (
            [f"max match {rule.max_matches}"] if rule.max_matches else []
        )
        lines.append(" ".join(words) + (" " + ", ".join(limits) if limits else ""))
    return lines


def _warnings(skipped: dict[str, str]) -> list[str]:
    """What the default limits left out, named, and how to take it."""
    out = []
    over = [rel for rel, why in skipped.items() if why == SKIPPED_LIMIT]
    if over:
        more = len(over) - _SHOWN_SKIPPED
        names = ", ".join(over[:_SHOWN_SKIPPED]) + (f" and {more} more" if more > 0 else "")
        out.append(
            f"WARNING: found more than {MAX_FILES} source files: copied {MAX_FILES}, skipped {len(over)} ({names});"
            " choose the files the run needs with `sourcecode:` rules in the project file"
            " (e.g. `sourcecode: ['*.py', 'conf/*.yml']`), or list folders to leave out in .ledgerignore"
        )
    for rel, why in skipped.items():
        if why == SKIPPED_SIZE:
            out.append(
                f"WARNING: skipped source file {rel}: {why}; if the run needs it, select it with a `sourcecode:`"
                f" rule in the project file (e.g. `sourcecode: [{{include: {rel}}}]`)"
            )
    return out


def digest(files: list[tuple[str, bytes]]) -> str:
    """Guild's `sourcecode_digest`: an MD5 over each file, in path order, of
    its path, a NUL byte, its bytes and a NUL byte."""
    md5 = hashlib.md5(usedforsecurity=False)
    for path, data in sorted(files, key=lambda f: f[0]):
        md5.update(path.replace(os.sep, "/").encode("utf-8"))
        md5.update(b"\x00")
        md5.update(data)
        md5.update(b"\x00")
    return md5.hexdigest()


def normalize_rules(op_v: Any, model_v: Any, where: str) -> tuple[tuple | None, str | None]:
    """A project file's `sourcecode` (operation and model level) as
    ((action, pattern, type), ...) rules and a root folder."""
    if op_v is False or (model_v is False and op_v is None):
        return (("exclude", "*", None),), None
    rules: list[tuple] = []
    root = None
    for spec in (model_v, op_v):
        if spec is None or spec is False:
            continue
        spec_rules, spec_root = _spec_rules(spec, where)
        rules.extend(spec_rules)
        root = spec_root or root
    return (tuple(rules) or None), root


# --- rules ---------------------------------------------------------------------


def _default_rules() -> list[_Rule]:
    return [
        _Rule(False, "__pycache__", "dir", default=True),
        _Rule(False, ".*", "dir", default=True),
        _Rule(False, "*", "dir", sentinels=_NOCOPY, default=True),
        _Rule(False, "*", "dir", sentinels=_VENV_MARKERS, default=True),
        _Rule(False, "*", "dir", sentinels=_RUN_MARKERS, default=True),
        _Rule(False, "build", "dir", default=True),
        _Rule(False, "*.egg-info", "dir", default=True),
        _Rule(True, "*", "text", size_limit=MAX_FILE_SIZE, max_matches=MAX_FILES, default=True),
        _Rule(False, ".*", default=True),  # hidden files (.env, .guildignore...)
    ]


def _ignore_file_rules(src: str) -> list[_Rule]:
    rules = []
    for name in IGNORE_FILES:
        try:
            with open(os.path.join(src, name), encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                rules.append(_Rule(False, line.rstrip("/"), default=True))
                if line.endswith("/"):
                    rules.append(_Rule(False, line.rstrip("/"), "dir", default=True))
    return rules


def _user_rule(rule: tuple | list, src: str) -> _Rule:
    action, pattern, kind = rule
    if kind is None and os.path.isdir(os.path.join(src, pattern)):
        pattern = pattern.rstrip("/") + "/*"  # a folder name means the files in it
    return _Rule(action == "include", pattern, kind)


def _keep_dir(rules: list[_Rule], full: str, rel: str) -> bool:
    keep = True
    for rule in rules:
        if _matches(rule.pattern, rel) and (not rule.sentinels or any(_exists(full, s) for s in rule.sentinels)):
            keep = rule.include
    return keep


def _select_file(rules: list[_Rule], info: _FileInfo, rel: str) -> tuple[bool, _Rule | None]:
    result, decided_by = False, None
    for rule in rules:
        if _test(rule, info, rel):
            rule.matches += 1
            result, decided_by = rule.include, rule
    return result, decided_by


def _default_refusal(rules: list[_Rule], info: _FileInfo, rel: str) -> str | None:
    """Why the default include rule turned down a file nothing else matched."""
    rule = next(r for r in rules if r.default and r.include)
    if not _matches(rule.pattern, rel) or _is_hidden(rel) or not info.is_text:
        return None
    if rule.size_limit is not None and info.size >= rule.size_limit:
        return "size"
    return "max matches" if rule.max_matches is not None and rule.matches >= rule.max_matches else None


def _test(rule: _Rule, info: _FileInfo, rel: str) -> bool:
    if rule.max_matches is not None and rule.matches >= rule.max_matches:
        return False
    if not _matches(rule.pattern, rel):
        return False
    if rule.default and rule.include and _is_hidden(rel):
        return False  # hidden files do not count against the 100-file limit
    if rule.type == "text" and not info.is_text:
        return False
    if rule.type == "binary" and info.is_text:
        return False
    return rule.size_limit is None or info.size < rule.size_limit


def _matches(pattern: str, rel: str) -> bool:
    pattern = pattern.lstrip("/")
    target = rel if "/" in pattern else rel.rsplit("/", 1)[-1]
    return fnmatch.fnmatchcase(target, pattern)


def _is_hidden(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1].startswith(".")


class _FileInfo:
    """Size and text-ness of a file, read only when a rule asks."""

    def __init__(self, full: str) -> None:
        self.full = full
        try:
            st = os.stat(full)  # a symlink counts as what it points to
            self.is_regular = stat.S_ISREG(st.st_mode)
            self.size = st.st_size
        except OSError:  # a dangling symlink
            self.is_regular, self.size = False, 0
        self.unreadable = False
        self._text: bool | None = None

    @property
    def is_text(self) -> bool:
        if self._text is None:
            try:
                with open(self.full, "rb") as f:
                    self._text = b"\x00" not in f.read(1024)
            except OSError:
                self._text = False
                self.unreadable = True
        return self._text


def _exists(dir_path: str, sentinel: str) -> bool:
    return os.path.exists(os.path.join(dir_path, sentinel))


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def _spec_rules(v: Any, where: str) -> tuple[list[tuple], str | None]:
    if isinstance(v, dict):
        root = v.get("root")
        if root is not None and not isinstance(root, str):
            raise ProjectError(f"{where}: sourcecode root must be a folder path")
        rules = _select_rules(_as_list(v.get("select")), where)
        rules += [("exclude", str(p), None) for p in _as_list(v.get("exclude"))]
        return rules, root
    return _select_rules(_as_list(v), where), None


def _select_rules(items: list, where: str) -> list[tuple]:
    rules: list[tuple] = []
    for item in items:
        if isinstance(item, str):
            rules.append(("include", item, None))
        elif isinstance(item, dict) and len(item) == 1 and next(iter(item)) in ("include", "exclude"):
            (action, spec), = item.items()
            rules.extend(_typed_patterns(action, spec, where))
        else:
            raise ProjectError(
                f"{where}: invalid sourcecode rule {item!r}; use a glob string, `include: GLOB` or `exclude: GLOB`"
            )
    if items and isinstance(items[0], str):
        # A list that starts with plain globs selects only those files (Guild).
        rules.insert(0, ("exclude", "*", None))
    return rules


def _typed_patterns(action: str, spec: Any, where: str) -> list[tuple]:
    if isinstance(spec, dict):
        out: list[tuple] = []
        for kind, patterns in spec.items():
            if kind not in ("dir", "text", "binary"):
                raise ProjectError(f"{where}: sourcecode {action}: unknown type {kind!r}; use dir, text or binary")
            out.extend((action, str(p), kind) for p in _as_list(patterns))
        return out
    return [(action, str(p), None) for p in _as_list(spec)]


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]
