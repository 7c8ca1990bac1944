"""Several config files for one operation (`flags-dest: multi-config:`) and
config files as requirements (`requires: - config: FILE`), as Guild has
them: each file the run gets is written with the run's flag values and
recorded as a config dependency, so a proto replays the same files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Ledger
from tests.e2e.guild.conftest import use


@pytest.fixture
def configdeps(tmp_path: Path) -> Ledger:
    return use("configdeps", tmp_path)[0]


def run_dir(ledger: Ledger, ref: str = "1") -> Path:
    return Path(ledger("select", ref, "--path").out.strip())


def resolving(result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("Resolving")]


# --- multi-config -------------------------------------------------------------


def test_a_glob_writes_every_matched_config_file_with_every_flag(configdeps: Ledger) -> None:
    help_op = configdeps("run", "glob", "--help-op").out
    # the union of the files' keys; lr is in a.yml and b.json: the first file (sorted) gives its default
    for line in ("layers    (default is 2)", "lr        (default is 0.1)", "opt.name  (default is adam)",
                 "seed      (default is 1)"):  # fmt: skip
        assert line in help_op, help_op
    result = configdeps("run", "glob", "lr=0.7", "seed=3", "-y")
    # notes.txt matches the glob but is no config file: it is left out, with a warning
    assert "multi-config:conf/* matched conf/notes.txt, which is not a config file" in result.err
    assert resolving(result) == [
        "Resolving config:conf/a.yml dependency",
        "Resolving config:conf/b.json dependency",
        "Resolving config:conf/c.ini.in dependency",
    ]
    assert result.out.splitlines() == [
        "a.yml: layers: 2 lr: 0.7 opt: name: adam seed: 3",
        'b.json: {"layers": 2, "lr": 0.7, "opt": {"name": "adam"}, "seed": 3}',
        "c.ini: [DEFAULT] layers = 2 lr = 0.7 seed = 3 [opt] name = adam",  # `.in` dropped from its name
    ]
    assert yaml.safe_load(configdeps("cat", "-p", "a.yml").out) == {
        "layers": 2, "lr": 0.7, "opt": {"name": "adam"}, "seed": 3,
    }  # fmt: skip
    assert configdeps("ls", "-d", "-n").out.split() == ["a.yml", "b.json", "c.ini"]
    # the project's files are left as they were
    assert (configdeps.cwd / "conf" / "a.yml").read_text() == "lr: 0.1\nlayers: 2\n"


def test_a_regex_is_matched_from_the_start_of_each_path(configdeps: Ledger) -> None:
    result = configdeps("run", "regex", "opt.name=sgd", "-y")
    assert resolving(result) == ["Resolving config:conf/a.yml dependency", "Resolving config:conf/b.json dependency"]
    assert "opt: name: sgd" in result.out and '"opt": {"name": "sgd"}' in result.out
    assert "seed" not in configdeps("run", "regex", "--help-op").out


def test_a_pattern_that_matches_nothing_runs_with_no_config_file(configdeps: Ledger) -> None:
    result = configdeps("run", "unmatched", "-y")
    assert result.code == 0 and resolving(result) == []
    assert "dependencies" not in configdeps("runs", "info", "1").out


def test_a_proto_replays_the_files_its_run_had_from_its_own_source(configdeps: Ledger) -> None:
    configdeps("run", "glob", "lr=0.7", "-y")
    proto = configdeps("select", "1").out.strip()
    # the project changes: a new file matches, and a.yml gains a key
    (configdeps.cwd / "conf" / "d.yml").write_text("extra: 1\n")
    (configdeps.cwd / "conf" / "a.yml").write_text("lr: 0.1\nlayers: 2\nadded: yes\n")
    result = configdeps("run", "--proto", proto, "layers=5", "-y")
    assert resolving(result) == [
        "Resolving config:conf/a.yml dependency",
        "Resolving config:conf/b.json dependency",
        "Resolving config:conf/c.ini.in dependency",
    ]
    assert result.out.splitlines()[0] == "a.yml: layers: 5 lr: 0.7 opt: name: adam seed: 1"
    # a new run of the operation takes the project as it is now
    fresh = configdeps("run", "glob", "-y")
    assert "Resolving config:conf/d.yml dependency" in fresh.err
    assert fresh.out.splitlines()[0] == "a.yml: added: true extra: 1 layers: 2 lr: 0.1 opt: name: adam seed: 1"


def test_a_restart_with_new_flags_writes_every_file_again(configdeps: Ledger) -> None:
    configdeps("run", "glob", "-y")
    result = configdeps("run", "--restart", "1", "layers=9", "-y")
    assert len(resolving(result)) == 3
    out = result.out
    assert "layers: 9" in out and '"layers": 9' in out and "layers = 9" in out
    assert "layers = 9" in (run_dir(configdeps) / "c.ini").read_text()
    # each write is recorded: the restart's config events follow the first run's
    assert configdeps("log", "1").out.count("DependencyResolved config") == 6


# --- requires: config ---------------------------------------------------------


def test_a_required_config_file_is_written_renamed_and_recorded(configdeps: Ledger) -> None:
    result = configdeps("run", "required", "lr=0.4", "-y")
    assert resolving(result) == ["Resolving config:params.yml.in dependency"]
    # renamed and under target-path; its own keys stay, the run's flags are written in
    assert result.out.strip() == "cfg/run.yml: keep: as written lr: 0.4 tag: first"
    written = (run_dir(configdeps) / "cfg" / "run.yml").read_bytes()
    sha = hashlib.sha256(written).hexdigest()
    info = configdeps("runs", "info", "1").out
    assert f"  params.yml.in: config from project (copied)\n    cfg/run.yml: {sha}" in info
    lineage = configdeps("lineage", "1").out
    assert f"requires config params.yml.in from the project, copied: cfg/run.yml ({sha[:12]})" in lineage
    replayed = configdeps("run", "--proto", "1", "tag=again", "-y")
    assert replayed.out.strip() == "cfg/run.yml: keep: as written lr: 0.4 tag: again"


# --- bad input ----------------------------------------------------------------


BAD = {
    "broken": "config file broken/x.json: invalid JSON",  # read for its flags
    "broken-late": "config file broken/x.json: invalid JSON",  # read when the run's copies are written
    "missing": "operation 'missing' requires config file 'absent.yml', which is not in",
    "clash": "config files clash/a.yml and clash/sub/a.yml would both be written as a.yml",
}


def test_bad_config_files_fail_their_operation_in_one_line(configdeps: Ledger) -> None:
    for op, words in BAD.items():
        failed = configdeps.fails("run", op, "-y")
        assert words in failed.err and failed.code == 1, (op, failed.err)
    assert configdeps("run", "regex", "-y").code == 0  # the other operations still run
