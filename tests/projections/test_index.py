"""The DuckDB projection: the fold, catch-up, rebuild and listing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass

import pytest

from ledger.events import (
    EVENT_TYPES,
    EventData,
    FlagSet,
    LabelSet,
    NewEvent,
    RunCreated,
    RunStarted,
    RunStopped,
    ScalarLogged,
    TagAdded,
)
from ledger.home import Home
from ledger.projections.index import catch_up, connect, rebuild_index
from ledger.projections.index_listing import list_runs
from ledger.projections.liveness import effective_status, owner, process_start, stream_status
from ledger.sealing import seal_line
from ledger.verify import verify
from tests.projections.test_index_fixture import Fixture, created, fixture_ledger, rid  # noqa: F401

TABLES = ["events", "runs", "flags", "scalars", "sourcecode", "artifacts", "trials", "tags", "comments",
          "output", "lineage"]  # fmt: skip


def dump(home: Home) -> dict[str, list]:
    con = connect(home)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}
    finally:
        con.close()


def one(home: Home, sql: str, params=None):
    con = connect(home)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_runs_fold_follows_the_event_semantics(fixture_ledger: Fixture):
    fx = fixture_ledger
    rows = one(fx.home, "SELECT id, status, label, exit_status, proto, batch, kind, sourcecode_digest,"
                        " random_seed, deleted, tags FROM runs")  # fmt: skip
    got = {r[0]: r[1:] for r in rows}
    i = fx.ids
    assert got[i["a"]] == ("completed", "lr=0.1 first", 0, None, None, "run", "digest-1", 11, False, ["baseline"])
    assert got[i["b"]] == ("error", "from a", 1, i["a"], None, "run", "digest-1", 11, False, [])
    assert got[i["c"]][0:2] == ("completed", "grid") and got[i["c"]][5] == "batch"
    assert got[i["t2"]][4] == i["c"]
    assert got[i["d"]][:2] == ("staged", "staged again")  # staged, label replaced
    assert got[i["e"]][0] == "terminated" and got[i["e"]][8] is True


def test_flags_keep_the_last_value_with_origin_and_cause(fixture_ledger: Fixture):
    fx = fixture_ledger
    rows = one(fx.home, "SELECT name, value, value_num, value_text, value_type, origin, cause FROM flags"
                        " WHERE run = ? ORDER BY name", [fx.ids["b"]])  # fmt: skip
    assert rows == [
        ("epochs", "3", 3.0, "3", "int", "user", None),
        ("lr", "0.1", 0.1, "0.1", "float", "proto", fx.seqs["a_lr"]),
        ("opt", '"sgd"', None, "sgd", "str", "proto", fx.seqs["a_opt"]),
    ]
    fx.home.store.append([NewEvent(fx.ids["b"], FlagSet("epochs", 5, "user"))])
    assert one(fx.home, "SELECT value FROM flags WHERE run = ? AND name = 'epochs'", [fx.ids["b"]]) == [("5",)]


def test_other_tables(fixture_ledger: Fixture):
    fx, i = fixture_ledger, fixture_ledger.ids
    h = fx.home
    assert one(h, "SELECT path, size, origin, from_run FROM sourcecode WHERE run = ? ORDER BY path", [i["b"]]) == [
        ("train.py", 120, "proto", i["a"]), ("util.py", 30, "proto", i["a"])]  # fmt: skip
    assert one(h, "SELECT key, step, value FROM scalars WHERE run = ? ORDER BY seq", [i["a"]]) == [
        ("loss", 1, 1.0), ("acc", 1, 0.5), ("loss", 2, 0.5), ("acc", 2, 0.7)]  # fmt: skip
    assert one(h, "SELECT trial, index, flags FROM trials ORDER BY index") == [
        (i[f"t{k}"], k, json.dumps({"lr": 0.1 * k}, separators=(",", ":"))) for k in (1, 2, 3)]  # fmt: skip
    assert one(h, "SELECT run, tag FROM tags") == [(i["a"], "baseline")]
    assert one(h, "SELECT text, user FROM comments") == [("good baseline", "ann")]
    assert one(h, "SELECT path, size, stored FROM artifacts") == [("model.bin", 1000, True)]
    chunks, lines, tail = one(h, "SELECT chunks, lines, tail FROM output WHERE run = ?", [i["b"]])[0]
    assert (chunks, lines) == (2, 4)
    assert tail.endswith('  File "train.py", line 3\nValueError: boom\n') and tail.startswith("starting\n")


def test_lineage_view_walks_protos_and_batches(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    rows = one(fixture_ledger.home, "SELECT run, ancestor, depth, relation FROM lineage ORDER BY run, depth")
    assert (i["d"], i["b"], 1, "proto") in rows and (i["d"], i["a"], 2, "proto") in rows
    assert (i["t1"], i["c"], 1, "batch") in rows
    assert len(rows) == 6


def test_deleting_the_index_gives_identical_answers(fixture_ledger: Fixture):
    home = fixture_ledger.home
    before = dump(home)
    home.index_path.unlink()
    assert not home.index_path.exists()
    assert dump(home) == before
    assert rebuild_index(home) == home.store.last_seq
    assert dump(home) == before


def test_new_events_are_applied_incrementally(fixture_ledger: Fixture):
    fx = fixture_ledger
    home = fx.home
    total = home.store.last_seq
    assert catch_up(home) == total  # first use builds the index
    assert catch_up(home) == 0
    new = rid("late")
    home.store.append([created(new), NewEvent(new, LabelSet("late")), NewEvent(new, ScalarLogged("loss", 3.0))])
    home.store.append([NewEvent(fx.ids["a"], TagAdded("again"))])
    assert catch_up(home) == 4
    assert catch_up(home) == 0
    incremental = dump(home)
    rebuild_index(home)
    assert dump(home) == incremental
    assert one(home, "SELECT tags FROM runs WHERE id = ?", [fx.ids["a"]]) == [(["baseline", "again"],)]


def test_connect_catches_up_what_others_appended(fixture_ledger: Fixture):
    home = fixture_ledger.home
    catch_up(home)
    other = Home(home.path)  # another process's view of the same home
    other.store.append([NewEvent(fixture_ledger.ids["a"], LabelSet("renamed"))])
    assert one(home, "SELECT label FROM runs WHERE id = ?", [fixture_ledger.ids["a"]]) == [("renamed",)]
    assert one(home, "SELECT max(seq) FROM events") == [(other.store.last_seq,)]


def test_schema_version_change_rebuilds(fixture_ledger: Fixture):
    home = fixture_ledger.home
    catch_up(home)
    con = connect(home, read_only=False)
    con.execute("UPDATE position SET schema_version = -1")
    con.execute("DELETE FROM runs")
    con.close()
    assert catch_up(home) == home.store.last_seq
    assert one(home, "SELECT count(*) FROM runs") == [(8,)]


def test_an_index_of_another_log_is_rebuilt(tmp_path, fixture_ledger: Fixture):
    home = fixture_ledger.home
    catch_up(home)
    other = Home(tmp_path / "other")
    x = rid("x")
    other.store.append([created(x)] + [NewEvent(x, ScalarLogged("k", float(n))) for n in range(80)])
    other.index_path.write_bytes(home.index_path.read_bytes())  # a stale copy from elsewhere
    assert catch_up(other) == other.store.last_seq
    assert one(other, "SELECT id FROM runs") == [(x,)]


def test_an_unfinished_transaction_is_not_applied(fixture_ledger: Fixture):
    home = fixture_ledger.home
    last = home.store.last_seq
    seg = sorted((home.path / "events").glob("*.jsonl"))[-1]
    # the first line of a two-event transaction, sealed as a writer would, then a crash
    body = {"seq": last + 1, "id": "x" * 32, "ts": "2024-01-01T00:00:00.000000Z", "run": fixture_ledger.ids["a"],
            "type": "LabelSet", "v": 1, "data": {"label": "half"}, "cause": None, "tx": last + 1, "txn": 2,
            "prev": home.store.last_hash}  # fmt: skip
    line, _ = seal_line(body)
    with open(seg, "ab") as fh:
        fh.write(line.encode())
    assert catch_up(Home(home.path)) == last
    assert one(home, "SELECT count(*), max(seq) FROM events") == [(last, last)]
    # the next writer cuts the remnant off and the index follows
    Home(home.path).store.append([NewEvent(fixture_ledger.ids["a"], LabelSet("whole"))])
    assert catch_up(home) == 1
    assert one(home, "SELECT label FROM runs WHERE id = ?", [fixture_ledger.ids["a"]]) == [("whole",)]


def test_a_reader_holding_the_index_does_not_block_catch_up(fixture_ledger: Fixture):
    home = fixture_ledger.home
    reader = connect(home)
    n = reader.execute("SELECT count(*) FROM runs").fetchone()[0]
    x = rid("new")
    home.store.append([created(x)])
    assert catch_up(home) == 1  # written to a copy and renamed in
    assert reader.execute("SELECT count(*) FROM runs").fetchone()[0] == n  # its snapshot stays consistent
    assert one(home, "SELECT count(*) FROM runs") == [(n + 1,)]
    reader.close()


def test_a_damaged_index_file_is_rebuilt(fixture_ledger: Fixture):
    home = fixture_ledger.home
    before = dump(home)
    home.index_path.write_bytes(b"not a duckdb file" * 100)
    assert dump(home) == before


def test_empty_home(tmp_path):
    home = Home(tmp_path / "empty")
    assert catch_up(home) == 0
    assert list_runs(home) == []


# -- listing -------------------------------------------------------------------


def test_list_runs_newest_first_with_flags_and_tags(fixture_ledger: Fixture):
    i = fixture_ledger.ids
    runs = list_runs(fixture_ledger.home)
    assert [r["id"] for r in runs] == [i["d"], i["t3"], i["t2"], i["t1"], i["c"], i["b"], i["a"]]
    a = runs[-1]
    assert a["flags"] == {"epochs": 2, "lr": 0.1, "opt": "sgd"} and list(a["flags"]) == ["epochs", "lr", "opt"]
    assert a["tags"] == ["baseline"] and a["status"] == "completed" and a["exit_status"] == 0
    assert a["created"].endswith("Z") and a["sourcecode_digest"] == "digest-1" and a["random_seed"] == 11


def test_list_runs_filters(fixture_ledger: Fixture):
    h, i = fixture_ledger.home, fixture_ledger.ids

    def ids(**kw):
        return [r["id"] for r in list_runs(h, **kw)]

    assert ids(ops=["train+"]) == [i["c"]]
    assert ids(ops=["tra"]) == []  # a pattern, not a substring
    assert ids(ops=["*+"]) == [i["c"]]
    assert ids(labels=["lr=0.", "from"]) == [i["t3"], i["t2"], i["t1"], i["b"], i["a"]]
    assert ids(digest="digest-1") == [i["b"], i["a"]]
    assert ids(statuses=["error", "staged"]) == [i["d"], i["b"]]
    assert ids(deleted=True) == [i["e"]]
    assert ids(include_batch_trials=False) == [i["d"], i["c"], i["b"], i["a"]]
    assert ids(limit=2) == [i["d"], i["t3"]]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def other_process():
    """A live process that is not the owner of any run."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_running_means_the_exact_owner_process_is_alive(tmp_path, other_process):
    """(host, boot, pid, start time) must all be the owner's: a reused pid,
    another boot or another host read `terminated`, never `running`."""
    home = Home(tmp_path / "home")
    here, me = socket.gethostname(), owner()
    names = ("alive", "dead", "reused", "other_boot", "other_host", "other_host_dead")
    run = {n: rid(n) for n in names}
    home.store.append([NewEvent(run["alive"], ScalarLogged("x", 1.0))])  # events before RunCreated are tolerated
    reused = {"pid": other_process, "pid_start": process_start(other_process) - 1, "boot_id": me["boot_id"]}
    home.store.append([
        NewEvent(run["alive"], RunCreated(op="train", host=here, **me)),
        NewEvent(run["dead"], RunCreated(op="train", host=here, **{**me, "pid": _dead_pid()})),
        NewEvent(run["reused"], RunCreated(op="train", host=here, **reused)),
        NewEvent(run["other_boot"], RunCreated(op="train", host=here, **{**me, "boot_id": "another-boot"})),
        NewEvent(run["other_host"], RunCreated(op="train", host="elsewhere", **me)),
        NewEvent(run["other_host_dead"], RunCreated(op="train", host="elsewhere", pid=_dead_pid())),
    ])
    expected = {rid: "terminated" for rid in run.values()}
    expected[run["alive"]] = "running"
    assert {r["id"]: r["status"] for r in list_runs(home)} == expected
    assert one(home, "SELECT count(*) FROM runs WHERE status = 'running'") == [(1,)]
    home.store.append([NewEvent(run["dead"], RunStopped("error", 1))])
    assert {r["id"]: r["status"] for r in list_runs(home)}[run["dead"]] == "error"
    # the live process with the reused pid really is alive: only its start time tells it apart
    assert effective_status("running", here, other_process, process_start(other_process), me["boot_id"]) == "running"


def test_the_owner_is_the_process_that_recorded_the_last_start(tmp_path):
    """A run created by a process now gone reads `running` once a live
    process records a start of its own (a staged run started later, a run
    restarted), and `terminated` again when a start's owner is gone: the
    index and the run's own events agree, folded at once or event by event."""
    here, me = socket.gethostname(), owner()
    live = {"host": here, "owner_pid": me["pid"], "owner_start": me["pid_start"], "boot_id": me["boot_id"]}
    gone = {**live, "owner_pid": _dead_pid()}
    run = rid("restarted")
    steps = [
        (RunCreated(op="train", host=here, **{**me, "pid": _dead_pid()}, params={"stage": True}), "staged"),
        (RunStarted(argv=("python",), pid=1, **live), "running"),
        (RunStopped("completed", 0), "completed"),
        (RunStarted(argv=("python",), pid=1, **gone), "terminated"),
        (RunStarted(argv=("python",), pid=1, **live), "running"),
        (RunStarted(argv=("python",), pid=1), "running"),  # no owner named: the last one named stays
    ]
    at_once, one_by_one = Home(tmp_path / "at_once"), Home(tmp_path / "one_by_one")
    for data, status in steps:
        one_by_one.store.append([NewEvent(run, data)])
        assert stream_status(one_by_one.store.stream(run)) == status, data
        assert [r["status"] for r in list_runs(one_by_one)] == [status], data
    at_once.store.append([NewEvent(run, data) for data, _ in steps])
    assert [r["status"] for r in list_runs(at_once)] == ["running"]
    folded = "SELECT status, host, pid, pid_start, boot_id, exit_status, stopped IS NULL FROM runs"
    assert one(at_once, folded) == [("running", here, me["pid"], me["pid_start"], me["boot_id"], None, True)]
    assert one(one_by_one, folded) == one(at_once, folded)


class V1:
    @dataclass(frozen=True)
    class RunCreated(EventData):
        """As v1 recorded a run's owner: host and pid, no start time, no boot."""

        op: str
        host: str = ""
        pid: int = 0


RunCreatedV1 = V1.RunCreated


def test_runs_recorded_before_start_times_are_judged_by_creation_time(tmp_path, monkeypatch):
    """A v1 RunCreated reads back with the owner's start time and boot
    unknown; its pid counts as its owner only if that process started
    before the run was created."""
    home = Home(tmp_path / "home")
    run = rid("old")
    monkeypatch.setitem(EVENT_TYPES, "RunCreated", RunCreatedV1)
    home.store.append([NewEvent(run, RunCreatedV1(op="train", host=socket.gethostname(), pid=os.getpid()))])
    monkeypatch.setitem(EVENT_TYPES, "RunCreated", RunCreated)
    stored = (home.path / "events" / "00000001.jsonl").read_text()
    assert '"type":"RunCreated","v":1' in stored and "pid_start" not in stored
    (created,) = home.store.stream(run)
    assert isinstance(created.data, RunCreated) and (created.data.pid_start, created.data.boot_id) == (0, "")
    assert {r["id"]: r["status"] for r in list_runs(home)} == {run: "running"}  # this process predates the run
    assert verify(home).ok
    # a live process with the same pid that started after the run was created is not its owner
    here = socket.gethostname()
    assert effective_status("running", here, os.getpid(), 0, "", created="2000-01-01T00:00:00Z") == "terminated"
    assert effective_status("running", here, os.getpid(), 0, "", created=created.ts) == "running"


@pytest.mark.parametrize("statement", ["CREATE TABLE x (a INT)", "DELETE FROM runs", "INSERT INTO tags VALUES ('a','b',1)"])
def test_connections_are_read_only(fixture_ledger: Fixture, statement):
    import duckdb

    con = connect(fixture_ledger.home)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(statement)
    finally:
        con.close()
