"""A run the index knows but whose events the log lost (a middle segment
deleted, the log cut back while its tip is intact) is never shown as a run
with nothing recorded: commands that show it say, in one line, to run
`ledger verify`."""

from __future__ import annotations

import json

import pytest

from ledger.events import NewEvent, TagAdded
from ledger.store import EventStore
from tests.e2e.conftest import Ledger

READS = [("runs", "info"), ("log",), ("cat", "--output"), ("select", "--attr", "flags"), ("ls",), ("lineage",)]


def _newest(ledger: Ledger) -> str:
    return json.loads(ledger("runs", "--json").out)[0]["id"]


def _next_segment(ledger: Ledger, run: str) -> None:
    """An append through the store's API that starts a new segment (the
    store rolls segments at a size; a tiny one rolls at once)."""
    EventStore(ledger.home / "events", segment_bytes=1).append([NewEvent(run, TagAdded(tag="next segment"))])


def _middle_segment_deleted(ledger: Ledger) -> str:
    """A run in segment 1, another in segment 2 and a tag of it in segment
    3; segment 2 deleted: all but the tag of the second run are gone.
    Returns that run."""
    ledger("run", "echo", "-y")
    _next_segment(ledger, "not-a-run")
    ledger("run", "echo", "x=2", "-y")
    lost = _newest(ledger)
    _next_segment(ledger, lost)
    ledger("runs")  # the index learns of both runs
    segments = sorted((ledger.home / "events").glob("*.jsonl"))
    assert [p.name for p in segments] == ["00000001.jsonl", "00000002.jsonl", "00000003.jsonl"]
    assert lost.encode() in segments[1].read_bytes() and lost.encode() not in segments[0].read_bytes()
    segments[1].unlink()
    return lost


def _cut_back(ledger: Ledger) -> str:
    """Two runs; the log cut back to before the second one's first event,
    the tip file left as it was. Returns that run."""
    ledger("run", "echo", "-y")
    ledger("run", "echo", "x=2", "-y")
    lost = _newest(ledger)
    ledger("runs")
    segment = ledger.home / "events" / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if json.loads(line)["run"] == lost)
    segment.write_bytes(b"".join(lines[:first]))
    return lost


@pytest.mark.parametrize("damage", [_middle_segment_deleted, _cut_back], ids=["segment deleted", "cut back"])
@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_a_run_whose_events_were_lost_is_one_line_naming_verify(ledger: Ledger, damage, args) -> None:
    lost = damage(ledger)
    before = ledger.log_bytes()
    result = ledger(*args, lost, check=False)
    assert result.code == 1 and "Traceback" not in result.err and ledger.log_bytes() == before
    # a log behind what the index applied is also warned of by the index's catch-up, on its own line
    errors = [line for line in result.err.splitlines() if line.strip() and not line.startswith("ledger: warning:")]
    assert len(errors) == 1 and "ledger verify" in errors[0] and lost[:8] in errors[0], result.err
    assert result.out == ""


def test_runs_with_their_events_still_read(ledger: Ledger) -> None:
    _middle_segment_deleted(ledger)
    kept = json.loads(ledger("runs", "--json").out)[-1]["id"]
    assert "x: 1.0" in ledger("select", "--attr", "flags", kept).out
    assert "echo" in ledger("runs", "info", kept).out

