
import os

import pytest

from ledger.executor.sourcecode import (
    SKIPPED_SPECIAL,
    digest,
    normalize_rules,
    select,
    select_explained,
    select_with_warnings,
)


def write(root, rel, data=b"x = 1\n"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def tree(tmp_path):
    for rel in ["train.py", "guild.yml", "README.md", "pkg/__init__.py", "pkg/model.py", "data/a.csv"]:
        write(tmp_path, rel)
    write(tmp_path, "image.png", b"\x89PNG\x00\x01")
    write(tmp_path, "big.txt", b"a" * (1024 * 1024 + 1))
    write(tmp_path, ".env", b"SECRET=1\n")
    write(tmp_path, ".git/config", b"[core]\n")
    write(tmp_path, "__pycache__/train.cpython-311.pyc", b"abc")
    write(tmp_path, "venv/pyvenv.cfg", b"home = /usr\n")
    write(tmp_path, "venv/lib/site.py", b"x\n")
    write(tmp_path, "myenv/bin/activate", b"x\n")
    write(tmp_path, "build/out.py", b"x\n")
    write(tmp_path, "x.egg-info/PKG-INFO", b"x\n")
    write(tmp_path, "home/events/seg.jsonl", b"{}\n")
    write(tmp_path, "skipme/.ledger-nocopy", b"")
    write(tmp_path, "skipme/a.py", b"x\n")
    return tmp_path


def test_default_selection(tree):
    files, warnings = select_with_warnings(tree, None, skip_dirs=(tree / "home",))
    assert files == ["README.md", "data/a.csv", "guild.yml", "pkg/__init__.py", "pkg/model.py", "train.py"]
    assert warnings == [
        "WARNING: skipped source file big.txt: it is over 1 MiB; if the run needs it, select it with a `sourcecode:`"
        " rule in the project file (e.g. `sourcecode: [{include: big.txt}]`)"
    ]


def test_rules_select_only_listed_globs(tree):
    rules, _ = normalize_rules(["*.py", "guild.yml", {"exclude": {"dir": "pkg"}}], None, "w")
    assert select(tree, rules, skip_dirs=(tree / "home",)) == ["guild.yml", "train.py"]


def test_rules_add_and_remove_from_the_defaults(tree):
    rules, _ = normalize_rules([{"include": "*.png"}, {"exclude": ["data", "README.md"]}], None, "w")
    assert select(tree, rules, (tree / "home",)) == ["guild.yml", "image.png", "pkg/__init__.py", "pkg/model.py", "train.py"]


def test_path_patterns_and_root(tree):
    rules, root = normalize_rules({"root": "pkg", "select": ["*.py"], "exclude": "__init__.py"}, None, "w")
    assert root == "pkg" and select(tree, rules, root=root) == ["model.py"]
    rules, _ = normalize_rules([{"exclude": "pkg/*.py"}], None, "w")
    assert "pkg/model.py" not in select(tree, rules) and "train.py" in select(tree, rules)


def test_disabled_and_model_level_rules(tree):
    assert select(tree, normalize_rules(False, None, "w")[0]) == []
    assert select(tree, normalize_rules(None, False, "w")[0]) == []
    rules, _ = normalize_rules([{"exclude": "*.md"}], [{"exclude": "*.yml"}], "w")
    assert "guild.yml" not in select(tree, rules) and "README.md" not in select(tree, rules)


def test_ignore_file(tree):
    write(tree, ".guildignore", b"# comment\ntrain.py\ndata/\n")
    assert select(tree, None, (tree / "home",)) == ["README.md", "guild.yml", "pkg/__init__.py", "pkg/model.py"]


def test_more_than_100_files_warns(tmp_path):
    for i in range(105):
        write(tmp_path, f"f{i:03}.py")
    files, warnings = select_with_warnings(tmp_path)
    assert len(files) == 100 and files[-1] == "f099.py"
    assert warnings and "more than 100 source files" in warnings[0]


def test_digest_matches_guild():
    assert digest([("hello.py", b"print('hello-1')")]) == "a17a8625d62d51b51264a0a4757fefa8"
    assert digest([("hello.py", b"print('hello-2')")]) == "e0c8c7babaeb011426609e980529e4d5"


def test_digest_is_stable_and_sensitive():
    files = [("b.py", b"2"), ("a.py", b"1")]
    assert digest(files) == digest(list(reversed(files)))
    assert digest(files) != digest([("b.py", b"2"), ("a.py", b"1 ")])
    assert digest(files) != digest([("b.py", b"2"), ("c.py", b"1")])
    assert digest([("ab", b"c")]) != digest([("a", b"bc")])


def test_homes_and_run_directories_are_not_source(tmp_path):
    from ledger.executor.sourcecode import select

    (tmp_path / "train.py").write_text("x = 1\n")
    for folder, marker in (("other-home", "events/LOCK"), ("runs/abc", ".ledger/attrs/id"), ("g/r1", ".guild/attrs/id")):
        (tmp_path / folder / marker).parent.mkdir(parents=True)
        (tmp_path / folder / marker).write_text("")
        (tmp_path / folder / "script.py").write_text("print(1)\n")
    assert select(tmp_path) == ["train.py"]


def test_special_files_are_passed_over_unopened(tmp_path):
    write(tmp_path, "train.py")
    os.mkfifo(tmp_path / "fifo.py")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling.py")
    os.symlink(tmp_path / "train.py", tmp_path / "link.py")
    selection = select_explained(tmp_path)
    assert selection.files == ["link.py", "train.py"]
    assert selection.skipped == {"dangling.py": SKIPPED_SPECIAL, "fifo.py": SKIPPED_SPECIAL}
    assert selection.warnings == []
