"""Many processes appending at once: the lock serialises them, so no seq is
lost, duplicated or reordered and each writer's events keep its order."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from ledger import events as ev
from ledger.errors import ConcurrencyError
from ledger.store import EventStore
from ledger.verify import verify

WRITERS, APPENDS = 8, 500


def _append_steps(root: str, writer: int, start: multiprocessing.synchronize.Event) -> None:
    store = EventStore(Path(root))
    start.wait()  # everyone begins together, so the appends really interleave
    for step in range(APPENDS):
        store.append([ev.NewEvent(f"writer-{writer}", ev.ScalarLogged("step", float(step), step))])


def test_eight_processes_appending_at_once_give_one_gapless_chain(home):
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    root = home.path / "events"
    procs = [ctx.Process(target=_append_steps, args=(str(root), w, start)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * WRITERS

    raws = list(EventStore(root).read_raw())
    assert [r["seq"] for r in raws] == list(range(1, WRITERS * APPENDS + 1))
    for w in range(WRITERS):
        mine = [r["data"]["step"] for r in raws if r["run"] == f"writer-{w}"]
        assert mine == list(range(APPENDS))
    runs_in_order = [r["run"] for r in raws]
    assert any(a != b for a, b in zip(runs_in_order[:APPENDS], runs_in_order[1:])), "the writers never interleaved"
    report = verify(home)
    assert report.ok and report.events == WRITERS * APPENDS, report.problem


def _read_modify_append(root: str, writer: int, count: int) -> None:
    """Optimistic concurrency: read the run's version, append expecting it,
    and on a conflict re-read and retry."""
    store = EventStore(Path(root))
    done = 0
    while done < count:
        version = store.version("shared")
        try:
            store.append([ev.NewEvent("shared", ev.TagAdded(f"{writer}:{done}:{version}"))], expected_version=version)
        except ConcurrencyError:
            continue
        done += 1


def test_expected_versions_let_writers_of_one_run_never_overwrite_each_other(home):
    ctx = multiprocessing.get_context("fork")
    root = home.path / "events"
    procs = [ctx.Process(target=_read_modify_append, args=(str(root), w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 4
    tags = [e.data.tag for e in EventStore(root).stream("shared")]
    # each append saw exactly the events before it
    assert [int(tag.split(":")[2]) for tag in tags] == list(range(4 * 60))
    assert len(set(tags)) == 4 * 60


def _append_with_inherited_store(store: EventStore, writer: int) -> None:
    for step in range(150):
        store.append([ev.NewEvent(f"child-{writer}", ev.ScalarLogged("step", float(step), step))])


def test_a_store_opened_before_fork_still_serialises_the_children(home):
    """flock on a descriptor shared across fork does not exclude: each child
    must take the lock through its own."""
    store = home.store
    store.append([ev.NewEvent("parent", ev.LabelSet("before fork"))])
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_with_inherited_store, args=(store, w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 4
    store.append([ev.NewEvent("parent", ev.LabelSet("after"))])
    report = verify(home)
    assert report.ok and report.events == 2 + 4 * 150, report.problem
