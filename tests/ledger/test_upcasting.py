"""Event versions can move: a log written before a payload's `v` was bumped
stays readable, its v1 events upcast to v2 wherever events are read, while
the stored bytes (and the hashes over them) stay as they were."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from ledger import event_reading as reading
from ledger import events as ev
from ledger.errors import EventError
from ledger.home import Home
from ledger.projections.index import connect
from ledger.verify import verify


class V1:
    @dataclass(frozen=True)
    class Measured(ev.EventData):
        """How the payload was first defined: one value, no unit."""

        value: float


class V2:
    @dataclass(frozen=True)
    class Measured(ev.EventData):
        """Its second version: the value in a unit, which v1 left implicit (metres)."""

        V: ClassVar[int] = 2

        value: float
        unit: str

        @staticmethod
        def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
            return {**data, "unit": "m"}


class V3:
    @dataclass(frozen=True)
    class Measured(ev.EventData):
        """A third version whose upcasters were never written."""

        V: ClassVar[int] = 3

        value: float
        unit: str


MeasuredV1, MeasuredV2, MeasuredV3 = V1.Measured, V2.Measured, V3.Measured


def _define(monkeypatch, cls: type[ev.EventData]) -> None:
    """`cls` is what this ledger knows as `Measured` (the test's registry entry goes away after it)."""
    monkeypatch.setitem(ev.EVENT_TYPES, "Measured", cls)


def _log_before_and_after_the_bump(monkeypatch, home: Home) -> tuple[bytes, list[ev.Event]]:
    _define(monkeypatch, MeasuredV1)
    home.store.append([ev.NewEvent("r1", MeasuredV1(value=1.5))])
    _define(monkeypatch, MeasuredV2)
    home.store.append([ev.NewEvent("r1", MeasuredV2(value=20.0, unit="cm"))])
    return (home.path / "events" / "00000001.jsonl").read_bytes(), list(home.store.read())


def test_a_v1_event_reads_back_as_v2_after_the_bump(monkeypatch, home):
    stored, events = _log_before_and_after_the_bump(monkeypatch, home)
    assert [e.data for e in events] == [MeasuredV2(value=1.5, unit="m"), MeasuredV2(value=20.0, unit="cm")]
    assert [e.data for e in Home(home.path).store.stream("r1")] == [e.data for e in events]
    assert b'"type":"Measured","v":1' in stored  # the v1 line stays as it was written
    assert (home.path / "events" / "00000001.jsonl").read_bytes() == stored


def test_verify_checks_the_hash_of_the_stored_v1_bytes_and_its_upcast_payload(monkeypatch, home):
    _log_before_and_after_the_bump(monkeypatch, home)
    report = verify(home)
    assert report.ok, report.problem
    assert report.events == 2


def test_the_sql_index_holds_the_upcast_payload(monkeypatch, home):
    _log_before_and_after_the_bump(monkeypatch, home)
    con = connect(home)
    try:
        rows = con.execute("SELECT seq, v, data->>'unit' FROM events WHERE type = 'Measured' ORDER BY seq").fetchall()
    finally:
        con.close()
    assert rows == [(1, 2, "m"), (2, 2, "cm")]


def test_a_version_newer_than_this_ledger_knows_is_an_error(monkeypatch, home):
    _define(monkeypatch, MeasuredV2)
    home.store.append([ev.NewEvent("r1", MeasuredV2(value=1.0, unit="m"))])
    _define(monkeypatch, MeasuredV1)  # an older ledger reads the newer log
    with pytest.raises(EventError, match="schema v2 is not known.*upgrade ledger"):
        list(home.store.read())
    assert not verify(home).ok


def test_a_missing_upcaster_is_an_error_not_a_guess(monkeypatch, home):
    _define(monkeypatch, MeasuredV1)
    home.store.append([ev.NewEvent("r1", MeasuredV1(value=1.0))])
    _define(monkeypatch, MeasuredV3)
    with pytest.raises(EventError, match="upcast_v1_v2"):
        list(home.store.read())


def test_v1_output_chunks_read_back_with_their_lines_in_runs():
    """v1 kept a [time, stream] per line; v2 keeps runs of [time, stream, count]."""
    v1 = {"blob": "a" * 64, "bytes": 8, "lines": 4, "index": [[5, 0], [5, 0], [5, 1], [7, 0]]}
    data = reading.parse_data("OutputCaptured", 1, v1)
    assert data == ev.OutputCaptured(blob="a" * 64, bytes=8, lines=4, index=((5, 0, 2), (5, 1, 1), (7, 0, 1)))


def test_v1_starts_name_no_owner_and_read_back_as_the_creators():
    """v1 starts were all the creator's: v2's owner fields read as not set."""
    v1 = {"argv": ["python", "train.py"], "env": {}, "pid": 42, "cwd": "/r", "time": ""}
    data = reading.parse_data("RunStarted", 1, v1, validate=True)
    assert data == ev.RunStarted(argv=("python", "train.py"), pid=42, cwd="/r")
    assert (data.owner_pid, data.owner_start, data.boot_id, data.host) == (0, 0, "", "")
