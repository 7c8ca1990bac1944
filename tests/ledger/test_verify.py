"""`verify` re-walks the chain and the blobs and names the first bad seq or blob."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ledger import events as ev
from ledger.home import Home
from ledger.sealing import GENESIS, seal_line
from ledger.store import EventStore
from ledger.verify import verify


def _run_with_blobs(home: Home, store: EventStore, run: str) -> list[ev.Event]:
    src = home.blobs.put_bytes(f"print('{run}')\n".encode())
    out = home.blobs.put_bytes(f"output of {run}\n".encode())
    return store.append(
        [
            ev.NewEvent(run, ev.RunCreated(op="train.py", params={"lr": 0.1}, random_seed=12)),
            ev.NewEvent(run, ev.FlagSet("lr", 0.1, "default")),
            ev.NewEvent(run, ev.SourcecodeCopied(files=(ev.SourceFile("train.py", src, 14),), digest=src)),
        ]
    ) + store.append(
        [
            ev.NewEvent(run, ev.OutputCaptured(blob=out, bytes=18, lines=1, index=((3, 0, 1),)), cause=2),
            ev.NewEvent(run, ev.RunStopped("completed", 0)),
        ]
    )


def test_a_sound_home_verifies_with_a_summary(home):
    for i in range(3):
        _run_with_blobs(home, home.store, f"run{i}")
    report = verify(home)
    assert report.ok and (report.bad_seq, report.bad_blob, report.problem) == (None, None, None)
    assert report.summary() == "ok: 15 events in 1 segment, 6 blobs verified"


def test_an_empty_home_verifies_and_is_left_as_it_was(home):
    assert verify(home).summary() == "ok: 0 events in 0 segments, 0 blobs verified"
    assert not home.path.exists()


def test_the_summary_counts_with_thousands_separators(home):
    home.store.append([ev.NewEvent("r", ev.ScalarLogged("x", 1.0, i)) for i in range(1200)])
    assert verify(home).summary() == "ok: 1,200 events in 1 segment, 0 blobs verified"


# -- every altered byte is found ---------------------------------------------


@pytest.fixture
def sealed_home(home) -> tuple[Home, Path, list[int]]:
    """A home whose first segment is sealed (a later one exists); returns it,
    that segment, and the seq each of its bytes belongs to."""
    store = EventStore(home.path / "events", segment_bytes=1500)
    first = _run_with_blobs(home, store, "3f2a9c1e")
    store.append([ev.NewEvent("later", ev.TagAdded("next segment"))])
    assert len(store.segments()) >= 2 and verify(home).ok
    segment = store.root / "00000001.jsonl"
    owner: list[int] = []
    for event, line in zip(first, segment.read_bytes().splitlines(keepends=True)):
        owner += [event.seq] * len(line)
    assert len(owner) == segment.stat().st_size  # the sealed segment holds exactly the first run's events
    return home, segment, owner


def _flip(path: Path, at: int, value: int) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[:at] + bytes([value]) + data[at + 1 :])
    return data


def test_flipping_the_low_bit_of_any_byte_of_a_sealed_segment_is_named(sealed_home):
    """The low bit turns digits into digits and letters into letters: the
    line often still parses, only the exact-bytes check can tell."""
    home, segment, owner = sealed_home
    for at in range(len(owner)):
        original = _flip(segment, at, segment.read_bytes()[at] ^ 0x01)
        report = verify(home)
        segment.write_bytes(original)
        assert report.bad_seq == owner[at], (at, report.problem)
        assert segment.name in report.problem and not report.ok


def test_any_other_value_at_a_seeded_sample_of_bytes_is_named(sealed_home):
    home, segment, owner = sealed_home
    data = segment.read_bytes()
    rng = random.Random(20240611)
    newlines = [i for i, b in enumerate(data) if b == 0x0A]
    spots = sorted(set(rng.sample(range(len(data)), 150) + newlines))
    for at in spots:
        for value in {rng.randrange(256), 0x0A, 0x20, ord("0"), ord('"')} - {data[at]}:
            _flip(segment, at, value)
            report = verify(home)
            segment.write_bytes(data)
            assert report.bad_seq == owner[at], (at, value, report.problem)


def test_flipping_any_byte_of_a_blob_names_the_blob(home):
    _run_with_blobs(home, home.store, "r")
    sha = home.blobs.put_bytes(bytes(range(40)))
    path = home.blobs.path(sha)
    for at in range(40):
        original = _flip(path, at, path.read_bytes()[at] ^ 0xFF)
        report = verify(home)
        path.write_bytes(original)
        assert report.bad_blob == sha and sha in report.problem and report.bad_seq is None
    assert verify(home).ok


# -- what the walk checks besides the bytes -----------------------------------


def _write_segments(root: Path, segments: list[list[dict]]) -> None:
    """Seal hand-made envelopes into segments, chained as a writer would."""
    root.mkdir(parents=True, exist_ok=True)
    prev = GENESIS
    for number, bodies in enumerate(segments, start=1):
        lines = []
        for body in bodies:
            line, prev = seal_line({**body, "prev": prev})
            lines.append(line)
        (root / f"{number:08d}.jsonl").write_text("".join(lines), encoding="utf-8")


def _body(seq: int, tx: int, txn: int, data: dict | None = None, type_: str = "TagAdded") -> dict:
    return {
        "seq": seq, "id": f"{seq:032x}", "ts": "2024-06-11T10:00:00.000000Z", "run": "r", "type": type_, "v": 1,
        "data": data if data is not None else {"tag": f"t{seq}"}, "cause": None, "tx": tx, "txn": txn,
    }  # fmt: skip


def test_a_transaction_straddling_two_segments_is_named(home):
    _write_segments(home.path / "events", [[_body(1, 1, 1), _body(2, 2, 2)], [_body(3, 2, 2), _body(4, 4, 1)]])
    report = verify(home)
    assert report.bad_seq == 2 and "the segment before 00000002.jsonl" in report.problem


def test_a_transaction_left_unfinished_before_another_is_named(home):
    _write_segments(home.path / "events", [[_body(1, 1, 3), _body(2, 1, 3), _body(3, 3, 1), _body(4, 4, 1)]])
    report = verify(home)
    assert report.bad_seq == 3 and "missing events" in report.problem


def test_an_event_claiming_another_transaction_is_named(home):
    _write_segments(home.path / "events", [[_body(1, 1, 2), _body(2, 2, 2), _body(3, 3, 1)]])
    assert verify(home).bad_seq == 2


def test_a_sealed_but_malformed_payload_is_named(home):
    bad = _body(2, 2, 1, {"key": "loss", "value": "high"}, "ScalarLogged")
    _write_segments(home.path / "events", [[_body(1, 1, 1), bad]])
    report = verify(home)
    assert report.bad_seq == 2 and "malformed ScalarLogged" in report.problem


def test_an_unknown_event_type_is_named(home):
    _write_segments(home.path / "events", [[_body(1, 1, 1, {}, "RunTeleported")]])
    report = verify(home)
    assert report.bad_seq == 1 and "RunTeleported" in report.problem


def test_a_missing_segment_is_a_gap_in_seq(home):
    store = EventStore(home.path / "events", segment_bytes=1)
    for i in range(4):
        store.append([ev.NewEvent("r", ev.TagAdded(str(i)))])
    (store.root / "00000002.jsonl").unlink()
    report = verify(home)
    assert report.bad_seq == 2 and "found seq 3" in report.problem


def test_swapped_segments_are_named(home):
    store = EventStore(home.path / "events", segment_bytes=1)
    for i in range(3):
        store.append([ev.NewEvent("r", ev.TagAdded(str(i)))])
    first, second = store.root / "00000001.jsonl", store.root / "00000002.jsonl"
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    assert verify(home).bad_seq == 1


def test_a_rechained_edit_still_breaks_the_next_link(home):
    """Re-sealing an edited event gives it a valid hash of its own, but the
    event after it still points at the old one."""
    store = home.store
    store.append([ev.NewEvent("r", ev.TagAdded(str(i))) for i in range(3)])
    store.append([ev.NewEvent("r", ev.TagAdded("later"))])
    segment = store.root / "00000001.jsonl"
    raws = list(store.read_raw())
    edited = {k: v for k, v in raws[1].items() if k != "hash"}
    edited["data"] = {"tag": "forged"}
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[1] = seal_line(edited)[0].encode()
    segment.write_bytes(b"".join(lines))
    report = verify(home)
    assert report.bad_seq == 3 and "chain is broken" in report.problem


def test_a_rechained_edit_of_the_last_transaction_is_set_aside_and_fails_the_tip(home, capsys):
    store = home.store
    store.append([ev.NewEvent("r", ev.TagAdded(str(i))) for i in range(3)])
    segment = store.root / "00000001.jsonl"
    raws = list(store.read_raw())
    edited = {k: v for k, v in raws[1].items() if k != "hash"}
    edited["data"] = {"tag": "forged"}
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[1] = seal_line(edited)[0].encode()
    segment.write_bytes(b"".join(lines))
    report = verify(home)
    assert not report.ok and "tip" in report.problem and "seq 3" in report.problem
    assert (segment.parent / f"{segment.name}.quarantine-0").read_bytes() == b"".join(lines)
    assert "quarantine" in capsys.readouterr().err


# -- blobs the events refer to ------------------------------------------------


def test_a_missing_blob_is_named_with_the_event_that_needs_it(home):
    events = _run_with_blobs(home, home.store, "r")
    out = events[3].data.blob
    home.blobs.remove(out)
    report = verify(home)
    assert report.bad_blob == out and f"seq {events[3].seq}" in report.problem and report.bad_seq is None


def test_a_blob_removed_by_purging_its_only_run_is_not_a_problem(home):
    events = _run_with_blobs(home, home.store, "r")
    removed = (events[2].data.files[0].sha256, events[3].data.blob)
    for sha in removed:
        home.blobs.remove(sha)
    home.store.append([ev.NewEvent("r", ev.RunPurged(blobs=removed))])
    report = verify(home)
    assert report.ok and report.blobs == 0


def test_a_blob_another_live_run_still_uses_must_exist(home):
    a = _run_with_blobs(home, home.store, "a")
    shared = a[2].data.files[0].sha256
    home.store.append([ev.NewEvent("b", ev.ArtifactRecorded("copy.py", shared, 14, stored=True))])
    home.blobs.remove(shared)
    home.store.append([ev.NewEvent("a", ev.RunPurged(blobs=(shared,)))])
    assert verify(home).bad_blob == shared


def test_an_artifact_that_was_not_stored_needs_no_blob(home):
    home.store.append([ev.NewEvent("r", ev.ArtifactRecorded("big.ckpt", "ab" * 32, 10**9, stored=False))])
    assert verify(home).ok


def test_the_first_bad_seq_and_the_first_bad_blob_are_both_named(home):
    events = _run_with_blobs(home, home.store, "r")
    sha = events[3].data.blob
    _flip(home.blobs.path(sha), 0, 0)
    segment = home.store.root / "00000001.jsonl"
    _flip(segment, 10, segment.read_bytes()[10] ^ 0x01)
    report = verify(home)
    assert (report.bad_seq, report.bad_blob) == (1, sha)
    assert report.problem.startswith("seq 1 ") and report.summary().startswith("FAILED: seq 1 ")


def test_run_directories_and_blobs_the_log_does_not_own_are_reported_not_failed(home):
    _run_with_blobs(home, home.store, "kept")
    _run_with_blobs(home, home.store, "gone")
    home.store.append([ev.NewEvent("gone", ev.RunPurged(blobs=()))])
    for name in ("kept", "gone", "planted"):
        home.run_dir(name).mkdir(parents=True)
    stray = home.blobs.put_bytes(b"bytes no event refers to\n")
    report = verify(home)
    assert report.ok
    assert (report.orphan_dirs, report.orphan_blobs) == (["gone", "planted"], [stray[:12]])
    assert report.summary().endswith(
        f"; 2 run directories no run in the log owns: gone, planted; 1 blob no event refers to: {stray[:12]}"
    )
