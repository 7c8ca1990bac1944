"""`ledger ls` and `ledger cat` as Guild users type them: the run directory
line, folders listed, -p PATTERN, -s/-d/-g, -a, -L, -f, -n; cat -s."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import with_scripts
from tests.e2e.guild.conftest import use


def test_the_run_directory_then_each_file_and_folder(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"write.py": "import os\nos.makedirs('out/deep')\nopen('out/deep/m.bin', 'w')\n"})
    ledger("run", "write.py", "-y")
    run_dir = Path(ledger("select", "-p").out.strip())
    assert ledger("ls").out.splitlines() == [f"{run_dir}:", "  out/", "  out/deep/", "  out/deep/m.bin", "  write.py"]
    assert ledger("ls", "-n").out.split() == ["out/", "out/deep/", "out/deep/m.bin", "write.py"]
    assert ledger("ls", "-f", "-p", "out/deep").out.split() == [f"{run_dir}/out/deep/", f"{run_dir}/out/deep/m.bin"]
    assert ledger("ls", "-n", "-p", "*.py").out.split() == ["write.py"]
    assert ledger("ls", "-n", "-p", "out/*").out.split() == ["out/deep/", "out/deep/m.bin"]
    assert ledger("ls", "-n", "-g").out.split() == ["out/deep/m.bin"]  # written by the run: not folders, not source
    assert ledger("ls", "-n", "-s").out.split() == ["write.py"]
    assert "/.ledger/" not in ledger("ls", "-f").out and ".ledger/attrs/flags" in ledger("ls", "-a", "-n").out.split()
    assert ledger("ls", "-n", "-p", ".ledger/attrs/flags").out.split() == [".ledger/attrs/flags"]
    assert "inside the run directory" in ledger.fails("ls", "-p", "../x").err


def test_dot_names_are_shown_with_all_only(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"w.py": "open('.hidden', 'w').write('h')\nopen('seen', 'w').write('s')\n"})
    ledger("run", "w.py", "-y")
    assert ledger("ls", "-n", "-g").out.split() == ["seen"]
    assert ".hidden" in ledger("ls", "-n", "-a").out.split()


def test_links_are_followed_with_L(tmp_path: Path) -> None:
    target = tmp_path / "shared"
    (target / "sub").mkdir(parents=True)
    (target / "sub" / "f.txt").write_text("f")
    ledger = with_scripts(tmp_path, {"link.py": f"import os\nos.symlink({str(target)!r}, 'shared')\n"})
    ledger("run", "link.py", "-y")
    assert ledger("ls", "-n", "-p", "shared").out.split() == ["shared/"]
    assert ledger("ls", "-n", "-L", "-p", "shared").out.split() == ["shared/", "shared/sub/", "shared/sub/f.txt"]


def test_dependencies_sources_and_generated_files(tmp_path: Path) -> None:
    ledger, _ = use("pipeline", tmp_path)
    ledger("run", "prepare", "-y")
    ledger("run", "train", "-y")
    assert ledger("ls", "-n", "-d").out.split() == ["conf/config.txt", "data.txt"]
    assert ledger("ls", "-n", "-s").out.split() == ["config.txt", "guild.yml", "prepare.py", "train.py"]
    assert ledger("ls", "-n", "-g").out == ""
    assert ledger("ls", "-n", "-g", "-Fo", "prepare").out.split() == ["data.txt"]
    assert ledger("ls", "-n", "-d", "-s", "-p", "c*").out.split() == ["conf/config.txt", "config.txt"]


def test_cat_sourcecode_prints_the_recorded_source(tmp_path: Path) -> None:
    ledger = with_scripts(tmp_path, {"edit.py": "open(__file__, 'a').write('# changed by the run\\n')\n"})
    ledger("run", "edit.py", "-y")
    assert ledger("cat", "-p", "edit.py").out.endswith("# changed by the run\n")
    assert ledger("cat", "-s", "-p", "edit.py").out == "open(__file__, 'a').write('# changed by the run\\n')\n"
    assert "has no source file nope.py" in ledger.fails("cat", "--sourcecode", "-p", "nope.py").err
