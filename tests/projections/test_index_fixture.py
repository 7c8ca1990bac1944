"""A small ledger with known answers, written through the store's API the
way the executor writes runs. Imported by the index, SQL, query and
compare tests; the one test here checks the fixture itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ledger.events import (
    ArtifactRecorded,
    CommentAdded,
    FlagSet,
    LabelSet,
    NewEvent,
    OutputCaptured,
    RunCreated,
    RunDeleted,
    RunStarted,
    RunStopped,
    ScalarLogged,
    SourcecodeCopied,
    SourceFile,
    TagAdded,
    TagRemoved,
    TrialSpawned,
)
from ledger.home import Home
from ledger.projections.liveness import owner, this_host

OPDEF = {"name": "train", "flags": {"lr": {"default": 0.1}}, "objective": {"minimize": "loss"}}
BATCH_OPDEF = {"name": "train+", "objective": {"minimize": "loss"}}
FILES = (SourceFile("train.py", "a" * 64, 120), SourceFile("util.py", "b" * 64, 30))


@dataclass
class Fixture:
    home: Home
    ids: dict[str, str] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)  # named events -> seq


def rid(name: str) -> str:
    return (name.encode().hex() + "0" * 32)[:32]


def append(home: Home, events: list[NewEvent]) -> list:
    return home.store.append(events)


def created(run: str, op: str = "train", **kw) -> NewEvent:
    """A run owned by this (live) process: runs without an end read `running`."""
    opdef = kw.pop("opdef", OPDEF)
    return NewEvent(run, RunCreated(op=op, opdef=opdef, host=this_host(), **owner(), **kw))


def build(home: Home) -> Fixture:
    fx = Fixture(home)
    a, b, c, d, e = (rid(x) for x in ("runa", "runb", "batchc", "rund", "rune"))
    fx.ids.update(a=a, b=b, c=c, d=d, e=e)
    blob_ok = home.blobs.put_bytes(b"epoch 1\nepoch 2\ndone\n")
    err1, err2 = b"starting\nTraceback (most recent call last):\n", b'  File "train.py", line 3\nValueError: boom\n'
    blob_err1, blob_err2 = home.blobs.put_bytes(err1), home.blobs.put_bytes(err2)

    # run A: a plain completed run
    evs = append(home, [
        created(a, random_seed=11),
        NewEvent(a, LabelSet("lr=0.1 first")),
        NewEvent(a, FlagSet("lr", 0.1, "default")),
        NewEvent(a, FlagSet("epochs", 2, "user")),
        NewEvent(a, FlagSet("opt", "sgd", "default")),
        NewEvent(a, SourcecodeCopied(files=FILES, digest="digest-1")),
    ])
    fx.seqs["a_lr"], fx.seqs["a_epochs"], fx.seqs["a_opt"] = evs[2].seq, evs[3].seq, evs[4].seq
    append(home, [NewEvent(a, RunStarted(argv=("python", "train.py"), pid=1))])
    append(home, [NewEvent(a, ScalarLogged("loss", 1.0, 1)), NewEvent(a, ScalarLogged("acc", 0.5, 1))])
    append(home, [NewEvent(a, ScalarLogged("loss", 0.5, 2)), NewEvent(a, ScalarLogged("acc", 0.7, 2))])
    append(home, [
        NewEvent(a, OutputCaptured(blob=blob_ok, bytes=21, lines=3)),
        NewEvent(a, ArtifactRecorded("model.bin", "c" * 64, 1000)),
        NewEvent(a, RunStopped("completed", 0)),
        NewEvent(a, TagAdded("baseline")),
        NewEvent(a, TagAdded("keep")),
    ])

    # run B: from A as proto, epochs overridden; fails with output in two chunks
    append(home, [
        created(b, proto=a, random_seed=11),
        NewEvent(b, LabelSet("from a")),
        NewEvent(b, FlagSet("lr", 0.1, "proto"), cause=fx.seqs["a_lr"]),
        NewEvent(b, FlagSet("epochs", 3, "user")),
        NewEvent(b, FlagSet("opt", "sgd", "proto"), cause=fx.seqs["a_opt"]),
        NewEvent(b, SourcecodeCopied(files=FILES, digest="digest-1", origin="proto", from_run=a)),
        NewEvent(b, RunStarted(argv=("python", "train.py"), pid=1)),
        NewEvent(b, ScalarLogged("loss", 2.0, 1)),
        NewEvent(b, OutputCaptured(blob=blob_err1, bytes=len(err1), lines=2)),
        NewEvent(b, OutputCaptured(blob=blob_err2, bytes=len(err2), lines=2)),
        NewEvent(b, RunStopped("error", 1)),
    ])

    # batch C: three trials; trial 2 has the lowest final loss
    append(home, [
        created(c, op="train+", kind="batch", opdef=BATCH_OPDEF),
        NewEvent(c, LabelSet("grid")),
        NewEvent(c, RunStarted(argv=("ledger", "batch"), pid=1)),
    ])
    finals = {1: 0.3, 2: 0.1, 3: 0.2}
    for i, final in finals.items():
        t = rid(f"trial{i}")
        fx.ids[f"t{i}"] = t
        append(home, [
            NewEvent(c, TrialSpawned(trial=t, index=i, flags={"lr": 0.1 * i})),
            created(t, batch=c),
            NewEvent(t, LabelSet(f"lr={0.1 * i:g}")),
            NewEvent(t, FlagSet("lr", 0.1 * i, "batch")),
            NewEvent(t, SourcecodeCopied(files=FILES[:1], digest="digest-2")),
            NewEvent(t, RunStarted(argv=("python", "train.py"), pid=1)),
            NewEvent(t, ScalarLogged("loss", 0.9, 1)),
            NewEvent(t, ScalarLogged("loss", final, 2)),
            NewEvent(t, RunStopped("completed", 0)),
        ])
    append(home, [NewEvent(c, RunStopped("completed", 0))])

    # run D: staged, from B as proto (so its lineage is D -> B -> A)
    append(home, [
        created(d, proto=b, params={"stage": True}),
        NewEvent(d, LabelSet("staged")),
        NewEvent(d, FlagSet("lr", 0.1, "proto"), cause=fx.seqs["a_lr"] + 0),
        NewEvent(d, FlagSet("epochs", 3, "proto")),
    ])
    # later edits: a tag removed, a comment, a flag label changed, run E deleted
    append(home, [NewEvent(a, TagRemoved("keep")), NewEvent(a, CommentAdded("good baseline", "ann"))])
    append(home, [NewEvent(d, LabelSet("staged again"))])
    append(home, [created(e), NewEvent(e, LabelSet("junk")), NewEvent(e, RunStopped("terminated"))])
    append(home, [NewEvent(e, RunDeleted())])
    return fx


@pytest.fixture
def fixture_ledger(tmp_path) -> Fixture:
    return build(Home(tmp_path / "home"))


def test_fixture_is_a_valid_log(fixture_ledger):
    events = list(fixture_ledger.home.store.read())
    assert [ev.seq for ev in events] == list(range(1, len(events) + 1))
    assert {ev.run for ev in events} == set(fixture_ledger.ids.values())
