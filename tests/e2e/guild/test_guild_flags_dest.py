"""Guild's config-file and Click flag destinations: `flags-dest: config:FILE`
(YAML, JSON, INI, and the legacy `config.yml`), `args:click`, and dotted
flag names reaching nested keys of a `dict:` destination."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Ledger
from tests.e2e.guild.conftest import use


@pytest.fixture
def configdest(tmp_path: Path) -> Ledger:
    return use("configdest", tmp_path)[0]


def run_dir(ledger: Ledger, ref: str = "1") -> Path:
    return Path(ledger("select", ref, "--path").out.strip())


def shown(result) -> dict:
    """What show.py printed of the config it read (after its `args:` line)."""
    lines = result.out.splitlines()
    assert lines[0] == "args: []", result.out  # the flags are in the file, not on the command line
    return eval("\n".join(lines[1:]))  # noqa: S307 - pprint of our own fixture's data


# --- config files -------------------------------------------------------------


def test_yaml_config_flags_are_imported_typed_and_written_into_the_runs_copy(configdest: Ledger) -> None:
    help_op = configdest("run", "yaml", "--help-op").out
    for line in ("epochs", "layers      (default is 32 0.5 relu true)", "optim.kind", "shuffle     (default is no)"):
        assert line in help_op, help_op
    default = configdest("run", "yaml", "-y", merged=True)
    assert default.out.startswith("Resolving config:settings.yml dependency\n")
    result = configdest("run", "yaml", "lr=0.5", "layers=a b 3", "optim.kind=sgd", "shuffle=yes", "epochs=2", "-y")
    written = {"epochs": 2, "layers": ["a", "b", 3], "lr": 0.5, "name": "first try",
               "optim": {"beta": 0.9, "kind": "sgd"}, "shuffle": True}  # fmt: skip
    assert shown(result) == written
    assert yaml.safe_load((run_dir(configdest) / "settings.yml").read_text()) == written
    # the project's file is left as it was
    assert "lr: 0.01" in (configdest.cwd / "settings.yml").read_text()


def test_an_imported_number_flag_refuses_text(configdest: Ledger) -> None:
    failed = configdest.fails("run", "yaml", "epochs=many", "-y")
    assert "invalid value many for flag 'epochs'" in failed.err


def test_json_config_keeps_nesting_and_honours_import_skip_and_arg_name(configdest: Ledger) -> None:
    assert "seed" not in configdest("run", "json", "--help-op").out
    result = configdest("run", "json", "tag=x", "model.width=narrow", "-y")
    written = {"batch": 64, "dropout": 0.25, "model": {"depth": 4, "width": "narrow"}, "seed": 7, "tag": "x"}
    assert shown(result) == written
    assert (run_dir(configdest) / "settings.json").read_text() == json.dumps(written, sort_keys=True)
    # a flag with an arg-name writes that key; the key is not imported again
    help_op = configdest("run", "renamed", "--help-op").out
    assert "depth  (default is 8)" in help_op and "model.depth" not in help_op
    assert shown(configdest("run", "renamed", "depth=12", "-y"))["model"] == {"depth": 12, "width": "wide"}


def test_ini_config_sections_are_dotted_flags(configdest: Ledger) -> None:
    result = configdest("run", "ini", "rate=0.9", "data.limit=5", "verbose=no", "-y")
    assert result.out.splitlines()[1:] == [
        "[DEFAULT] label=plain run, rate=0.9, steps=100, verbose=False",
        "[data] limit=5, path=data/train",
    ]
    text = (run_dir(configdest) / "settings.ini").read_text()
    assert text.startswith("[DEFAULT]\nlabel = plain run\nrate = 0.9\nsteps = 100\nverbose = False\n\n[data]\n")


def test_legacy_config_yml_holds_the_flags_alone(configdest: Ledger) -> None:
    result = configdest("run", "legacy", "epochs=4", "name=whoop", "-y")
    assert shown(result) == {"epochs": 4, "names": {"first": "whoop"}, "rate": 0.5}
    assert "Resolving" not in result.err


def test_the_written_config_is_recorded_rebuilt_and_replayed(configdest: Ledger) -> None:
    configdest("run", "yaml", "lr=0.5", "-y")
    folder = run_dir(configdest)
    first = (folder / "settings.yml").read_bytes()
    info = configdest("runs", "info", "1").out
    assert "settings.yml: config from project (copied)" in info
    shutil.rmtree(folder)
    configdest("rebuild")
    assert (folder / "settings.yml").read_bytes() == first
    # a proto's config comes from its own source code, not the project's file as it is now
    (configdest.cwd / "settings.yml").write_text("lr: 9\n")
    replayed = shown(configdest("run", "--proto", "1", "epochs=7", "-y"))
    assert replayed["lr"] == 0.5 and replayed["epochs"] == 7 and replayed["optim"] == {"beta": 0.9, "kind": "adam"}


def test_a_staged_run_holds_its_config_before_it_starts(configdest: Ledger) -> None:
    configdest("run", "yaml", "epochs=3", "--stage", "-y")
    assert "epochs: 3" in (run_dir(configdest) / "settings.yml").read_text()
    assert shown(configdest("run", "--start", "1", "-y"))["epochs"] == 3


@pytest.mark.parametrize(
    "op, words",
    [
        ("bad-ext", "config type for settings.toml is not supported"),
        ("missing", "config file absent.yml (flags-dest) is not in"),
        ("broken", "config file broken.json: invalid JSON"),
    ],
)
def test_bad_config_files_fail_in_one_line(configdest: Ledger, op: str, words: str) -> None:
    failed = configdest.fails("run", op, "-y")
    assert words in failed.err and failed.code == 1
    assert configdest("run", "json", "-y").code == 0  # the other operations still run


def test_a_malformed_yaml_config_fails_in_one_line(configdest: Ledger) -> None:
    (configdest.cwd / "settings.yml").write_text("lr: [1\n")
    assert "config file settings.yml: invalid YAML at line 2" in configdest.fails("run", "yaml", "-y").err


# --- Click and nested dicts ---------------------------------------------------


def test_click_options_are_flags_passed_as_options(configdest: Ledger) -> None:
    help_op = configdest("run", "click", "--help-op").out
    for line in ("fast   skip checks (default is no)", "mode   what to do (default is train)",
                 "Choices: train, eval, test", "steps  how many steps (default is 10)"):  # fmt: skip
        assert line in help_op, help_op
    assert configdest("run", "click", "-y").out.strip() == "steps 10 rate 0.5 fast False name hello mode train"
    out = configdest("run", "click", "fast=yes", "mode=eval", "steps=3", "-y").out.strip()
    assert out == "steps 3 rate 0.5 fast True name hello mode eval"
    assert "mode" in configdest.fails("run", "click", "mode=fly", "-y").err


def test_dotted_flags_reach_nested_keys_of_a_dict(configdest: Ledger) -> None:
    assert "opt.decay.every" in configdest("run", "nested", "--help-op").out
    assert configdest("run", "nested", "opt.decay.every=3", "opt.lr=0.5", "-y").out.strip() == "0.5 3 2"


def test_a_dotted_arg_name_reaches_a_nested_key_of_a_dict(configdest: Ledger) -> None:
    out = configdest("run", "strings", "i=5", "s2=Whah", "-y").out.strip()
    assert out == "{'i': 5, 'strings': {'s1': 'Hola', 's2': 'Whah'}}"


def test_argparse_options_of_several_values_are_split_flags(configdest: Ledger) -> None:
    assert "y  (default is 1 2)" in configdest("run", "many", "--help-op").out
    assert configdest("run", "many", "-y").out.splitlines() == ["None", "[1, 2]"]
    out = configdest("run", "many", "x=1 2 'hello there'", "y=3 4", "-y").out
    assert out.splitlines() == ["['1', '2', 'hello there']", "[3, 4]"]


def test_split_flags_reach_globals_as_lists(configdest: Ledger) -> None:
    assert configdest("run", "split-globals", "-y").out.splitlines() == ["[1, 2, 3]", "[]"]
    out = configdest("run", "split-globals", "x=1 2 'hello there'", "y=1:2:three", "-y").out
    assert out.splitlines() == ["[1, 2, 'hello there']", "[1, 2, 'three']"]
    assert configdest("run", "split-globals", "x=hello", "y=1", "-y").out.splitlines() == ["['hello']", "[1]"]


def test_a_restart_with_new_flags_writes_and_records_the_config_again(configdest: Ledger) -> None:
    configdest("run", "yaml", "epochs=2", "-y")
    assert shown(configdest("run", "--restart", "1", "epochs=11", "-y"))["epochs"] == 11
    folder = run_dir(configdest)
    assert "epochs: 11" in (folder / "settings.yml").read_text()
    shutil.rmtree(folder)
    configdest("rebuild")
    assert "epochs: 11" in (folder / "settings.yml").read_text()  # the later write wins, as it did


def test_a_run_outside_the_log_gets_its_config_too(configdest: Ledger, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert shown(configdest("run", "yaml", "epochs=4", "-d", str(elsewhere), "-y"))["epochs"] == 4
    assert "epochs: 4" in (elsewhere / "settings.yml").read_text()
    assert configdest.log_bytes() == b""


def test_the_written_config_is_a_blob_verify_checks_and_purge_removes(configdest: Ledger) -> None:
    configdest("run", "yaml", "epochs=13", "--stage", "-y")  # staged: nothing but the config event names the blob
    sha = hashlib.sha256((run_dir(configdest) / "settings.yml").read_bytes()).hexdigest()
    blob = configdest.home / "objects" / sha[:2] / sha[2:]
    assert blob.is_file() and configdest("verify").code == 0
    kept = blob.read_bytes()
    blob.unlink()
    assert sha[:12] in configdest("verify", check=False).both  # a blob the log names is missing
    blob.write_bytes(kept)
    configdest("delete", "1", "-y")
    configdest("purge", "1", "-y")
    assert not blob.exists() and configdest("verify").code == 0
