"""The project's git commit and whether its tracked files differ from it.

Recorded with every run of a project that is a git checkout, so a result
can be traced to the code's commit as well as to its copied source. The
commit is read from .git's files; only the dirty check runs git.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path


def find_git_dir(start: str | os.PathLike[str]) -> Path | None:
    for folder in (Path(start), *Path(start).parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = _read(candidate)
            if text.startswith("gitdir:"):
                return (folder / text[7:].strip()).resolve()
    return None


def _read(path: Path) -> str:
    return path.read_text().strip()


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    for base in (git_dir, _common_dir(git_dir)):
        if (base / ref).is_file():
            return _read(base / ref)
        packed = base / "packed-refs"
        if packed.is_file():
            for line in _read(packed).splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    return None


def _common_dir(git_dir: Path) -> Path:
    common = git_dir / "commondir"
    return (git_dir / _read(common)).resolve() if common.is_file() else git_dir


def git_info(project_dir: str | os.PathLike[str]) -> dict | None:
    """{"commit", "branch", "dirty"} of the checkout holding `project_dir`,
    or None when it is not in one. `dirty` is None when git cannot say."""
    return start(project_dir)()


def start(project_dir: str | os.PathLike[str]) -> Callable[[], dict | None]:
    """`git_info` in two steps: this call starts git's dirty check, the
    call it returns waits for it, so a run's planning goes on meanwhile."""
    git_dir = find_git_dir(Path(project_dir).resolve())
    if git_dir is None:
        return lambda: None
    try:
        head = _read(git_dir / "HEAD")
    except OSError:
        return lambda: None
    branch: str | None = None
    commit: str | None = head
    if head.startswith("ref:"):
        ref = head[4:].strip()
        branch = ref.rsplit("/", 1)[-1] if ref.startswith("refs/heads/") else ref
        commit = _resolve_ref(git_dir, ref)  # None on a branch with no commit yet
    dirty = _start_dirty(project_dir)
    return lambda: {"commit": commit, "branch": branch, "dirty": dirty()}


def _start_dirty(project_dir: str | os.PathLike[str]) -> Callable[[], bool | None]:
    argv = ["git", "-C", os.fspath(project_dir), "status", "--porcelain", "--untracked-files=no"]
    try:
        proc = subprocess.Popen(
            argv,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no git
        return lambda: None

    def finish() -> bool | None:
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return None
        return bool(out.strip()) if proc.returncode == 0 else None

    return finish
