"""Event payloads: stored form and back, with and without validation."""

from __future__ import annotations

import pytest

from ledger import event_reading as reading
from ledger import events as ev
from ledger.errors import EventError, LedgerError

SHA = "ab" * 32

ONE_OF_EACH: list[ev.EventData] = [
    ev.RunCreated(op="train", opdef={"main": "train"}, kind="batch", random_seed=7, params={"lr": [0.1, 0.2]}),
    ev.FlagSet(name="lr", value=0.1, origin="proto"),
    ev.SourcecodeCopied(files=(ev.SourceFile("train.py", SHA, 12, 0o755),), digest="d", origin="proto", from_run="r0"),
    ev.TrialSpawned(trial="t1", index=0, flags={"lr": 0.1}),
    ev.DependencyResolved(kind="operation", name="prepare", how="link", run="r0",
                          files=(ev.ResolvedFile("data.txt", "data.txt", SHA, 4),)),  # fmt: skip
    ev.RunStarted(argv=("python", "-u", "train.py"), env={"A": "1"}, pid=42, cwd="/tmp"),
    ev.OutputCaptured(blob=SHA, bytes=10, lines=2, index=((0, 0, 1), (5, 1, 1))),
    ev.ScalarLogged(key="loss", value=0.5, step=3),
    ev.ScalarsLogged(blob=SHA, points=4, keys=("loss", "acc"), source="api"),
    ev.ArtifactRecorded(path="model.bin", sha256=SHA, size=3, stored=False),
    ev.RunStopped(status="completed", exit_status=0),
    ev.LabelSet(label="lr=0.1"),
    ev.TagAdded(tag="best"),
    ev.TagRemoved(tag="best"),
    ev.CommentAdded(text="looks good", user="ann"),
    ev.CommentRemoved(comment_seq=12),
    ev.RunDeleted(),
    ev.RunRestored(),
    ev.RunPurged(blobs=(SHA,)),
]


def _envelope(data: ev.EventData, **over) -> dict:
    raw = {
        "seq": 1, "id": "0" * 32, "ts": "2024-01-01T00:00:00.000000Z", "run": "r1",
        "type": type(data).__name__, "v": data.V, "data": ev.dump_data(data), "cause": None,
        "tx": 1, "txn": 1, "prev": "0" * 64, "hash": "1" * 64,
    }  # fmt: skip
    return {**raw, **over}


def test_the_samples_cover_every_event_type():
    assert {type(d) for d in ONE_OF_EACH} == set(ev.EVENT_TYPES.values())


@pytest.mark.parametrize("validate", [False, True])
@pytest.mark.parametrize("data", ONE_OF_EACH, ids=lambda d: type(d).__name__)
def test_a_payload_reads_back_equal_from_its_json_form(data, validate):
    import json

    stored = json.loads(json.dumps(_envelope(data)))  # tuples become lists, as on disk
    event = reading.from_dict(stored, validate=validate)
    assert event.data == data
    assert event.to_dict()["data"] == ev.dump_data(data)


def test_payloads_with_tuple_fields_stay_hashable_after_a_round_trip():
    import json

    for data in ONE_OF_EACH:
        if type(data) in (ev.RunPurged, ev.SourcecodeCopied, ev.OutputCaptured):  # no dict fields
            back = reading.from_dict(json.loads(json.dumps(_envelope(data)))).data
            assert hash(back) == hash(data)


def test_dump_data_gives_plain_json_values_for_nested_payloads():
    dumped = ev.dump_data(ONE_OF_EACH[2])
    assert dumped["files"][0] == {"path": "train.py", "sha256": SHA, "size": 12, "mode": 0o755}


def test_an_unknown_type_is_an_error_never_dropped():
    with pytest.raises(EventError, match="unknown event type 'RunExploded'"):
        reading.from_dict(_envelope(ev.LabelSet("x"), type="RunExploded"))


def test_an_unknown_schema_version_is_an_error():
    with pytest.raises(EventError, match="schema v2"):
        reading.from_dict(_envelope(ev.LabelSet("x"), v=2))


@pytest.mark.parametrize("change", [{"hash": None}, {"extra": 1}])
def test_a_malformed_envelope_is_an_error(change):
    raw = _envelope(ev.LabelSet("x"))
    raw.update(change)
    if change.get("hash", 0) is None:
        del raw["hash"]
    with pytest.raises(EventError, match="malformed event envelope"):
        reading.from_dict(raw)


@pytest.mark.parametrize(
    "data, where",
    [
        ({"key": "loss", "value": "high", "step": 1}, "value"),
        ({"key": "loss", "value": 1.0, "step": 1, "unit": "m"}, "unit"),
        ({"value": 1.0}, "key"),
    ],
)
def test_validation_names_the_bad_field_in_one_line(data, where):
    raw = {**_envelope(ev.ScalarLogged("k", 1.0)), "data": data}
    with pytest.raises(EventError) as info:
        reading.from_dict(raw, validate=True)
    message = str(info.value)
    assert where in message and "\n" not in message
    assert isinstance(info.value, LedgerError)


def test_validation_rejects_a_flag_origin_outside_the_contract():
    raw = {**_envelope(ev.FlagSet("lr", 1, "user")), "data": {"name": "lr", "value": 1, "origin": "magic"}}
    with pytest.raises(EventError, match="origin"):
        reading.from_dict(raw, validate=True)


def test_without_validation_missing_fields_are_still_an_event_error():
    raw = {**_envelope(ev.ScalarLogged("k", 1.0)), "data": {"value": 1.0}}
    with pytest.raises(EventError, match="malformed ScalarLogged"):
        reading.from_dict(raw)
