"""Damage found in one home's log refuses changes to that home alone: a
process that holds several homes (the Python API, a notebook) goes on
annotating the healthy ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import CorruptLogError
from ledger.events import LabelSet
from ledger.executor.manage import set_label
from ledger.home import Home
from ledger.projections.index import connect
from tests.projections.test_index_fixture import created, rid


def _home_of_three_runs(path: Path) -> tuple[Home, list[str]]:
    home = Home(path)
    runs = [rid(f"run{n}") for n in range(3)]
    for run in runs:
        home.store.append([created(run)])
    return home, runs


def _forge_the_first_event(home: Home) -> None:
    segment = home.path / "events" / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b'"op":"train"', b'"op":"tra1n"')
    segment.write_bytes(b"".join(lines))


def test_damage_refuses_changes_to_its_own_home_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    damaged, damaged_runs = _home_of_three_runs(tmp_path / "damaged")
    healthy, healthy_runs = _home_of_three_runs(tmp_path / "healthy")
    _forge_the_first_event(damaged)
    for _ in range(2):  # a command may open the index more than once: one warning
        connect(damaged).close()
    assert capsys.readouterr().err.count("ledger: warning:") == 1
    before = (damaged.path / "events" / "00000001.jsonl").read_bytes()

    with pytest.raises(CorruptLogError, match="refused"):
        set_label(damaged, damaged_runs[-1:], "new")
    assert (damaged.path / "events" / "00000001.jsonl").read_bytes() == before

    connect(healthy).close()
    set_label(healthy, healthy_runs[-1:], "new")
    assert isinstance(healthy.store.stream(healthy_runs[-1])[-1].data, LabelSet)
