"""All-or-nothing: a crash at any byte of an append leaves a log that
verifies, keeps every earlier transaction, and lets the chain go on; what
is not a torn write of ours is refused, never cut off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger import events as ev
from ledger.errors import CorruptLogError, LedgerError
from ledger.home import Home
from ledger.store import EventStore
from ledger.verify import verify


def _append_some(store: EventStore) -> list[list[ev.Event]]:
    txs = [
        [ev.NewEvent("r1", ev.RunCreated(op="train", params={"lr": 0.1}))],
        [ev.NewEvent("r1", ev.FlagSet("lr", 0.1, "user")), ev.NewEvent("r2", ev.LabelSet("é"))],
        [ev.NewEvent("r2", ev.ScalarLogged("loss", 0.5, 1))],
    ]
    return [store.append(tx) for tx in txs]


def _last_tx() -> list[ev.NewEvent]:
    return [
        ev.NewEvent("r1", ev.ScalarLogged("loss", 0.25, 2)),
        ev.NewEvent("r2", ev.TagAdded("best")),
        ev.NewEvent("r1", ev.RunStopped("completed", 0)),
    ]


def test_truncating_at_every_byte_of_the_last_transaction_keeps_exactly_the_earlier_ones(home):
    store = home.store
    earlier = [e for tx in _append_some(store) for e in tx]
    segment = store.root / "00000001.jsonl"
    start = segment.stat().st_size
    store.append(_last_tx())
    whole, index = segment.read_bytes(), (store.root / "streams.idx").read_bytes()
    assert len(whole) - start > 500

    for cut in range(start, len(whole)):
        segment.write_bytes(whole[:cut])
        (store.root / "streams.idx").write_bytes(index)  # the index still lists the lost events
        reopened = EventStore(store.root)
        assert segment.stat().st_size == start, cut  # the torn transaction is cut off
        assert list(reopened.read()) == earlier, cut
        assert reopened.stream("r1") == [e for e in earlier if e.run == "r1"], cut
        report = verify(home)
        assert report.ok and report.events == len(earlier), (cut, report.problem)
        nxt = reopened.append([ev.NewEvent("r2", ev.TagAdded("after"))])[0]
        assert (nxt.seq, nxt.tx, nxt.prev) == (earlier[-1].seq + 1, earlier[-1].seq + 1, earlier[-1].hash), cut
        assert verify(home).ok, cut


def test_a_store_that_is_already_open_reads_only_whole_transactions(home):
    store = home.store
    earlier = [e for tx in _append_some(store) for e in tx]
    segment = store.root / "00000001.jsonl"
    store.append(_last_tx())
    with open(segment, "r+b") as fh:  # as if that append had died part-way through its last event
        fh.truncate(segment.stat().st_size - 40)
    assert list(store.read()) == earlier
    assert store.stream("r1") == [e for e in earlier if e.run == "r1"]
    assert store.append([ev.NewEvent("r1", ev.TagAdded("x"))])[0].prev == earlier[-1].hash


def test_a_crash_after_the_write_but_before_the_index_loses_nothing(home):
    store = home.store
    _append_some(store)
    idx = store.root / "streams.idx"
    before = idx.read_bytes()
    last = store.append(_last_tx())
    idx.write_bytes(before)  # the index records of the last append never made it
    reopened = EventStore(store.root)
    assert reopened.stream("r2")[-1] == last[1]
    assert idx.stat().st_size == 32 * last[-1].seq


def test_zeros_left_by_a_power_cut_are_a_torn_write(home):
    store = home.store
    earlier = [e for tx in _append_some(store) for e in tx]
    with open(store.root / "00000001.jsonl", "ab") as fh:
        fh.write(b"\0" * 300)
    assert list(EventStore(store.root).read()) == earlier
    assert verify(home).ok


def test_an_empty_newest_segment_continues_the_chain_of_the_one_before(home):
    store = EventStore(home.path / "events", segment_bytes=1)
    earlier = [e for tx in _append_some(store) for e in tx]
    (store.root / f"{len(store.segments()) + 1:08d}.jsonl").write_bytes(b"")  # died right after creating it
    reopened = EventStore(store.root, segment_bytes=1)
    nxt = reopened.append([ev.NewEvent("r1", ev.TagAdded("x"))])[0]
    assert (nxt.seq, nxt.prev) == (earlier[-1].seq + 1, earlier[-1].hash)
    assert verify(home).ok


def test_a_torn_first_transaction_leaves_an_empty_log(home):
    store = home.store
    store.append(_last_tx())
    segment = store.root / "00000001.jsonl"
    segment.write_bytes(segment.read_bytes()[:150])
    reopened = EventStore(store.root)
    assert list(reopened.read()) == [] and reopened.last_seq == 0
    assert reopened.append([ev.NewEvent("r", ev.LabelSet("x"))])[0].prev == "0" * 64
    assert verify(home).ok


# -- what is not a torn write is refused: one line, nothing appended, nothing cut


def _refused(home: Home, segment: Path) -> str:
    before = segment.read_bytes()
    with pytest.raises(CorruptLogError) as info:
        EventStore(segment.parent).append([ev.NewEvent("r", ev.LabelSet("x"))])
    assert segment.read_bytes() == before  # nothing appended, nothing truncated
    message = str(info.value)
    assert isinstance(info.value, LedgerError) and "\n" not in message and "ledger verify" in message
    return message


@pytest.mark.parametrize(
    "tail",
    [b"this is not a ledger\n", b"not ours, and cut", b'{"seq": 1}\n', b"[1, 2]\n"],
    ids=["text line", "foreign partial line", "json without envelope", "json list"],
)
def test_a_foreign_tail_is_refused_not_cut_off(home, tail):
    store = home.store
    _append_some(store)
    segment = store.root / "00000001.jsonl"
    with open(segment, "ab") as fh:
        fh.write(tail)
    assert segment.name in _refused(home, segment)
    assert not verify(home).ok


def test_a_file_that_is_not_a_log_is_refused(home):
    events = home.path / "events"
    events.mkdir(parents=True)
    segment = events / "00000001.jsonl"
    segment.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _refused(home, segment)
    report = verify(home)
    assert report.bad_seq == 1 and "00000001.jsonl byte 0" in report.problem


def test_an_edited_last_event_is_not_mistaken_for_a_torn_write(home):
    """Changing the last event's txn from 1 to 2 makes it look unfinished;
    cutting it off would erase the evidence, so the store refuses instead."""
    store = home.store
    _append_some(store)
    segment = store.root / "00000001.jsonl"
    data = segment.read_bytes()
    assert data.endswith(b'"txn":1,"type":"ScalarLogged","v":1,' + data[data.rindex(b'"hash"') :])
    segment.write_bytes(data[: data.rindex(b'"txn":1')] + b'"txn":2' + data[data.rindex(b'"txn":1') + 7 :])
    _refused(home, segment)
    assert verify(home).bad_seq == 4


def test_reading_a_log_with_a_damaged_middle_is_one_clear_line(home):
    store = home.store
    _append_some(store)
    segment = store.root / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[1] = b"}" + lines[1][1:]
    segment.write_bytes(b"".join(lines))
    with pytest.raises(CorruptLogError) as info:
        list(EventStore(store.root).read())
    assert f"byte {len(lines[0])}" in str(info.value) and "\n" not in str(info.value)
    assert verify(home).bad_seq == 2


# -- a real process killed at random moments ----------------------------------

_WRITER = """
import sys
from ledger.events import NewEvent, ScalarLogged, TagAdded
from ledger.store import EventStore
store = EventStore(sys.argv[1], segment_bytes=4000)
i = 0
print("ready", flush=True)
while True:
    store.append([NewEvent("r%d" % (i % 3), ScalarLogged("loss", i / 7, i)) for _ in range(i % 6 + 1)]
                 + [NewEvent("r", TagAdded("x" * (i % 50)))])
    i += 1
"""


def test_a_writer_killed_at_random_moments_always_leaves_a_log_that_verifies(home):
    root = home.path / "events"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    seen = 0
    for delay in (0.05, 0.11, 0.17, 0.23, 0.29):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(root)], env=env, stdout=subprocess.PIPE)
        assert writer.stdout.readline() == b"ready\n"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        report = verify(home)
        assert report.ok, report.problem
        assert report.events > seen  # every kill left more, and nothing earlier was lost
        seen = report.events
        raws = list(EventStore(root).read_raw())
        assert [r["seq"] for r in raws] == list(range(1, seen + 1))
        assert raws[-1]["seq"] == raws[-1]["tx"] + raws[-1]["txn"] - 1
