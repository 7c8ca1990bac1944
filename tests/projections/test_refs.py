"""Run references and listing windows: each reference asks the index only for
the rows it names, and gives the answers the whole listing would."""

from __future__ import annotations

import pytest

from ledger.errors import RunRefError
from ledger.events import NewEvent, RunDeleted, RunPurged
from ledger.projections.index_listing import count_runs, list_runs
from ledger.projections.refs import Filters, count, listing, resolve, select, window
from tests.projections.test_index_fixture import Fixture, created, fixture_ledger, rid  # noqa: F401

TRAIN = Filters(ops=("train",))


def ids(rows):
    return [r["id"] for r in rows]


def test_a_window_is_a_slice_of_the_whole_listing(fixture_ledger: Fixture):
    h = fixture_ledger.home
    for filters in (Filters(), TRAIN, Filters(labels=("lr=",)), Filters(deleted=True)):
        whole = listing(h, filters)
        assert count(h, filters) == len(whole)
        for offset in range(len(whole) + 1):
            for limit in (1, 2, 5):
                assert listing(h, filters, limit, offset) == whole[offset : offset + limit]


def test_without_flags_rows_are_the_same_but_for_flags(fixture_ledger: Fixture):
    h = fixture_ledger.home
    with_flags = list_runs(h, limit=4)
    without = list_runs(h, limit=4, flags=False)
    assert [{k: v for k, v in r.items() if k not in ("flags", "scalars")} for r in with_flags] == without
    assert all("flags" not in r and "scalars" not in r for r in without)


def test_window_counts_the_older_runs_only_when_it_is_full(fixture_ledger: Fixture):
    h, i = fixture_ledger.home, fixture_ledger.ids
    rows, hidden = window(h, Filters(), 2)
    assert ids(rows) == [i["d"], i["t3"]] and hidden == 5
    assert window(h, Filters(), 2, count_hidden=False)[1] == 0
    rows, hidden = window(h, Filters(), 20)
    assert len(rows) == 7 and hidden == 0
    assert len(window(h, Filters(), None)[0]) == 7
    assert count_runs(h, deleted=None) == 8


def test_indexes_and_ranges_count_in_the_filtered_listing(fixture_ledger: Fixture):
    h = fixture_ledger.home
    whole, trains = listing(h), listing(h, TRAIN)
    assert select(h, ["3"]) == [whole[2]]
    assert select(h, ["2"], TRAIN) == [trains[1]]
    assert select(h, ["2:4"]) == whole[1:4]
    assert select(h, [":2"]) == whole[:2]
    assert select(h, ["5:"]) == whole[4:]
    assert select(h, ["4:2"]) == []
    assert select(h, ["1", "3"]) == [whole[0], whole[2]]
    assert resolve(h, None) == whole[0] and resolve(h, None, TRAIN) == trains[0]
    with pytest.raises(RunRefError, match=r"there is no run \[8\]: 7 run\(s\) listed"):
        select(h, ["8"])
    with pytest.raises(RunRefError, match=r"there is no run \[0\]"):
        select(h, ["0"])


def test_id_prefixes_look_in_the_listing_then_everywhere(fixture_ledger: Fixture):
    h, i = fixture_ledger.home, fixture_ledger.ids
    assert ids(select(h, [i["b"][:8].upper()])) == [i["b"]]  # rid("runb") = 72756e62...
    # 72756e6 starts runa, runb, rund and the deleted rune: the listing shows three
    with pytest.raises(RunRefError, match=r"'72756e6' matches 3 runs \(72756e64.*, 72756e62.*, 72756e61.*\.\.\.\)"):
        select(h, ["72756e6"])
    assert ids(select(h, [i["e"][:8]])) == [i["e"]]  # deleted: only outside the listing
    assert ids(select(h, [i["a"][:8]], Filters(labels=("grid",)))) == [i["a"]]
    with pytest.raises(RunRefError, match="no run matches 'ffff'"):
        select(h, ["ffff"])


def test_a_full_id_finds_its_run_whatever_the_filters(fixture_ledger: Fixture):
    h, i = fixture_ledger.home, fixture_ledger.ids
    assert resolve(h, i["e"], TRAIN)["id"] == i["e"]
    assert resolve(h, i["c"], Filters(deleted=True))["id"] == i["c"]
    with_flags = resolve(h, i["a"]).items()
    assert resolve(h, i["a"], flags=False) == {k: v for k, v in with_flags if k not in ("flags", "scalars")}


def test_ambiguity_counts_every_match_but_lists_five(fixture_ledger: Fixture):
    h = fixture_ledger.home
    extra = [rid(f"zz{n}") for n in range(7)]  # 7a7a3... all share '7a7a'
    h.store.append([created(r) for r in extra])
    with pytest.raises(RunRefError, match=r"'7a7a' matches 7 runs \(([0-9a-f]{12}, ){4}[0-9a-f]{12}\.\.\.\)"):
        select(h, ["7a7a"])


def test_purged_runs_leave_the_deleted_listing_but_keep_their_id(fixture_ledger: Fixture):
    h, i = fixture_ledger.home, fixture_ledger.ids
    h.store.append([NewEvent(i["d"], RunDeleted())])
    assert ids(listing(h, Filters(deleted=True))) == [i["e"], i["d"]]
    h.store.append([NewEvent(i["e"], RunPurged())])
    assert ids(listing(h, Filters(deleted=True))) == [i["d"]] and count(h, Filters(deleted=True)) == 1
    assert ids(select(h, ["1"], Filters(deleted=True))) == [i["d"]]
    assert ids(select(h, [i["e"][:10]], Filters(deleted=True))) == [i["e"]]
