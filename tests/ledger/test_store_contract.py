"""The event store's contract: what is appended reads back identical, in
gapless order, chained; streams, versions and segments behave; the stream
index is derived and mends itself."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import event_reading as reading
from ledger import events as ev
from ledger.errors import ConcurrencyError, EventError, StoreError
from ledger.home import Home
from ledger.sealing import GENESIS, check_line
from ledger.store import EventStore
from ledger.verify import verify

# -- strategies: any valid event --------------------------------------------

texts = st.text(max_size=12)
BLOB_CONTENTS = [bytes([i]) * i for i in range(6)]  # what the events' blobs hold: the test home stores them
shas = st.sampled_from(BLOB_CONTENTS).map(lambda b: hashlib.sha256(b).hexdigest())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
json_maps = st.dictionaries(texts, json_values, max_size=3)
opt_texts = st.none() | texts

PAYLOADS: dict[type, st.SearchStrategy] = {
    ev.RunCreated: st.builds(
        ev.RunCreated, op=texts, opdef=json_maps, project=texts, kind=st.sampled_from(["run", "batch"]),
        proto=opt_texts, batch=opt_texts, label_template=opt_texts, random_seed=st.integers(0, 2**32),
        pid=st.integers(0, 2**22), host=texts, user=texts, platform=texts, git=st.none() | json_maps, params=json_maps,
    ),
    ev.FlagSet: st.builds(
        ev.FlagSet, name=texts, value=json_values,
        origin=st.sampled_from(["default", "proto", "user", "batch", "optimizer"]),
    ),
    ev.SourcecodeCopied: st.builds(
        ev.SourcecodeCopied,
        files=st.lists(
            st.builds(ev.SourceFile, path=texts, sha256=shas, size=st.integers(0, 2**40), mode=st.integers(0, 0o7777)),
            max_size=3,
        ).map(tuple),
        digest=shas, origin=st.sampled_from(["project", "proto"]), from_run=opt_texts,
    ),
    ev.TrialSpawned: st.builds(ev.TrialSpawned, trial=texts, index=st.integers(0, 10**6), flags=json_maps),
    ev.DependencyResolved: st.builds(
        ev.DependencyResolved, kind=st.sampled_from(["operation", "file"]), name=texts,
        how=st.sampled_from(["link", "copy"]), run=opt_texts,
        files=st.lists(
            st.builds(ev.ResolvedFile, path=texts, source=texts, sha256=shas, size=st.integers(0, 2**40)), max_size=3
        ).map(tuple),
    ),
    ev.RunStarted: st.builds(
        ev.RunStarted, argv=st.lists(texts, max_size=4).map(tuple), env=st.dictionaries(texts, texts, max_size=3),
        pid=st.integers(0, 2**22), cwd=texts,
    ),
    ev.OutputCaptured: st.builds(
        ev.OutputCaptured, blob=shas, bytes=st.integers(0, 2**40), lines=st.integers(0, 10**9),
        index=st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 1), st.integers(1, 10**6)), max_size=4).map(tuple),
    ),
    ev.ScalarLogged: st.builds(
        ev.ScalarLogged, key=texts, value=st.floats(allow_nan=False, allow_infinity=False), step=st.integers()
    ),
    ev.ScalarsLogged: st.builds(
        ev.ScalarsLogged, blob=shas, points=st.integers(0, 2**40), keys=st.lists(texts, max_size=3).map(tuple),
        source=st.sampled_from(["output", "api", "tensorboard"]),
    ),
    ev.ArtifactRecorded: st.builds(
        ev.ArtifactRecorded, path=texts, sha256=shas, size=st.integers(0, 2**40), stored=st.booleans()
    ),
    ev.RunStopped: st.builds(
        ev.RunStopped, status=st.sampled_from(["completed", "error", "terminated"]),
        exit_status=st.none() | st.integers(-255, 255),
    ),
    ev.LabelSet: st.builds(ev.LabelSet, label=texts),
    ev.TagAdded: st.builds(ev.TagAdded, tag=texts),
    ev.TagRemoved: st.builds(ev.TagRemoved, tag=texts),
    ev.CommentAdded: st.builds(ev.CommentAdded, text=texts, user=texts),
    ev.CommentRemoved: st.builds(ev.CommentRemoved, comment_seq=st.integers(1, 2**62)),
    ev.RunDeleted: st.builds(ev.RunDeleted),
    ev.RunRestored: st.builds(ev.RunRestored),
    ev.RunPurged: st.builds(ev.RunPurged, blobs=st.lists(shas, max_size=3).map(tuple)),
}  # fmt: skip

new_events = st.builds(
    ev.NewEvent,
    run=st.sampled_from(["run-a", "run-b", "ünïcode run", "c" * 32]),
    data=st.one_of(*PAYLOADS.values()),
    cause=st.none() | st.integers(1, 10**6),
)
transactions = st.lists(st.lists(new_events, min_size=1, max_size=5), min_size=1, max_size=6)


def test_the_strategies_cover_every_event_type():
    assert set(PAYLOADS) == set(ev.EVENT_TYPES.values())


# -- round trip ---------------------------------------------------------------


def _chain_is_valid(raws: list[dict]) -> bool:
    prev = GENESIS
    for raw in raws:
        body = {k: v for k, v in raw.items() if k != "hash"}
        line = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if raw["prev"] != prev or hashlib.sha256(line.encode()).hexdigest() != raw["hash"]:
            return False
        prev = raw["hash"]
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(txs=transactions, segment_bytes=st.sampled_from([1, 700, 64 * 1024 * 1024]))
def test_any_valid_events_read_back_identical_gapless_and_chained(txs, segment_bytes):
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(tmp)
        for content in BLOB_CONTENTS:
            home.blobs.put_bytes(content)
        store = EventStore(home.path / "events", segment_bytes=segment_bytes)
        appended = [e for tx in txs for e in store.append(tx)]

        assert [e.data for e in appended] == [n.data for tx in txs for n in tx]
        assert [e.run for e in appended] == [n.run for tx in txs for n in tx]
        assert [e.seq for e in appended] == list(range(1, len(appended) + 1))
        assert list(store.read()) == appended
        reopened = EventStore(home.path / "events", segment_bytes=segment_bytes)
        assert list(reopened.read()) == appended
        raws = list(reopened.read_raw())
        assert [reading.from_dict(r, validate=True) for r in raws] == appended
        assert _chain_is_valid(raws)
        for run in {e.run for e in appended}:
            assert reopened.stream(run) == [e for e in appended if e.run == run]
        assert list(reopened.read(len(appended) // 2 + 1)) == appended[len(appended) // 2 :]
        report = verify(home)
        assert report.ok, report.problem
        assert (report.events, report.blobs) == (len(appended), len(BLOB_CONTENTS))


def test_a_transaction_shares_tx_txn_and_one_timestamp(store):
    store.append([ev.NewEvent("r", ev.LabelSet("first"))])
    events = store.append([ev.NewEvent("r", ev.TagAdded(str(i))) for i in range(3)])
    assert [(e.seq, e.tx, e.txn) for e in events] == [(2, 2, 3), (3, 2, 3), (4, 2, 3)]
    assert len({e.ts for e in events}) == 1
    ids = [uuid.UUID(e.id) for e in events]
    assert len(set(ids)) == 3 and all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert [i.hex for i in ids] == [e.id for e in events]


def test_every_stored_line_is_exactly_its_sealed_form(store):
    store.append([ev.NewEvent("r", ev.CommentAdded("naïve\nline\u2028 \"quoted\""))])
    raw_line = (store.root / "00000001.jsonl").read_bytes()
    assert raw_line.count(b"\n") == 1
    assert check_line(raw_line)["data"]["text"] == "naïve\nline\u2028 \"quoted\""


def test_appending_nothing_writes_nothing(store):
    assert store.append([]) == []
    assert store.segments() == []


def test_reading_past_the_end_gives_nothing(store):
    store.append([ev.NewEvent("r", ev.LabelSet("x"))])
    assert list(store.read(2)) == [] and list(store.read(99)) == []
    assert list(EventStore(store.root).read(5)) == []


def test_reading_an_empty_home_gives_nothing(store):
    assert list(store.read()) == [] and store.stream("r") == [] and store.version("r") == 0


# -- refused appends write nothing ------------------------------------------


def _snapshot(root: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(root).iterdir()) if p.name != "LOCK"}


def test_a_stale_expected_version_is_refused_and_writes_nothing(store):
    store.append([ev.NewEvent("r", ev.LabelSet("a")), ev.NewEvent("r", ev.TagAdded("t"))], expected_version=0)
    other = EventStore(store.root)  # another writer gets there first
    other.append([ev.NewEvent("r", ev.TagAdded("u"))], expected_version=2)
    before = _snapshot(store.root)
    with pytest.raises(ConcurrencyError) as info:
        store.append([ev.NewEvent("r", ev.TagAdded("v"))], expected_version=2)
    assert "has 3 events, not the 2" in str(info.value) and "\n" not in str(info.value)
    assert _snapshot(store.root) == before and store.last_seq == 3
    assert store.append([ev.NewEvent("r", ev.TagAdded("v"))], expected_version=3)[0].seq == 4


def test_expected_versions_per_run_are_all_checked(store):
    store.append([ev.NewEvent("a", ev.LabelSet("a")), ev.NewEvent("b", ev.LabelSet("b"))])
    batch = [ev.NewEvent("a", ev.TagAdded("x")), ev.NewEvent("b", ev.TagAdded("y"))]
    with pytest.raises(ConcurrencyError):
        store.append(batch, expected_version={"a": 1, "b": 0})
    assert store.append(batch, expected_version={"a": 1, "b": 1, "new": 0})[0].seq == 3
    assert store.version("a") == 2 and store.version("b") == 2 and store.version("new") == 0


def test_an_int_expected_version_needs_events_of_one_run(store):
    with pytest.raises(StoreError, match="map run -> version"):
        store.append([ev.NewEvent("a", ev.LabelSet("a")), ev.NewEvent("b", ev.LabelSet("b"))], expected_version=0)


@pytest.mark.parametrize(
    "bad",
    [ev.ScalarLogged("loss", float("nan")), {"type": "LabelSet"}, ev.SourceFile("p", "s", 1)],
    ids=["nan", "dict", "not-a-payload"],
)
def test_an_event_that_cannot_be_stored_writes_nothing(home, bad):
    store = EventStore(home.path / "events", segment_bytes=1)  # the next append would start a segment
    store.append([ev.NewEvent("r", ev.LabelSet("a"))])
    before = _snapshot(store.root)
    with pytest.raises(EventError):
        store.append([ev.NewEvent("r", ev.TagAdded("ok")), ev.NewEvent("r", bad)])
    assert _snapshot(store.root) == before and store.segments() == [1]
    assert store.append([ev.NewEvent("r", ev.TagAdded("ok"))])[0].seq == 2


# -- segments -----------------------------------------------------------------


def _segment_events(store: EventStore) -> list[list[dict]]:
    return [
        [json.loads(line) for line in Path(store._segment_path(s)).read_bytes().splitlines()] for s in store.segments()
    ]


def test_full_segments_are_sealed_and_no_transaction_straddles_two(home):
    store = EventStore(home.path / "events", segment_bytes=900)
    sizes = [1, 3, 2, 5, 1, 4, 2, 2, 3, 1]
    for i, n in enumerate(sizes):
        store.append([ev.NewEvent(f"run{j % 3}", ev.ScalarLogged("k", float(i), j)) for j in range(n)])
    per_segment = _segment_events(store)
    assert len(per_segment) > 3
    for events in per_segment:
        assert events[0]["seq"] == events[0]["tx"]  # starts a transaction
        assert events[-1]["seq"] == events[-1]["tx"] + events[-1]["txn"] - 1  # ends one
    for s in store.segments()[:-1]:  # sealed once full, and not before
        lines = Path(store._segment_path(s)).read_bytes().splitlines(keepends=True)
        last_txn = json.loads(lines[-1])["txn"]
        assert sum(map(len, lines)) >= 900
        assert sum(map(len, lines[:-last_txn])) < 900  # its last transaction began while it had room
    assert [e["seq"] for seg in per_segment for e in seg] == list(range(1, sum(sizes) + 1))
    assert verify(home).ok


def test_a_stream_read_via_the_index_equals_filtering_the_whole_log(home):
    store = EventStore(home.path / "events", segment_bytes=2000)
    for i in range(40):
        store.append([ev.NewEvent(f"run{(i * 7 + j) % 5}", ev.ScalarLogged("k", 1.0, i)) for j in range(i % 4 + 1)])
    everything = list(store.read())
    assert len(store.segments()) > 2
    for run in [f"run{k}" for k in range(5)] + ["absent"]:
        assert store.stream(run) == [e for e in everything if e.run == run]
        assert store.version(run) == len(store.stream(run))


# -- the stream index is derived ----------------------------------------------


def _damage_index(idx: Path, how: str) -> None:
    data = idx.read_bytes()
    if how == "deleted":
        idx.unlink()
    elif how == "emptied":
        idx.write_bytes(b"")
    elif how == "cut mid-record":
        idx.write_bytes(data[: len(data) // 2 - 5])
    elif how == "cut to whole records":
        idx.write_bytes(data[: 32 * 3])
    elif how == "garbage appended":
        idx.write_bytes(data + b"\x07garbage")
    elif how == "whole garbage records appended":
        idx.write_bytes(data + bytes(range(64)))
    elif how == "cut and garbage record appended":
        idx.write_bytes(data[: 32 * 3] + b"\xff" * 32)
    elif how == "a middle record points elsewhere":
        at = 32 * 5 + 12  # record of seq 6: its offset field
        idx.write_bytes(data[:at] + (7).to_bytes(8, "little") + data[at + 8 :])


INDEX_DAMAGE = [
    "deleted", "emptied", "cut mid-record", "cut to whole records", "garbage appended",
    "whole garbage records appended", "cut and garbage record appended", "a middle record points elsewhere",
]  # fmt: skip


@pytest.mark.parametrize("how", INDEX_DAMAGE)
@pytest.mark.parametrize("reader", ["same store", "new store"])
def test_every_read_answers_right_whatever_happened_to_the_index(home, how, reader):
    store = EventStore(home.path / "events", segment_bytes=1500)
    for i in range(12):
        store.append([ev.NewEvent(f"run{(i + j) % 3}", ev.TagAdded(f"{i}.{j}")) for j in range(i % 3 + 1)])
    everything = list(store.read())
    streams = {run: store.stream(run) for run in ("run0", "run1", "run2")}
    _damage_index(store.root / "streams.idx", how)

    reading = store if reader == "same store" else EventStore(store.root)
    assert list(reading.read(10)) == everything[9:]
    for run, events in streams.items():
        assert reading.stream(run) == events
        assert reading.version(run) == len(events)
    _damage_index(store.root / "streams.idx", how)
    added = reading.append([ev.NewEvent("run1", ev.TagAdded("later"))], expected_version=len(streams["run1"]))
    assert reading.stream("run1") == streams["run1"] + added
    assert (store.root / "streams.idx").stat().st_size == 32 * added[0].seq
    assert list(EventStore(store.root).read(added[0].seq)) == added
    assert verify(home).ok
