"""A script's AST facts (flags, destination, rewrite slots) are cached by
the script's bytes and the code that reads them: an unchanged script is not
parsed again, and a changed script, changed code or a damaged entry is
worked out afresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.errors import ProjectError
from ledger.executor import project
from ledger.executor.inject import rewrite_globals
from ledger.executor.project import resolve_op, script_analysis
from ledger.executor.script_ast import literal_slots


def test_the_cached_analysis_equals_a_fresh_one(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("lr = 0.1\nepochs = 3\nname = 'a'\nprint(lr, epochs, name)\n")
    cache = tmp_path / "cache"
    first = script_analysis(script.read_bytes(), "train.py", cache)
    assert len(list(cache.iterdir())) == 1
    assert script_analysis(script.read_bytes(), "train.py", cache) == first == script_analysis(script.read_bytes(), "train.py", None)
    source = script.read_text()
    assert rewrite_globals(source, {"lr": 0.5}, first["slots"]) == rewrite_globals(source, {"lr": 0.5}, literal_slots(source))


def test_a_changed_script_is_analysed_again(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    cache = tmp_path / "cache"
    script.write_text("lr = 0.1\n")
    assert set(resolve_op(tmp_path, "train.py", cache).flags) == {"lr"}
    script.write_text("lr = 0.1\nbatch = 32\n")
    assert set(resolve_op(tmp_path, "train.py", cache).flags) == {"lr", "batch"}


def test_a_damaged_cache_entry_is_replaced(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("lr = 0.1\n")
    cache = tmp_path / "cache"
    good = script_analysis(script.read_bytes(), "train.py", cache)
    (entry,) = cache.iterdir()
    entry.write_text("{not json")
    assert script_analysis(script.read_bytes(), "train.py", cache) == good
    entry.write_text('{"flags": {}}')  # valid JSON, not an analysis
    assert script_analysis(script.read_bytes(), "train.py", cache) == good
    entry.write_text('{"flags": {"lr": 1}, "dest": "globals", "slots": [["lr", 1]]}')  # the keys, not the shape
    assert script_analysis(script.read_bytes(), "train.py", cache) == good


def test_a_syntax_error_is_reported_and_not_cached(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("x = = 1\n")
    cache = tmp_path / "cache"
    with pytest.raises(ProjectError, match="bad.py: .*syntax error at line 1"):
        script_analysis(script.read_bytes(), "bad.py", cache)
    assert not cache.exists() or not list(cache.iterdir())


def test_an_unchanged_script_is_read_from_the_cache_until_the_code_changes(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "echo.py").write_text("x = 1.0\nprint(x)\n")
    cache = tmp_path / "cache"
    assert resolve_op(tmp_path, "echo.py", cache).flags["x"].default == 1.0
    (entry,) = cache.iterdir()
    analysis = json.loads(entry.read_text())
    analysis["flags"]["x"]["default"] = 9.0  # what only the cache says
    entry.write_text(json.dumps(analysis))
    assert resolve_op(tmp_path, "echo.py", cache).flags["x"].default == 9.0
    monkeypatch.setattr(project, "CODE_VERSION", "another-version")
    assert resolve_op(tmp_path, "echo.py", cache).flags["x"].default == 1.0


def test_the_code_version_covers_every_module_of_the_package(tmp_path: Path) -> None:
    """The cache key is the package's code, all of it: a change to a module
    the parsing imports (ledger/limits.py, say) or to any other is another key."""
    copy = tmp_path / "ledger"
    # links followed, times kept: the same code
    shutil.copytree(project.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert project._code_version(copy) == project.CODE_VERSION
    limits = copy / "limits.py"
    text = limits.read_text()
    limits.write_text(text + "\n# changed\n")
    assert project._code_version(copy) != project.CODE_VERSION
    shutil.copy2(project.PACKAGE / "limits.py", limits)
    assert project._code_version(copy) == project.CODE_VERSION
    limits.write_text(text.replace("int64", "int46", 1))  # the same size, written now
    assert project._code_version(copy) != project.CODE_VERSION
    shutil.copy2(project.PACKAGE / "limits.py", limits)
    limits.rename(copy / "executor" / "limits.py")  # the same bytes elsewhere: another package
    assert project._code_version(copy) != project.CODE_VERSION
