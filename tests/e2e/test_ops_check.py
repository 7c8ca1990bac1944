"""`ledger ops` lists a project's operations as Guild's `guild ops` does;
`ledger check` reports versions and whether the home can be read."""

from __future__ import annotations

import json

from ledger import __version__
from tests.e2e.conftest import Ledger

GUILD_YML = """\
train:
  description: Train the model
  main: train
  flags:
    lr:
      default: 0.1
      description: Learning rate
    opt:
      default: adam
      choices: [adam, sgd]
evaluate:
  description: |
    Evaluate a trained model
    on the test set
  main: evaluate
prepare-data:
  main: prepare
"""


def project(ledger: Ledger) -> None:
    (ledger.cwd / "guild.yml").write_text(GUILD_YML)
    for name in ("train", "evaluate", "prepare"):
        (ledger.cwd / f"{name}.py").write_text("print('ok')\n")


def test_ops_lists_names_and_first_description_lines_sorted(ledger: Ledger) -> None:
    project(ledger)
    assert ledger("ops").out.splitlines() == [
        "evaluate      Evaluate a trained model",
        "prepare-data",
        "train         Train the model",
    ]
    assert ledger("ops", "ev", "prep").out.split() == ["evaluate", "Evaluate", "a", "trained", "model", "prepare-data"]


def test_ops_verbose_and_json_show_flags(ledger: Ledger) -> None:
    project(ledger)
    verbose = ledger("ops", "-v", "train").out.splitlines()
    assert verbose == ["train  Train the model", "  lr=0.1  Learning rate", "  opt=adam  (one of adam, sgd)"]
    (train,) = json.loads(ledger("ops", "train", "--json").out)
    assert train["flags"]["lr"] == {"default": 0.1, "type": None, "choices": None, "description": "Learning rate"}
    assert train["flags"]["opt"]["choices"] == ["adam", "sgd"] and train["main"] == "train"


def test_ops_of_another_folder_and_of_a_folder_without_project(ledger: Ledger, tmp_path) -> None:
    project(ledger)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert ledger("ops", "-p", str(ledger.cwd), cwd=elsewhere).out.split()[0] == "evaluate"
    none = ledger("ops", cwd=elsewhere)
    assert none.out == "" and "no guild.yml" in none.err
    assert "no folder" in ledger.fails("ops", "-p", str(tmp_path / "missing")).err


def test_check_reports_versions_and_a_readable_home(ledger: Ledger) -> None:
    facts = json.loads(ledger("check", "--json").out)
    assert facts["ledger_version"] == __version__ and facts["home_status"].startswith("empty")
    assert facts["duckdb_version"][0].isdigit() and facts["ledger_home"] == str(ledger.home)
    project(ledger)
    ledger("run", "train", "-y")
    text = ledger("check").out
    assert "ledger_version:" in text and "home_status:" in text and "ok" in text
    facts = json.loads(ledger("check", "--json").out)
    assert facts["index_runs"] == 1 and facts["log_events"] > 1
