"""The quick chain walk a fold relies on: every alteration stops it, and it
stops at the last whole transaction before the damage."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ledger import events as ev
from ledger.chain import ChainWalk
from ledger.home import Home
from ledger.sealing import GENESIS, seal_line
from ledger.store import EventStore


@pytest.fixture
def log(tmp_path: Path) -> tuple[EventStore, Path, list[int]]:
    """Three transactions of 2, 3 and 1 events in one segment; returns the
    store, the segment and where each transaction ends."""
    store = Home(tmp_path / "home").store
    for n in (2, 3, 1):
        store.append([ev.NewEvent("r", ev.TagAdded(f"t{n}.{i}")) for i in range(n)])
    segment = store.root / "00000001.jsonl"
    lines = segment.read_bytes().splitlines(keepends=True)
    ends = [sum(map(len, lines[:k])) for k in (2, 5, 6)]
    return store, segment, ends


def _walk(segment: Path, last: int = 6) -> tuple[ChainWalk, int]:
    walk = ChainWalk(0, GENESIS)
    return walk, walk.segment(segment, 0, last)


def test_an_intact_log_is_walked_to_its_committed_end(log):
    store, segment, ends = log
    walk, end = _walk(segment)
    assert (walk.problem, walk.seq, walk.hash, end) == (None, 6, store.last_hash, ends[-1])


def test_the_walk_stops_at_the_committed_end(log):
    _, segment, ends = log
    walk, end = _walk(segment, last=2)
    assert (walk.problem, walk.seq, end) == (None, 2, ends[0])


@pytest.mark.parametrize("junk", [b"garbage line\n", b"\0\0\0\0\n", b"\n", b"\r\n"])
def test_a_line_inserted_between_transactions_ends_the_prefix_there(log, junk: bytes):
    _, segment, ends = log
    data = segment.read_bytes()
    segment.write_bytes(data[: ends[0]] + junk + data[ends[0] :])
    walk, end = _walk(segment)
    assert (walk.seq, end) == (2, ends[0]) and walk.problem.startswith(f"seq 3 ({segment.name} byte {ends[0]})")


def test_a_line_removed_mid_transaction_keeps_only_the_transactions_before(log):
    _, segment, _ = log
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(b"".join(lines[:3] + lines[4:]))
    walk, end = _walk(segment)
    assert walk.seq == 2 and "found seq 5" in walk.problem


def test_a_resealed_edit_breaks_the_next_link(log):
    store, segment, _ = log
    lines = segment.read_bytes().splitlines(keepends=True)
    raw = next(r for r in store.read_raw(3))
    edited = {k: v for k, v in raw.items() if k != "hash"} | {"data": {"tag": "forged"}}
    lines[2] = seal_line(edited)[0].encode()
    segment.write_bytes(b"".join(lines))
    walk, _ = _walk(segment)
    assert walk.seq == 2 and walk.problem.startswith("seq 4 ")


def test_any_changed_byte_stops_the_walk_before_its_transaction(log):
    """Whatever byte is changed, nothing of its transaction or after is walked."""
    _, segment, ends = log
    data = segment.read_bytes()
    rng = random.Random(11)
    for at in sorted(rng.sample(range(len(data)), 150)):
        changed = bytes([data[at] ^ rng.choice([1, 2, 4, 32, 64])])
        segment.write_bytes(data[:at] + changed + data[at + 1 :])
        walk, end = _walk(segment)
        tx_start = max([0, *[e for e in ends if e <= at]])
        assert walk.problem is not None and end <= tx_start, at
    segment.write_bytes(data)


def test_a_transaction_cut_at_a_segment_end_is_damage(log):
    _, segment, ends = log
    segment.write_bytes(segment.read_bytes()[: ends[1] - 10].rsplit(b"\n", 1)[0] + b"\n")
    walk, end = _walk(segment)
    assert walk.seq == 2 and end == ends[0] and "does not end in its segment" in walk.problem
