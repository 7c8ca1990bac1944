"""The project's git commit and whether its tracked files differ from it.

Recorded with every run of a project that is a git checkout, so a result
can be traced to the code's commit as well as to its copied source. The
commit is read from .git's files; only the dirty check runs git.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from executor.process import Process


def find_git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = candidate.read_text().strip()
            if text.startswith("gitdir:"):
                return (folder / text[7:].strip()).resolve()
    return None


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    for base in (git_dir, _common_dir(git_dir)):
        path = base / ref
        if path.is_file():
            return path.read_text().strip()
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    return None


def _common_dir(git_dir: Path) -> Path:
    common = git_dir / "commondir"
    return (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir


def git_info(project_dir: Path) -> dict | None:
    """{"commit", "branch", "dirty"} of the checkout holding `project_dir`,
    or None when it is not in one. `dirty` is None when git cannot say."""
    return start(project_dir)()


def start(project_dir: Path) -> Callable[[], dict | None]:
    """`git_info` in two steps: this call starts git's dirty check, the
    call it returns waits for it, so a run's planning goes on meanwhile."""
    git_dir = find_git_dir(Path(project_dir).resolve())
    if git_dir is None:
        return lambda: None
    try:
        head = (git_dir / "HEAD").read_text().strip()
    except OSError:
        return lambda: None
    branch, commit = None, head
    if head.startswith("ref:"):
        ref = head[4:].strip()
        branch = ref.rsplit("/", 1)[-1] if ref.startswith("refs/heads/") else ref
        commit = _resolve_ref(git_dir, ref)  # None on a branch with no commit yet
    dirty = _start_dirty(project_dir)
    return lambda: {"commit": commit, "branch": branch, "dirty": dirty()}


def _start_dirty(project_dir: Path) -> Callable[[], bool | None]:
    argv = ["git", "-C", str(project_dir), "status", "--porcelain", "--untracked-files=no"]
    try:
        proc = Process(argv, {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, piped=(1,), search=True)
    except OSError:  # no git
        return lambda: None

    def finish() -> bool | None:
        try:
            out = proc.read_all(timeout=10)
            code = proc.wait()
        finally:
            proc.close()
        return bool(out.strip()) if out is not None and code == 0 else None

    return finish
