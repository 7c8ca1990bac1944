"""The project's git commit and whether its tracked files differ from it.

Recorded with every run of a project that is a git checkout, so a result
can be traced to the code's commit as well as to its copied source. The
commit is read from .git's files; only the dirty check runs git.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable


def find_git_dir(start: str | os.PathLike[str]) -> str | None:
    folder = os.fspath(start)
    while True:
        candidate = os.path.join(folder, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):  # a worktree or submodule: "gitdir: <path>"
            text = _read(candidate)
            if text.startswith("gitdir:"):
                return os.path.realpath(os.path.join(folder, text[7:].strip()))
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read().strip()


def _resolve_ref(git_dir: str, ref: str) -> str | None:
    for base in (git_dir, _common_dir(git_dir)):
        path = os.path.join(base, ref)
        if os.path.isfile(path):
            return _read(path)
        packed = os.path.join(base, "packed-refs")
        if os.path.isfile(packed):
            for line in _read(packed).splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    return None


def _common_dir(git_dir: str) -> str:
    common = os.path.join(git_dir, "commondir")
    return os.path.realpath(os.path.join(git_dir, _read(common))) if os.path.isfile(common) else git_dir


def git_info(project_dir: str | os.PathLike[str]) -> dict | None:
    """{"commit", "branch", "dirty"} of the checkout holding `project_dir`,
    or None when it is not in one. `dirty` is None when git cannot say."""
    return start(project_dir)()


def start(project_dir: str | os.PathLike[str]) -> Callable[[], dict | None]:
    """`git_info` in two steps: this call starts git's dirty check, the
    call it returns waits for it, so a run's planning goes on meanwhile."""
    git_dir = find_git_dir(os.path.realpath(project_dir))
    if git_dir is None:
        return lambda: None
    try:
        head = _read(os.path.join(git_dir, "HEAD"))
    except OSError:
        return lambda: None
    branch, commit = None, head
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
