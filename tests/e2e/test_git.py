"""A run of a project that is a git checkout records its commit and
whether tracked files differed from it."""

from __future__ import annotations

import json
import os
import subprocess

from tests.e2e.conftest import Ledger


def git(cwd, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def created(ledger: Ledger, ref: str = "1") -> dict:
    return json.loads(ledger("log", ref, "--json").out.splitlines()[0])["data"]


def test_git_commit_and_dirty_flag(ledger: Ledger) -> None:
    git(ledger.cwd, "init", "-q")
    git(ledger.cwd, "add", ".")
    git(ledger.cwd, "commit", "-q", "-m", "start")
    head = git(ledger.cwd, "rev-parse", "HEAD")

    ledger("run", "echo", "-y")
    assert created(ledger)["git"] == {"commit": head, "branch": git(ledger.cwd, "branch", "--show-current"),
                                      "dirty": False}
    assert ledger("select", "--attr", "vcs_commit").out.strip() == f"git:{head}"

    (ledger.cwd / "echo.py").write_text((ledger.cwd / "echo.py").read_text() + "# edited\n")
    ledger("run", "echo", "-y")
    assert created(ledger)["git"]["dirty"] is True
    assert ledger("select", "--attr", "vcs_commit").out.strip() == f"git:{head}*"

    # a run from a proto runs the proto's code: it keeps the proto's git state
    ledger("run", "--proto", ledger("select", "2").out.strip(), "-y")
    assert created(ledger)["git"]["dirty"] is False


def test_no_git_no_record(ledger: Ledger) -> None:
    ledger("run", "echo", "-y")
    assert created(ledger)["git"] is None
