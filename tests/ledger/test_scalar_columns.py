"""Scalar batches: what is logged is what SQL reads back, bit for bit."""

from __future__ import annotations

import math
import struct
import sys
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events import NewEvent, RunCreated, ScalarsLogged
from ledger.home import Home
from ledger.scalar_columns import INT64_MAX, INT64_MIN, ScalarColumns, decode, points

keys = st.text(min_size=1, max_size=20)
steps = st.integers(INT64_MIN, INT64_MAX)
# huge ints are values too: they are recorded as the float they convert to
values = st.one_of(st.floats(), st.just(-0.0), st.integers(-(2**1000), 2**1000).map(float))
times = st.integers(0, 2**62)
point_lists = st.lists(st.tuples(keys, steps, values, times), max_size=200)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def sql_bits(x: float) -> bytes:
    """SQL keeps every bit but a NaN's payload: any NaN reads back as NaN."""
    return b"nan" if math.isnan(x) else bits(x)


def batch(pts) -> ScalarColumns:
    cols = ScalarColumns()
    for key, step, value, t in pts:
        cols.add(key, step, value, t)
    return cols


@given(point_lists)
def test_a_batch_decodes_to_its_points(pts):
    names, blob = batch(pts).encode()
    back = list(points(names, blob))
    assert [(k, s, t) for k, s, _, t in back] == [(k, s, t) for k, s, _, t in pts]
    assert [bits(v) for _, _, v, _ in back] == [bits(v) for _, _, v, _ in pts]


def _sql_points(home: Home, run: str) -> list[tuple]:
    from ledger.projections.sql import sql

    rows = sql(f"SELECT key, step, value, epoch_us(ts) FROM scalars WHERE run = '{run}' ORDER BY seq, rowid", home)
    return rows.fetchall()


@settings(max_examples=25, deadline=None)
@given(point_lists)
def test_points_reach_the_scalars_table_exactly(tmp_path_factory, pts):
    home = Home(tmp_path_factory.mktemp("home"))
    names, blob = batch(pts).encode()
    sha = home.blobs.put_bytes(blob)
    home.store.append([NewEvent("r1", RunCreated(op="t")), NewEvent("r1", ScalarsLogged(sha, len(pts), names, "api"))])
    rows = _sql_points(home, "r1")
    assert [(k, s, t) for k, s, _, t in rows] == [(k, s, t) for k, s, _, t in pts]
    assert [sql_bits(v) for _, _, v, _ in rows] == [sql_bits(v) for _, _, v, _ in pts]


def test_a_million_points_round_trip(tmp_path):
    home = Home(tmp_path / "home")
    special = [math.nan, math.inf, -math.inf, -0.0, float(2**80), 5e-324]
    cols = ScalarColumns()
    n = 1_000_000
    for i in range(n):
        cols.add(f"m{i % 10}", i // 10 - (1 << 62) * (i % 3 == 0), special[i % 6] if i % 7 == 0 else i / 7, 1_700_000_000_000_000 + i)
    names, blob = cols.encode()
    sha = home.blobs.put_bytes(blob)
    home.store.append([NewEvent("r1", RunCreated(op="t")), NewEvent("r1", ScalarsLogged(sha, n, names))])
    rows = _sql_points(home, "r1")
    key_index, st_, vals, ts = decode(blob)
    assert len(rows) == n
    assert [r[0] for r in rows] == [names[i] for i in key_index]
    assert [r[1] for r in rows] == list(st_)
    assert b"".join(bits(r[2]) for r in rows) == vals.tobytes()
    assert [r[3] for r in rows] == list(ts)


def test_a_step_beyond_64_bits_is_refused():
    cols = ScalarColumns()
    try:
        cols.add("loss", 2**63, 1.0, 0)
    except ValueError as e:
        assert "64 bits" in str(e)
    else:
        raise AssertionError("accepted")
    assert len(cols) == 0 and len(cols.steps) == 0 and len(cols.times) == 0


api_calls = st.lists(st.tuples(st.dictionaries(keys, values, min_size=1, max_size=4), steps), max_size=40)


@given(api_calls, st.lists(keys, max_size=3))
def test_the_logging_apis_frames_carry_every_point_exactly(calls, known):
    """What `ledger.log` spools is what the recorder gathers, whatever keys
    the recorder's batch already numbers (in another order)."""
    from ledger import tracking

    client = tracking._Client("/nonexistent/spool")
    client._flusher = True  # no thread: the frame is taken by hand
    for metrics, step in calls:
        client.log(metrics, step=step)
    gathered = ScalarColumns()
    for key in known:
        gathered.keys.setdefault(key, len(gathered.keys))
    if calls:
        gathered.add_columns(*client._frame_body()[1:])
    names = list(gathered.keys)
    got = [(names[k], s, bits(v)) for k, s, v in zip(gathered.key_index, gathered.steps, gathered.values)]
    assert got == [(key, step, bits(float(v))) for metrics, step in calls for key, v in metrics.items()]
    assert len(gathered.times) == len(got)


def test_a_frame_whose_columns_disagree_adds_nothing():
    gathered = batch([("a", 1, 1.0, 5)])
    body = (("a", "b"), bytes(4 * 2), bytes(8 * 1), bytes(8), bytes(8), (2).to_bytes(4, sys.byteorder))
    with pytest.raises(ValueError, match="matching lengths"):
        gathered.add_columns(*body)
    assert (list(gathered.keys), len(gathered)) == (["a"], 1)


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([2, 2, 2], [(5, 100), (5, 100), (6, 200), (6, 200), (7, 300), (7, 300)]),  # the same metrics each call
        ([1, 3, 0], [(5, 100), (6, 200), (6, 200), (6, 200)]),
    ],
)
def test_each_point_of_an_api_call_gets_the_calls_step_and_time(sizes, expected):
    n = sum(sizes)
    body = (
        ("a", "b"),
        array("I", [i % 2 for i in range(n)]).tobytes(),
        array("d", range(n)).tobytes(),
        array("q", [5, 6, 7]).tobytes(),
        array("q", [100, 200, 300]).tobytes(),
        array("I", sizes).tobytes(),
    )
    gathered = ScalarColumns()
    gathered.add_columns(*body)
    assert list(zip(gathered.steps, gathered.times)) == expected
    assert list(gathered.values) == list(map(float, range(n)))
