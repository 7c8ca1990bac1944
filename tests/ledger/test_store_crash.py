"""All-or-nothing: a crash at any byte of an append leaves a log that
verifies, keeps every earlier transaction, and lets the chain go on; the
bytes after the last committed transaction, a torn write of ours or
anything else, are moved to a quarantine file, never deleted, and never
block reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger import events as ev
from ledger.errors import CorruptLogError
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
    tip = (store.root / "TIP").read_bytes()  # a crash mid-append leaves the tip where it was
    store.append(_last_tx())
    whole, index = segment.read_bytes(), (store.root / "streams.idx").read_bytes()
    assert len(whole) - start > 500

    for cut in range(start, len(whole)):
        segment.write_bytes(whole[:cut])
        (store.root / "TIP").write_bytes(tip)
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
    tip = (store.root / "TIP").read_bytes()
    store.append(_last_tx())
    with open(segment, "r+b") as fh:  # as if that append had died part-way through its last event
        fh.truncate(segment.stat().st_size - 40)
    (store.root / "TIP").write_bytes(tip)  # which it would have before recording the tip
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
    segment = store.root / "00000001.jsonl"
    end = segment.stat().st_size
    with open(segment, "ab") as fh:
        fh.write(b"\0" * 300)
    assert list(EventStore(store.root).read()) == earlier
    assert (store.root / f"00000001.jsonl.quarantine-{end}").read_bytes() == b"\0" * 300
    assert verify(home).ok


def test_a_torn_transaction_is_kept_beside_the_log(home, capfd):
    store = home.store
    _append_some(store)
    segment = store.root / "00000001.jsonl"
    end, tip = segment.stat().st_size, (store.root / "TIP").read_bytes()
    store.append(_last_tx())
    torn = segment.read_bytes()[end:-40]  # died part-way through its last event
    segment.write_bytes(segment.read_bytes()[:-40])
    (store.root / "TIP").write_bytes(tip)
    EventStore(store.root)
    assert (store.root / f"00000001.jsonl.quarantine-{end}").read_bytes() == torn
    assert "of an append a crash cut short" in capfd.readouterr().err
    report = verify(home)
    assert report.ok


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
    (store.root / "TIP").unlink()  # the first append died before recording a tip
    reopened = EventStore(store.root)
    assert list(reopened.read()) == [] and reopened.last_seq == 0
    assert reopened.append([ev.NewEvent("r", ev.LabelSet("x"))])[0].prev == "0" * 64
    assert verify(home).ok


# -- what is not a torn write is set aside: byte for byte, reads go on


def _quarantined(home: Home, segment: Path, tail: bytes, capsys) -> Path:
    """Reopen, check `tail` moved to one quarantine file named with its
    offset, one warning line, the chain going on."""
    at = segment.stat().st_size - len(tail)
    store = EventStore(segment.parent)
    kept = list(store.read())
    moved = segment.with_name(f"{segment.name}.quarantine-{at}")
    assert moved.read_bytes() == tail and segment.stat().st_size == at
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and moved.name in warning and "ledger verify" in warning
    nxt = store.append([ev.NewEvent("r", ev.LabelSet("x"))])[0]
    assert nxt.seq == (kept[-1].seq + 1 if kept else 1)
    return moved


@pytest.mark.parametrize(
    "tail",
    [b"this is not a ledger\n", b"not ours, and cut", b'{"seq": 1}\n', b"[1, 2]\n", b"\n", b"\r\n",
     b"\0\0\0\n", b"garbage\n\0\0\0"],
    ids=["text line", "foreign partial line", "json without envelope", "json list", "empty line", "crlf",
         "nul line", "garbage then zeros"],
)  # fmt: skip
def test_a_foreign_tail_is_quarantined_not_cut_off(home, tail, capsys):
    store = home.store
    earlier = [e for tx in _append_some(store) for e in tx]
    segment = store.root / "00000001.jsonl"
    with open(segment, "ab") as fh:
        fh.write(tail)
    moved = _quarantined(home, segment, tail, capsys)
    assert list(EventStore(store.root).read())[: len(earlier)] == earlier
    report = verify(home)
    assert report.ok and moved.name in report.summary(), report.problem


def test_a_file_that_is_not_a_log_is_quarantined(home, capsys):
    events = home.path / "events"
    events.mkdir(parents=True)
    segment = events / "00000001.jsonl"
    junk = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    segment.write_bytes(junk)
    _quarantined(home, segment, junk, capsys)
    assert verify(home).ok


def test_an_edited_last_event_is_set_aside_and_the_tip_says_so(home, capsys):
    """Changing the last event's txn from 1 to 2 makes it look unfinished;
    cutting it off would erase the evidence: it is quarantined, verify fails
    on the tip, and no append forks the history."""
    store = home.store
    _append_some(store)
    segment = store.root / "00000001.jsonl"
    data = segment.read_bytes()
    assert data.endswith(b'"txn":1,"type":"ScalarLogged","v":1,' + data[data.rindex(b'"hash"') :])
    edited = data[: data.rindex(b'"txn":1')] + b'"txn":2' + data[data.rindex(b'"txn":1') + 7 :]
    segment.write_bytes(edited)
    reopened = EventStore(store.root)
    assert [e.seq for e in reopened.read()] == [1, 2, 3]
    last_line_at = data.rindex(b"\n", 0, len(data) - 1) + 1
    assert segment.with_name(f"{segment.name}.quarantine-{last_line_at}").exists()
    with pytest.raises(CorruptLogError, match="tip"):
        reopened.append([ev.NewEvent("r", ev.LabelSet("x"))])
    report = verify(home)
    assert not report.ok and "seq 3" in report.problem and "seq 4" in report.problem


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


def _tip_seq(root: Path) -> int:
    try:
        return int((root / "TIP").read_bytes().split()[0])
    except (OSError, IndexError, ValueError):
        return 0


def test_a_writer_killed_at_random_moments_always_leaves_a_log_that_verifies(home):
    root = home.path / "events"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    seen = 0
    for delay in (0.05, 0.11, 0.17, 0.23, 0.29):
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(root)], env=env, stdout=subprocess.PIPE)
        assert writer.stdout.readline() == b"ready\n"
        # a busy machine may not schedule the writer at once: time the kill from its first append
        deadline = time.monotonic() + 30
        while _tip_seq(root) <= seen and time.monotonic() < deadline:
            time.sleep(0.005)
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


# -- power-cut states of the last transaction, generated systematically ------


def _power_cut_states(earlier: bytes, tx: bytes) -> list[tuple[str, bytes]]:
    """What a power cut can leave of `tx` after `earlier`: a prefix then the
    zeros of a file extended before its data reached the disk, zero-filled
    holes, and its lines persisted in another order or not at all."""
    from itertools import permutations

    states = [(f"prefix {k} + zeros", earlier + tx[:k] + b"\0" * (len(tx) - k)) for k in range(0, len(tx), 37)]
    lines = tx.splitlines(keepends=True)
    at = 0
    for i, line in enumerate(lines):
        for lo, hi in ((0, 16), (len(line) // 2, len(line) // 2 + 30), (len(line) - 20, len(line) - 1)):
            hole = tx[: at + lo] + b"\0" * (hi - lo) + tx[at + hi :]
            states.append((f"hole in line {i} at {lo}", earlier + hole))
        at += len(line)
    for n in range(1, len(lines) + 1):
        for order in permutations(range(len(lines)), n):
            if list(order) != list(range(len(lines))):
                states.append((f"lines {order}", earlier + b"".join(lines[i] for i in order)))
    return states


def test_every_power_cut_state_of_the_last_transaction_keeps_the_earlier_ones(home, capsys):
    from ledger.projections.index import catch_up, connect

    store = home.store
    earlier_events = [e for tx in _append_some(store) for e in tx]
    catch_up(home)
    root = store.root
    segment = root / "00000001.jsonl"
    saved = {p: p.read_bytes() for p in (segment, root / "TIP", root / "streams.idx", Path(home.index_path))}
    store.append(_last_tx())
    tx = segment.read_bytes()[len(saved[segment]) :]
    states = _power_cut_states(saved[segment], tx)
    assert len(states) > 40
    for name, data in states:
        for path in root.glob("*.quarantine-*"):
            path.unlink()
        for path, content in saved.items():
            path.write_bytes(content)
        segment.write_bytes(data)
        reopened = EventStore(root)
        assert list(reopened.read()) == earlier_events, name
        con = connect(home)
        try:
            assert con.execute("SELECT count(*) FROM events").fetchone() == (len(earlier_events),), name
        finally:
            con.close()
        assert verify(home).ok, (name, verify(home).problem)
        moved = b"".join(p.read_bytes() for p in root.glob("*.quarantine-*"))
        assert segment.read_bytes() + moved == data or segment.read_bytes() == saved[segment], name
        nxt = reopened.append([ev.NewEvent("r1", ev.TagAdded("after"))])[0]
        assert (nxt.seq, nxt.prev) == (earlier_events[-1].seq + 1, earlier_events[-1].hash), name
    capsys.readouterr()
